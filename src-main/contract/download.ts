import fs from 'node:fs';
import type http from 'node:http';
import type { AppContext } from '../kernel/context';
import type { OperatorIdentity } from '../kernel/method';
import { depot } from '../modules';

/**
 * GET /download/<provider>/<id>: a file a module wrote for the signed-in operator (a report
 * export), streamed with its name; the module's provider decides who may have it. Answers 401
 * without a login and 404 for anything the operator may not have or that is not finished, so a
 * guessed id learns nothing.
 */
export function handleDownload(app: AppContext, operator: OperatorIdentity | null, pathname: string, res: http.ServerResponse): void {
  const m = /^\/download\/([\w-]+)\/([\w-]+)$/.exec(pathname);
  const json = (status: number, code: string, message: string) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ ok: false, error: { code, message } }));
  };
  if (!operator) return json(401, 'unauthenticated', 'sign in first');
  const provider = m ? depot.downloads[m[1]] : undefined;
  const file = m && provider ? provider(app, m[2], { id: operator.id, role: operator.role }) : null;
  if (!file || !fs.existsSync(file.path)) return json(404, 'not_found', `no download at ${pathname}`);
  res.writeHead(200, {
    'content-type': file.contentType,
    'content-length': fs.statSync(file.path).size,
    'content-disposition': `attachment; filename="${encodeURIComponent(file.fileName).replace(/%20/g, ' ')}"; filename*=UTF-8''${encodeURIComponent(file.fileName)}`,
    'cache-control': 'no-store',
  });
  fs.createReadStream(file.path).pipe(res);
}
