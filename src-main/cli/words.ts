import { wordingFor } from '../../src-renderer/i18n/wording';
import { alertResolutionText, alertText } from '../../src-renderer/lib/alertText';
import { jobErrorWords } from '../../src-renderer/lib/jobError';

/**
 * The CLI's words for the codes it prints (issue 16): a state, a channel, a job's kind, an alert's
 * sentence, from the screens' own dictionaries and wording helpers (src-renderer/i18n/wording.ts
 * and the plain helpers beside it that the core may import), so the terminal and the screen say
 * the same thing. The CLI's text is English throughout (its labels, usage and errors), so its words
 * are en-US: one language per line, never a Chinese code word inside an English sentence. A code
 * the dictionaries do not know is printed as it is, never hidden. --json keeps the codes.
 */
const words = wordingFor('en-US');

export const cliWords = words;

/** The words for `code` under a dictionary prefix ('jobs.state.' + 'available' → Waiting), else the code. */
export function label(prefix: string, code: string | null | undefined): string {
  return code ? (words.maybe(`${prefix}${code}`) ?? code) : '';
}

/** An alert as the alerts list words it (its code and details), else the core's message. */
export function alertWords(a: { code: string; message: string; details?: Record<string, unknown> }): string {
  return alertText(words, a);
}

/** Why an alert resolved, worded from the core's code and params, else as recorded. */
export function alertResolutionWords(a: { resolution: string | null; resolutionCode: string | null; resolutionParams: Record<string, string | number> | null }): string {
  return alertResolutionText(words, a);
}

/** A job's recorded error ("[code] message") by its code's words, as the Jobs page shows it; else as recorded. */
export function jobErrorText(error: string): string {
  return jobErrorWords(words.maybe, error)?.words ?? error;
}
