import type { RefusalReason } from './wire';

/** What each refusal means, in words an operator's IT person can act on (alerts, `depotdesk hq depots`). */
const WORDS: Record<RefusalReason, string> = {
  malformed: 'the message is not a journal batch HQ can read',
  wrong_depot: 'the batch names another depot than the topic it came on',
  gap: 'rows are missing before it',
  prev_mismatch: "it does not chain from the previous row's hash",
  hash_mismatch: 'its hash is not the hash of its content',
  history_changed: 'the depot now sends a different row where HQ already stored one',
  duplicate_key: 'its idempotency key was already used by another row',
  duplicate_transfer: 'it carries a ledger transfer HQ already has',
  unreadable_payload: 'its payload does not have the shape of its kind',
  unstorable_payload: 'its payload holds a character PostgreSQL cannot store',
};

export function refusalWords(reason: string): string {
  return (WORDS as Record<string, string>)[reason] ?? reason;
}
