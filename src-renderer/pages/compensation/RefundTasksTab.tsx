// Being built; replaced before this lands (issue 7).
export default function RefundTasksTab() {
  return <div data-testid="comp-refundtasks-tab" />;
}
