import { exchange, NoAnswer, type ByteAnswer, type ByteRequest } from './gateway-http';

export { NoAnswer };

/**
 * One HTTPS exchange with the WeChat Pay gateway (gateway-http.ts does the exchange): the
 * status, the headers in lower case and the body as text (httpsBytes: as bytes, for a statement
 * file). It rejects only when no answer came: the caller turns that into an unknown outcome.
 */

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A request to WeChat Pay: gateway-http's, with this module's answer size limit. */
export type HttpOptions = Omit<ByteRequest, 'maxBytes'>;

const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

export function httpsExchange(o: HttpOptions): Promise<HttpAnswer> {
  return httpsBytes(o).then(({ bytes, ...a }) => ({ ...a, body: bytes.toString('utf8') }));
}

/** An answer whose body is kept as bytes: a statement file (gzip), not JSON text. */
export type HttpBytesAnswer = ByteAnswer;

/** The same exchange with the body as bytes, up to `maxBytes` (a statement download is larger than any JSON answer). */
export function httpsBytes(o: HttpOptions, maxBytes = MAX_ANSWER_BYTES): Promise<HttpBytesAnswer> {
  if (o.url.protocol !== 'https:') return Promise.reject(new NoAnswer(`${o.url.origin}: WeChat Pay is reached over https only`));
  return exchange({ ...o, maxBytes });
}
