import fs from 'node:fs';
import { z } from 'zod';
import type { AppContext } from '../kernel/context';
import { appendCheckpoint, chainGenesis, signCheckpoint, writerChainKey, type Checkpoint, type Head } from '../kernel/chain';
import { backupDatabase, type BackupResult } from '../kernel/db/backup';
import { PRIVATE_FILE } from '../kernel/private-files';
import { defineCron, defineWorker } from '../jobs';
import { auditHead } from '../operators';
import { ledgerHead } from '../ledger';

/**
 * Chain checkpoints: where a removed tail of the audit log or the ledger shows (issue 19).
 *
 * Guarantees:
 * - A checkpoint is the two chains' heads (last audit row and last transfer, each with its chain
 *   value) and the time, signed with the chain key. It is appended to `chain-checkpoints.jsonl`
 *   beside the database; `audit verify`, `ledger verify` and `doctor` hold the chains to every
 *   checkpoint there and fail when a recorded head is gone (the last rows were removed) or
 *   differs (the chain was rewritten), or when a checkpoint's signature does not hold.
 * - Every backup takes a checkpoint just before its copy (so the copy holds at least those rows)
 *   and writes it beside the copy as `<backup>.checkpoint.json`: someone who also truncates the
 *   checkpoint file beside the database still has the backups' against them.
 * - A checkpoint is taken every day at 23:55 (the job `system.chainCheckpoint`), and the finance
 *   workbook's summary prints the latest one, so a truncation after that day shows against paper.
 */

export function takeCheckpoint(app: AppContext): Checkpoint {
  const key = writerChainKey(app.sqlite);
  const genesis = (chain: 'audit' | 'ledger'): Head => ({ id: 0, mac: chainGenesis(key, chain) });
  const c = signCheckpoint(key, { at: app.clock.now(), audit: auditHead(app) ?? genesis('audit'), ledger: ledgerHead(app) ?? genesis('ledger') });
  appendCheckpoint(app.sqlite, c);
  return c;
}

/** A backup with its checkpoint: taken before the copy, written beside it once the copy is good. */
export async function backupWithCheckpoint(app: AppContext, out: string): Promise<BackupResult & { checkpoint: Checkpoint }> {
  const checkpoint = takeCheckpoint(app);
  const result = await backupDatabase(app.sqlite, out);
  fs.writeFileSync(`${result.file}.checkpoint.json`, `${JSON.stringify(checkpoint)}\n`, { mode: PRIVATE_FILE });
  return { ...result, checkpoint };
}

export const chainCheckpointWorker = defineWorker({
  kind: 'system.chainCheckpoint',
  queue: 'maintenance',
  args: z.object({}),
  maxAttempts: 3,
  timeoutMs: 60_000,
  perform(app) {
    takeCheckpoint(app);
    return Promise.resolve();
  },
});

export const chainCheckpointCron = defineCron({ name: 'system.chainCheckpoint', expression: '55 23 * * *', kind: chainCheckpointWorker.kind });
