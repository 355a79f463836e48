import type { Sqlite } from '../kernel/db/connection';
import { depotId, journalTip, pruneJournal, readJournal } from '../kernel/journal';
import type { UplinkJournal } from './uplink';

/** The depot's journal (kernel/journal.ts) as the uplink reads and prunes it. */
export function depotJournal(sqlite: Sqlite): UplinkJournal {
  return {
    depotId: () => depotId(sqlite),
    tip: () => journalTip(sqlite),
    read: (afterSeq, limit) => readJournal(sqlite, afterSeq, limit),
    prune: (uptoSeq) => pruneJournal(sqlite, uptoSeq),
  };
}
