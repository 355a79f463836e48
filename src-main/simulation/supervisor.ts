import { isDepotError } from '../kernel/errors';
import { businessDate } from '../kernel/clock';
import {
  approveCampaign,
  beginExecution,
  cancelCampaign,
  createCampaign,
  dryRunCampaign,
  getCampaign,
  listCampaigns,
  runCampaign,
  summaryOf,
  type Summary,
} from '../compensation';
import { approveForceClose, rejectForceClose, requestForceClose, stuckSessions } from '../sessions';
import { listTasks, resolveTask, retryTask } from '../refunds';
import { formatFen } from '../money';
import type { SimDepot } from './depot-sim';
import { refusedOr } from './outcome';

/**
 * The supervisors' steps: compensation campaigns (executed in chunks, sometimes with the back
 * office crashing between two chunks), their reversal, the force-close of stuck sessions, and the
 * refund tasks the gateway kept refusing, left for an operator.
 */

interface Supervisor {
  operatorId: string;
  role: 'supervisor';
}

/** How often an execution is cut by a crash between two chunks (after k of them, k drawn). */
const MID_EXECUTION_CRASH = 0.4;
/** After such a crash, how often the supervisor resumes at once (else a later campaign step does). */
const RESUME_AT_ONCE = 0.7;

function brief(s: Summary): string {
  return `${s.credited} credited, ${s.already} already, ${s.failed} failed, ${s.pending} pending`;
}

/** Resumes (executing → completed) a campaign whose execution a crash cut. */
async function resume(sim: SimDepot, id: string, by: Supervisor): Promise<string> {
  sim.count('campaign:resumed');
  const begun = await refusedOr(sim, 'campaign', () => beginExecution(sim.app, id, by));
  if (!begun.ok) return `resume refused (${begun.why})`;
  const ran = await refusedOr(sim, 'campaign', () => runCampaign(sim.app, id, by, { chunkSize: 2 }));
  return ran.ok ? `resumed: ${brief(ran.value)}` : `resume refused (${ran.why})`;
}

/**
 * Runs chunks until `k` of them committed, then stops before the next (the signal runCampaign
 * honours): after the last chunk too, so the campaign stays executing with nothing pending.
 */
async function runChunks(sim: SimDepot, id: string, by: Supervisor, chunkSize: number, k: number): Promise<void> {
  if (k === 0) return;
  const stop = new AbortController();
  let done = 0;
  const onProgress = () => {
    done += 1;
    if (done >= k) stop.abort();
  };
  try {
    await runCampaign(sim.app, id, by, { chunkSize, signal: stop.signal, onProgress });
  } catch (e) {
    if (!isDepotError(e) || e.code !== 'unavailable') throw e;
  }
}

/**
 * Executes an approved campaign (credit or reversal): in one go, or — sometimes — in chunks of one
 * with the back office crashing after k of them (k from 0, right after beginExecution, to all of
 * them, before the campaign is marked completed), and the execution resumed after the restart, at
 * once or at a later campaign step.
 */
async function execute(sim: SimDepot, id: string, by: Supervisor): Promise<string> {
  const begun = await refusedOr(sim, 'campaign', () => beginExecution(sim.app, id, by));
  if (!begun.ok) return `execution refused (${begun.why})`;
  if (!sim.prng.chance(MID_EXECUTION_CRASH)) {
    const ran = await refusedOr(sim, 'campaign', () => runCampaign(sim.app, id, by, { chunkSize: 2 }));
    return ran.ok ? brief(ran.value) : `execution refused (${ran.why})`;
  }
  // Chunks of one, so that a campaign of a few drivers has room for a crash between two chunks.
  const chunks = summaryOf(sim.app, id).pending;
  const k = sim.prng.int(0, chunks);
  await runChunks(sim, id, by, 1, k);
  const left = summaryOf(sim.app, id).pending;
  sim.count('campaign:crashMidExecution');
  await sim.crashAndRestart();
  const what = `the back office crashes after ${k} of ${chunks} chunk(s) (${left} item(s) pending) and restarts`;
  if (!sim.prng.chance(RESUME_AT_ONCE)) {
    sim.count('campaign:leftExecuting');
    return `${what}; left executing for a later campaign step`;
  }
  return `${what}; ${await resume(sim, id, by)}`;
}

