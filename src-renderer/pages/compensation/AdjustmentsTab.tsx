// Being built; replaced before this lands (issue 7).
export default function AdjustmentsTab() {
  return <div data-testid="comp-adjustments-tab" />;
}
