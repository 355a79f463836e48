import { formatFen } from '../../money';
import type { SweepRecord, SweepResult } from '../../sessions';
import { depotClock } from '../depot-time';
import { UsageError, type Command } from '../framework';

export const sweepCommands: Command[] = [
  {
    name: 'sweep',
    summary: 'Run the settlement sweep now (finance, supervisor, admin); --dry-run shows what it would settle and moves no money.',
    usage: 'depotdesk sweep [--dry-run] --as NAME [--json]',
    options: { 'dry-run': { type: 'boolean' } },
    async run(cx) {
      const dryRun = cx.args['dry-run'] === true;
      const r = await cx.call<SweepResult>('sessions.sweep', { dryRun });
      const iso = depotClock(cx).at;
      cx.print(r, () => {
        const would = dryRun ? 'would settle' : 'settled';
        const out = [
          `${dryRun ? 'dry run: ' : ''}sweep ${r.id}, sessions stopped since ${iso(r.windowFrom)}: ${r.found} found, ${r.settled} ${would} (¥${formatFen(r.totalAmountFen)}` +
            `${r.unpaid > 0 ? `, ${r.unpaid} as debt ¥${formatFen(r.debtFen)}` : ''}), ${r.held} held for review, ${r.alreadySettled} already settled, ${r.failed} failed`,
        ];
        for (const s of r.sessions)
          out.push(`  ${s.sessionId}  ${s.state.padEnd(6)}  ¥${formatFen(s.amountFen)}${s.debtFen > 0 ? `  debt ¥${formatFen(s.debtFen)}` : ''}`);
        for (const f of r.failures) out.push(`  FAILED ${f.sessionId}: [${f.code}] ${f.message}`);
        for (const a of r.alerts) out.push(`  alert raised: ${a}`);
        for (const a of r.resolved) out.push(`  alert resolved: ${a}`);
        return out.join('\n');
      });
      return r.failed > 0 ? 1 : 0;
    },
  },
  {
    name: 'sweep list',
    summary: 'Past settlement sweeps, newest first.',
    usage: 'depotdesk sweep list [--all] [--limit N] --as NAME [--json]',
    options: { all: { type: 'boolean' }, limit: { type: 'string' } },
    async run(cx) {
      const limit = cx.args.limit;
      if (limit !== undefined && (typeof limit !== 'string' || !/^\d+$/.test(limit) || Number(limit) < 1)) {
        throw new UsageError(`--limit must be a whole number ≥ 1, got "${String(limit)}"`, { field: '--limit' });
      }
      const page = await cx.call<{ total: number; items: SweepRecord[] }>('sessions.sweeps', {
        includeDryRuns: cx.args.all === true,
        limit: limit === undefined ? 20 : Number(limit),
      });
      const iso = depotClock(cx).at;
      cx.print(page, () =>
        page.items
          .map(
            (s) =>
              `${s.id}  ${iso(s.startedAt)}  ${s.dryRun ? 'dry-run ' : ''}${s.trigger.padEnd(8)} found ${s.found}, settled ${s.settled} (¥${formatFen(s.totalAmountFen)}), held ${s.held}, failed ${s.failed}${s.finishedAt === null ? '  [did not finish]' : ''}`,
          )
          .concat(`(${page.items.length} of ${page.total})`)
          .join('\n'),
      );
    },
  },
];