/** Campaigns a crash left executing, oldest first (row ids are random; names and times are the seed's). */
async function resumeLeftOvers(sim: SimDepot): Promise<string[]> {
  const left = listCampaigns(sim.app, { state: 'executing', limit: 1_000 }).sort((a, b) => a.createdAt - b.createdAt || a.name.localeCompare(b.name));
  const out: string[] = [];
  for (const c of left) out.push(`${c.name}: ${await resume(sim, c.id, sim.supervisors[1])}`);
  return out;
}

/** A campaign that cannot go on (its approval refused) is cancelled, so it blocks nothing. */
async function giveUp(sim: SimDepot, id: string, by: Supervisor, why: string): Promise<string> {
  await refusedOr(sim, 'campaign', () => cancelCampaign(sim.app, id, `sim: ${why}`, by));
  return why;
}

/** dry run → approval by the other supervisor (with the dry run's figures) → execution. */
async function approveAndExecute(sim: SimDepot, id: string, creator: Supervisor, approver: Supervisor): Promise<string> {
  const dry = await refusedOr(sim, 'campaign', () => dryRunCampaign(sim.app, id, creator));
  if (!dry.ok) return giveUp(sim, id, creator, `dry run refused (${dry.why})`);
  const c = getCampaign(sim.app, id);
  if (!c.dryRunDrivers) return giveUp(sim, id, creator, 'nobody to credit');
  const checklist = { fingerprint: c.dryRunFingerprint!, drivers: c.dryRunDrivers, total: c.dryRunTotal!, criteriaChecked: true };
  const approved = await refusedOr(sim, 'campaign', () => approveCampaign(sim.app, id, checklist, approver));
  if (!approved.ok) return giveUp(sim, id, creator, `approval refused (${approved.why})`);
  return `${c.dryRunDrivers} driver(s), ¥${formatFen(c.dryRunTotal ?? 0)}: ${await execute(sim, id, approver)}`;
}

/**
 * Supervisor A creates a campaign for today's failed starts at the station (those an earlier
 * campaign already compensates are left out), supervisor B approves and executes it. A campaign a
 * crash left executing is resumed first.
 */
export async function campaignStep(sim: SimDepot): Promise<string> {
  const resumed = await resumeLeftOvers(sim);
  const date = businessDate(sim.clock.now(), sim.clock.timeZone);
  const [creator, approver] = sim.supervisors;
  const spec = {
    name: `sim ${date} #${sim.step}`,
    criteria: { from: date, to: date, stationIds: ['ST-SIM'] },
    rule: { kind: 'fixed', amount: '5.00' },
    target: 'wallet',
  };
  const made = await refusedOr(sim, 'campaign', () => createCampaign(sim.app, spec, creator));
  const before = resumed.length > 0 ? `${resumed.join('; ')}; then ` : '';
  if (!made.ok) return `${before}campaign for ${date}: create refused (${made.why})`;
  return `${before}campaign for ${date}: ${await approveAndExecute(sim, made.value.id, creator, approver)}`;
}

/**
 * Supervisor B reverses a completed credit campaign nobody reversed yet (a reversal campaign: dry
 * run, approval by supervisor A, execution in chunks, crashes included). A credit the driver has
 * already spent cannot be taken back: that item fails, with its reason.
 */
