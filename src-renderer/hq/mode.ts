/**
 * Is this page served by headquarters? `depotdesk hq serve` adds `<meta name="depotdesk-role"
 * content="hq">` to index.html (src-main/hq/http.ts); a depot never does. Read once at start, before
 * any call: HQ answers only its own read methods, so the depot's screens must not start there.
 */
export function servedByHq(doc: Pick<Document, 'querySelector'> | undefined = typeof document === 'undefined' ? undefined : document): boolean {
  return doc?.querySelector('meta[name="depotdesk-role"]')?.getAttribute('content') === 'hq';
}
