import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';

/**
 * One exchange with a payment gateway (WeChat Pay, Alipay) or its bill download server, on Node's
 * own http(s), no HTTP library: the status, the headers in lower case and the body as bytes (a
 * bill is a gzip or a ZIP, so never decoded here). It rejects only when no answer came (timeout,
 * reset, refused connection, TLS failure, an oversized answer): the caller turns that into an
 * unknown outcome. An extra CA (`ca`) is trusted for this request alone, besides the system's
 * roots; certificate verification is never switched off. Plain http is allowed only because
 * Alipay's bill download links have been http (dwbillcenter.alipay.com); the gateways themselves
 * are https (wechat-crypto.ts and alipay-crypto.ts refuse anything else).
 */

export interface ByteAnswer {
  status: number;
  headers: Record<string, string>;
  bytes: Buffer;
}

export interface ByteRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Extra trusted CA certificate(s), PEM. */
  ca?: string;
  maxBytes: number;
}

export class NoAnswer extends Error {}

function headersOf(res: http.IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return headers;
}

export function exchange(o: ByteRequest): Promise<ByteAnswer> {
  return new Promise((resolve, reject) => {
    const options: https.RequestOptions = {
      method: o.method,
      headers: { ...o.headers, 'Content-Length': String(Buffer.byteLength(o.body)) },
      timeout: o.timeoutMs,
    };
    if (o.url.protocol === 'https:' && o.ca) options.ca = [...tls.rootCertificates, o.ca];
    const onAnswer = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > o.maxBytes) req.destroy(new NoAnswer(`answer larger than ${o.maxBytes} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: headersOf(res), bytes: Buffer.concat(chunks) }));
      res.on('error', (e) => reject(new NoAnswer(e.message)));
    };
    const req = o.url.protocol === 'http:' ? http.request(o.url, options, onAnswer) : https.request(o.url, options, onAnswer);
    // The whole exchange, not only socket idleness, is bounded: a gateway that trickles is as good as silent.
    const timer = setTimeout(() => req.destroy(new NoAnswer(`no answer within ${o.timeoutMs} ms`)), o.timeoutMs);
    req.on('timeout', () => req.destroy(new NoAnswer(`no answer within ${o.timeoutMs} ms`)));
    req.on('error', (e) => reject(e instanceof NoAnswer ? e : new NoAnswer(e.message)));
    req.on('close', () => clearTimeout(timer));
    req.end(o.body);
  });
}