export async function campaignReversalStep(sim: SimDepot): Promise<string> {
  const all = listCampaigns(sim.app, { limit: 10_000 });
  const reversed = new Set(all.filter((c) => c.kind === 'reversal' && c.state !== 'cancelled').map((c) => c.reversesId));
  const candidates = all
    .filter((c) => c.kind === 'credit' && c.state === 'completed' && !reversed.has(c.id))
    .sort((a, b) => a.createdAt - b.createdAt || a.name.localeCompare(b.name));
  if (candidates.length === 0) return 'no completed campaign to reverse';
  const original = sim.prng.pick(candidates);
  const [approver, creator] = sim.supervisors;
  const made = await refusedOr(sim, 'campaignReversal', () => createCampaign(sim.app, { name: `reverse ${original.name}`, reverses: original.id }, creator));
  if (!made.ok) return `reversal of ${original.name}: create refused (${made.why})`;
  return `reversal of ${original.name}: ${await approveAndExecute(sim, made.value.id, creator, approver)}`;
}

/**
 * A stuck session (its charger offline and silent for sessions.stuckAfterMs): supervisor A asks
 * to force-close it at its last reading, supervisor B approves (or, now and then, rejects). The
 * charger's own StopTransaction, when it comes back, re-settles the difference once.
 */
export async function forceCloseStep(sim: SimDepot): Promise<string> {
  const stuck = stuckSessions(sim.app)
    .filter((x) => !x.forceClose)
    .sort((a, b) => a.session.createdAt - b.session.createdAt || a.session.chargerId.localeCompare(b.session.chargerId) || a.session.connectorId - b.session.connectorId);
  if (stuck.length === 0) return 'no stuck session';
  const { session: s, silentForMs } = sim.prng.pick(stuck);
  const [requester, approver] = sim.supervisors;
  const what = `supervisor force-closes the ${s.state} session on ${s.chargerId}/${s.connectorId}, silent ${(silentForMs / 3_600_000).toFixed(1)} h`;
  const asked = await refusedOr(sim, 'forceClose', () =>
    requestForceClose(sim.app, { sessionId: s.id, reason: 'sim: the charger has been silent for hours' }, requester),
  );
  if (!asked.ok) return `${what}: request refused (${asked.why})`;
  if (sim.prng.chance(0.15)) {
    const r = await refusedOr(sim, 'forceClose', () => rejectForceClose(sim.app, { sessionId: s.id, note: 'sim: wait for the charger' }, approver));
    if (r.ok) sim.count('forceClose:rejected');
    return `${what}: ${r.ok ? 'rejected' : `rejection refused (${r.why})`}`;
  }
  const r = await refusedOr(sim, 'forceClose', () => approveForceClose(sim.app, { sessionId: s.id, note: 'sim' }, approver));
  if (!r.ok) return `${what}: approval refused (${r.why})`;
  sim.count('forceClose:approved');
  sim.forceClosed.push(s.id);
  return `${what}: closed at ${asked.value.meterWh} Wh, ${r.value.state}`;
}

/**
 * An operator works the refund tasks the gateway kept refusing (failed): retries one (a fresh
 * attempt budget; the gateway may have recovered), or resolves it — paid outside the gateway, or
 * the money back to the driver's wallet.
 */
export async function refundTaskStep(sim: SimDepot): Promise<string> {
  const failed = listTasks(sim.app, { state: 'failed', limit: 1_000 }).sort(
    (a, b) => a.createdAt - b.createdAt || a.orderNumber.localeCompare(b.orderNumber) || a.amount - b.amount,
  );
  if (failed.length === 0) return 'no failed refund task';
  const t = sim.prng.pick(failed);
  const action = sim.prng.weighted({ retry: 50, back_to_wallet: 30, paid_outside: 20 });
  const what = `operator takes the failed refund task of ¥${formatFen(t.amount)} on order ${t.orderNumber} (${t.attempts} attempts): ${action.replace(/_/g, ' ')}`;
  const by = { operatorId: sim.supervisors[0].operatorId };
  const r = await refusedOr(sim, 'refundTask', () => {
    if (action === 'retry') {
      sim.assignRefundFate(t.id);
      return retryTask(sim.app, t.id);
    }
    return resolveTask(sim.app, t.id, { outcome: action, note: `sim step ${sim.step}` }, by);
  });
  if (r.ok) sim.count(`refundTask:${action}`);
  return `${what}: ${r.ok ? r.value.state : `refused (${r.why})`}`;
}
