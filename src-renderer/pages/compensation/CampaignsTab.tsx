// Being built; replaced before this lands (issue 7).
export default function CampaignsTab() {
  return <div data-testid="comp-campaigns-tab" />;
}
