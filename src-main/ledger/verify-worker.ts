import { serveReadThread } from '../kernel/read-thread';
import { verifyLedger } from './verify';

/**
 * The `ledger verify` worker thread (see verifyLedgerOffThread in verify.ts): one verification on a
 * read-only connection of its own, its report posted back whole.
 */
serveReadThread(verifyLedger);
