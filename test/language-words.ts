/**
 * What counts as a stray word, shared by the dictionary test and the every-page walk. Allowed in
 * Chinese text: the brand, units, protocol and file-format names an operator sees on the
 * equipment and in other tools, and tokens that are ids or numbers.
 */
export const ALLOWED_WORDS: ReadonlySet<string> = new Set([
  'DepotDesk',
  'kWh',
  'kW',
  'KB',
  'MB',
  'GB',
  'MQTT',
  'OCPP',
  'Excel',
  'CSV',
  'JSON',
  'HTTP',
  'RFID',
  'VIN',
  'ZIP',
]);

/**
 * Ids: a ULID, an order number (DD…), a charger id (E2E-…, CP-…), a time zone (Asia/Shanghai),
 * anything with a digit in it (0021_recon_fact_status, v2).
 */
const ID_TOKEN = /^(?:[0-9A-HJKMNP-TV-Z]{26}|DD[0-9A-Z]+|[A-Z0-9]+(?:-[\w]+)+|[A-Z][a-z]+\/[A-Za-z_]+|.*\d.*)$/;

/** Chinese characters and full-width punctuation. */
export const CJK = /[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]/;

/** The English words in `text` that are neither allowed nor ids, each once. */
export function strayEnglish(text: string): string[] {
  // A token runs over digits too, so an id like 0021_recon_fact_status stays one token.
  const words = text.match(/[\w.:/-]*[A-Za-z][\w.:/-]*/g) ?? [];
  const trimmed = words.map((w) => w.replace(/^[.:/-]+|[.:/-]+$/g, ''));
  return [...new Set(trimmed.filter((w) => /[A-Za-z]{2}/.test(w) && !ALLOWED_WORDS.has(w) && !ID_TOKEN.test(w)))];
}

/** The lines of `text` that hold a Chinese character, each once. */
export function cjkLines(text: string): string[] {
  return [...new Set(text.split('\n').filter((line) => CJK.test(line)))];
}
