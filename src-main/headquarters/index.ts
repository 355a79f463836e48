import type { AppContext } from '../kernel/context';
import { defineModule, tablesOf } from '../kernel/module';
import * as headquartersSchema from './schema';
import { headquartersMethods } from './methods';
import { depotJournal } from './journal';
import { startUplinkWith, type Uplink } from './uplink';

export * from './schema';
export {
  startUplinkWith,
  runningUplink,
  pruneAcknowledged,
  nextBatch,
  depotHashAt,
  hqTopics,
  ackMessage,
  type AckMessage,
  type Uplink,
  type UplinkConnection,
  type UplinkJournal,
} from './uplink';
export { uplinkStatus, type UplinkStatus } from './status';
export { readUplinkState, type UplinkState, type Refusal } from './state';
export { depotJournal } from './journal';
export { headquartersMethods, uplinkStatusShape } from './methods';

/** Starts this depot's uplink to HQ with its hq.* settings and its own journal (boot/services.ts, when hq.enabled). */
export function startUplink(app: AppContext): Uplink {
  return startUplinkWith(app, depotJournal(app.sqlite));
}

// ── the module: what this domain plugs into the depot (src-main/modules.ts composes them) ──────

export const headquartersModule = defineModule({
  name: 'headquarters',
  methods: headquartersMethods,
  tables: tablesOf(headquartersSchema),
});
