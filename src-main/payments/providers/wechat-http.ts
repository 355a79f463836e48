import https from 'node:https';
import tls from 'node:tls';

/**
 * One HTTPS exchange with the WeChat Pay gateway, on Node's own https (no HTTP library): the
 * status, the headers in lower case and the body as text. It rejects only when no answer came
 * (timeout, reset, refused connection, TLS failure): the caller turns that into an unknown outcome.
 * An extra CA (`ca`) is trusted for this request alone, besides the system's roots; certificate
 * verification is never switched off.
 */

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface HttpOptions {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Extra trusted CA certificate(s), PEM. */
  ca?: string;
}

export class NoAnswer extends Error {}

const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

export function httpsExchange(o: HttpOptions): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      o.url,
      {
        method: o.method,
        headers: { ...o.headers, 'Content-Length': String(Buffer.byteLength(o.body)) },
        ca: o.ca ? [...tls.rootCertificates, o.ca] : undefined,
        timeout: o.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_ANSWER_BYTES) req.destroy(new NoAnswer(`answer larger than ${MAX_ANSWER_BYTES} bytes`));
          else chunks.push(c);
        });
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (e) => reject(new NoAnswer(e.message)));
      },
    );
    // The whole exchange, not only socket idleness, is bounded: a gateway that trickles is as good as silent.
    const timer = setTimeout(() => req.destroy(new NoAnswer(`no answer within ${o.timeoutMs} ms`)), o.timeoutMs);
    req.on('timeout', () => req.destroy(new NoAnswer(`no answer within ${o.timeoutMs} ms`)));
    req.on('error', (e) => reject(e instanceof NoAnswer ? e : new NoAnswer(e.message)));
    req.on('close', () => clearTimeout(timer));
    req.end(o.body);
  });
}
