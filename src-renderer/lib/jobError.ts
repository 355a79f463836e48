/** A failed attempt as the queue records it (src-main/jobs/queue.ts errorEntry): "[code] message" when the handler threw a DepotError. */
const CODED = /^\[([a-z_]+)\] /;

/**
 * A job's error in the operator's words where the core gave it a code (服务暂不可用); null for an
 * error with no code or a code the dictionaries do not know (then shown as recorded).
 */
export function jobErrorWords(maybe: (key: string) => string | undefined, error: string): { words: string; code: string } | null {
  const code = CODED.exec(error)?.[1];
  const words = code ? maybe(`error.${code}`) : undefined;
  return code && words ? { words, code } : null;
}
