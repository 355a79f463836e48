import fs from 'node:fs';
import path from 'node:path';
import { DepotError } from '../../kernel/errors';
import type { MethodOutput } from '../../contract/types';
import { isoInZone } from '../../tariffs';
import { parseYuan } from '../../money';
import { maskPhone } from '../../kernel/phone';
import { optionalOption, requireId, requireOption, UsageError, type Command, type CommandContext } from '../framework';

/**
 * Compensation campaigns (批量补偿) from the command line: the same contract methods as the
 * Compensation page, so roles, the creator-cannot-approve rule and the audit log apply. The spec
 * file format is in docs/compensation.md.
 */

type Campaign = MethodOutput<'compensation.get'>;
type DryRun = MethodOutput<'compensation.dryRun'>;

function readSpec(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--spec: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { field: '--spec' });
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new DepotError('invalid_input', `--spec: ${file} is not JSON: ${(e as Error).message}`, { field: '--spec' });
  }
}

/** Times are shown on the depot's clock, as the page shows them. */
function zoneOf(cx: CommandContext): string {
  return cx.openApp().config.timeZone;
}

/** Writes the workbook the contract made next to `file`, then renames it into place: never a half-written file. */
async function exportTo(cx: CommandContext, campaignId: string, file: string, kind?: 'dry_run' | 'results') {
  const target = path.resolve(file);
  if (!fs.existsSync(path.dirname(target))) throw new UsageError(`--export/--file: folder ${path.dirname(target)} does not exist`, { field: '--file' });
  const r = await cx.call<MethodOutput<'compensation.exportFile'>>('compensation.exportFile', { campaignId, kind });
  const tmp = `${target}.${process.pid}.partial`;
  try {
    fs.writeFileSync(tmp, Buffer.from(r.base64, 'base64'));
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new DepotError('unavailable', `could not write ${target}: ${(e as Error).message}`, { field: '--file' });
  }
  return { file: target, rows: r.rows, kind: kind ?? (r.fileName.includes('dry-run') ? 'dry_run' : 'results') };
}

function describe(c: Campaign, zone: string): string {
  const when = (at: number) => isoInZone(at, zone).slice(0, 19).replace('T', ' ');
  const lines = [
    `campaign ${c.id}  ${c.state}  ${c.kind === 'reversal' ? `reversal of ${c.reversesId}` : c.target}`,
    `name     ${c.name}`,
    ...c.description.map((d) => `  ${d.label}: ${d.value}`),
    `created  by ${c.createdBy.name} at ${when(c.createdAt)}`,
  ];
  if (c.dryRun)
    lines.push(
      `dry run  ${c.dryRun.records} records, ${c.dryRun.drivers} drivers, total ${c.dryRun.total.text}  (fingerprint ${c.dryRun.fingerprint.slice(0, 16)}…, ${when(c.dryRun.at)})`,
    );
  if (c.approvedBy) lines.push(`approved by ${c.approvedBy.name} at ${when(c.approvedAt ?? 0)}, batch stamp ${c.batchStamp}`);
  if (c.summary) {
    const s = c.summary;
    lines.push(
      `result   credited ${s.credited}, already credited ${s.already}, failed ${s.failed}, pending ${s.pending} of ${s.drivers}; credited ${s.creditedTotal.text} of ${s.approvedTotal.text}`,
    );
    for (const f of s.failures) lines.push(`  failed ${f.driverId} ${f.amount.text}: ${f.error}`);
  }
  if (c.cancelledAt) lines.push(`cancelled at ${when(c.cancelledAt)}: ${c.cancelNote ?? ''}`);
  return lines.join('\n');
}

function describeReport(r: DryRun['report']): string {
  return [
    `dry run: ${r.records} records, ${r.drivers} drivers, total ${r.total.text}`,
    `fingerprint ${r.fingerprint}`,
    'by failures per driver:',
    ...r.distribution.map(
      (d) => `  ${d.bucket.padEnd(5)} ${String(d.drivers).padStart(7)} drivers ${String(d.records).padStart(8)} records ${d.amount.text.padStart(14)}`,
    ),
    'most failures:',
    ...r.top.map((t) => `  ${t.driverId}  ${t.name}  ${maskPhone(t.phone)}  ${t.failures}×  ${t.amount.text}  (balance ${t.balance.text})`),
  ].join('\n');
}

export const campaignCommands: Command[] = [
  {
    name: 'campaign create',
    summary: 'Draft a compensation campaign from a spec file (criteria, rule, target, memo; docs/compensation.md).',
    usage: 'depotdesk campaign create --spec FILE.json --as OPERATOR [--json]',
    options: { spec: { type: 'string' } },
    async run(cx) {
      const spec = readSpec(requireOption(cx, 'spec', 'the campaign spec, a JSON file'));
      const c = await cx.call<Campaign>('compensation.create', { spec });
      cx.print(c, () => `${describe(c, zoneOf(cx))}\nnext: depotdesk campaign dry-run ${c.id}`);
    },
  },
  {
    name: 'campaign dry-run',
    summary: 'Run a draft campaign without crediting anyone: matching records, drivers, distribution, total; optionally to Excel.',
    usage: 'depotdesk campaign dry-run ID [--export FILE.xlsx] [--top N] --as OPERATOR [--json]',
    allowPositionals: true,
    options: { export: { type: 'string' }, top: { type: 'string' } },
    async run(cx) {
      const campaignId = requireId(cx, 'campaign dry-run', 'campaign id');
      const file = optionalOption(cx, 'export');
      if (file !== undefined && !file.toLowerCase().endsWith('.xlsx'))
        throw new UsageError(`--export: an Excel file ends in .xlsx (got "${file}")`, { field: '--export' });
      const topText = optionalOption(cx, 'top') ?? '10';
      if (!/^\d{1,3}$/.test(topText) || Number(topText) > 100) throw new UsageError(`--top: a number from 0 to 100 (got "${topText}")`, { field: '--top' });
      const r = await cx.call<DryRun>('compensation.dryRun', { campaignId, top: Number(topText), limit: 0 });
      const exported = file ? await exportTo(cx, campaignId, file, 'dry_run') : null;
      cx.print(
        { ...r, exported },
        () =>
          `${describeReport(r.report)}${exported ? `\nexported ${exported.rows} rows to ${exported.file}` : ''}\nnext: another supervisor runs depotdesk campaign approve ${campaignId}`,
      );
    },
  },
  {
    name: 'campaign approve',
    summary: 'Approve the latest dry run of a campaign you did not create (supervisor); refused if the data changed since.',
    usage: 'depotdesk campaign approve ID [--expect-drivers N] [--expect-total 5950.00|POINTS] --as SUPERVISOR [--json]',
    allowPositionals: true,
    options: { 'expect-drivers': { type: 'string' }, 'expect-total': { type: 'string' } },
    async run(cx) {
      const campaignId = requireId(cx, 'campaign approve', 'campaign id');
      const c = await cx.call<Campaign>('compensation.get', { campaignId });
      if (!c.dryRun) throw new DepotError('refused', `campaign ${campaignId} has no dry run yet: run depotdesk campaign dry-run ${campaignId} first`, { field: 'ID' });
      const expectDrivers = optionalOption(cx, 'expect-drivers');
      if (expectDrivers !== undefined) {
        if (!/^\d+$/.test(expectDrivers)) throw new UsageError(`--expect-drivers: a whole number (got "${expectDrivers}")`, { field: '--expect-drivers' });
        if (Number(expectDrivers) !== c.dryRun.drivers)
          throw new DepotError('refused', `--expect-drivers: the dry run has ${c.dryRun.drivers} drivers, not ${expectDrivers}`, { field: '--expect-drivers' });
      }
      const expectTotal = optionalOption(cx, 'expect-total');
      if (expectTotal !== undefined) {
        const value = c.target === 'points' ? (/^\d+$/.test(expectTotal) ? Number(expectTotal) : NaN) : parseYuan(expectTotal, '--expect-total');
        if (Number.isNaN(value)) throw new UsageError(`--expect-total: whole points (got "${expectTotal}")`, { field: '--expect-total' });
        if (value !== c.dryRun.total.value)
          throw new DepotError('refused', `--expect-total: the dry run's total is ${c.dryRun.total.text}, not ${expectTotal}`, { field: '--expect-total' });
      }
      cx.progress(`approving: ${c.dryRun.drivers} drivers, ${c.dryRun.records} records, total ${c.dryRun.total.text}, fingerprint ${c.dryRun.fingerprint.slice(0, 16)}…`);
      const approved = await cx.call<Campaign>('compensation.approve', {
        campaignId,
        fingerprint: c.dryRun.fingerprint,
        drivers: c.dryRun.drivers,
        total: c.dryRun.total.value,
        criteriaChecked: true,
      });
      cx.print(approved, () => `${describe(approved, zoneOf(cx))}\nnext: depotdesk campaign execute ${campaignId}`);
    },
  },
  {
    name: 'campaign execute',
    summary: 'Credit an approved campaign in chunks with progress lines; resumes one that was interrupted; never credits a driver twice.',
    usage: 'depotdesk campaign execute ID [--retry-failed] --as SUPERVISOR [--json]',
    allowPositionals: true,
    options: { 'retry-failed': { type: 'boolean' } },
    async run(cx) {
      const campaignId = requireId(cx, 'campaign execute', 'campaign id');
      const app = cx.openApp();
      let last = -1;
      const stop = app.events.subscribe((e) => {
        if (e.type !== 'compensation.progress' || e.payload.campaignId !== campaignId || e.payload.done === last) return;
        last = e.payload.done;
        const pct = e.payload.drivers === 0 ? 100 : Math.floor((100 * e.payload.done) / e.payload.drivers);
        cx.progress(`${String(pct).padStart(3)} %  ${e.payload.done} / ${e.payload.drivers} drivers`);
      });
      try {
        const c = await cx.call<Campaign>('compensation.execute', { campaignId, wait: true, retryFailed: cx.args['retry-failed'] === true });
        cx.print(c, () => describe(c, zoneOf(cx)));
        return c.summary && c.summary.failed > 0 ? 1 : 0;
      } finally {
        stop();
      }
    },
  },
  {
    name: 'campaign show',
    summary: 'A campaign: spec in words, latest dry run, approval, execution result.',
    usage: 'depotdesk campaign show ID --as OPERATOR [--json]',
    allowPositionals: true,
    async run(cx) {
      const c = await cx.call<Campaign>('compensation.get', { campaignId: requireId(cx, 'campaign show', 'campaign id') });
      cx.print(c, () => describe(c, zoneOf(cx)));
    },
  },
  {
    name: 'campaign list',
    summary: 'Campaigns, newest first.',
    usage: 'depotdesk campaign list [--state draft|approved|executing|completed|cancelled] --as OPERATOR [--json]',
    options: { state: { type: 'string' } },
    async run(cx) {
      const state = optionalOption(cx, 'state');
      const states = ['draft', 'approved', 'executing', 'completed', 'cancelled'];
      if (state !== undefined && !states.includes(state)) throw new UsageError(`--state must be one of ${states.join(', ')}, got "${state}"`, { field: '--state' });
      const { total, campaigns: list } = await cx.call<{ total: number; campaigns: Campaign[] }>('compensation.list', { state, limit: 500 });
      cx.print(list, () =>
        [
          `${total} campaign(s)${total > list.length ? `, the newest ${list.length} shown` : ''}`,
          ...list.map(
            (c) =>
              `${c.id}  ${c.state.padEnd(9)} ${c.target.padEnd(6)} ${(c.dryRun ? `${c.dryRun.drivers} drivers ${c.dryRun.total.text}` : 'no dry run').padEnd(28)} ${c.name}`,
          ),
        ].join('\n'),
      );
    },
  },
  {
    name: 'campaign cancel',
    summary: 'Cancel a draft or approved campaign before it credits anyone (supervisor).',
    usage: 'depotdesk campaign cancel ID --note "…" --as SUPERVISOR [--json]',
    allowPositionals: true,
    options: { note: { type: 'string' } },
    async run(cx) {
      const campaignId = requireId(cx, 'campaign cancel', 'campaign id');
      const c = await cx.call<Campaign>('compensation.cancel', { campaignId, note: requireOption(cx, 'note', 'why it is cancelled') });
      cx.print(c, () => describe(c, zoneOf(cx)));
    },
  },
  {
    name: 'campaign export',
    summary: "Write a campaign's Excel workbook: its dry run before approval, its results after (finance or supervisor).",
    usage: 'depotdesk campaign export ID --file FILE.xlsx [--kind dry_run|results] --as FINANCE [--json]',
    allowPositionals: true,
    options: { file: { type: 'string' }, kind: { type: 'string' } },
    async run(cx) {
      const campaignId = requireId(cx, 'campaign export', 'campaign id');
      const file = requireOption(cx, 'file', 'where to write the .xlsx');
      const kind = optionalOption(cx, 'kind');
      if (kind !== undefined && kind !== 'dry_run' && kind !== 'results') throw new UsageError(`--kind must be dry_run or results, got "${kind}"`, { field: '--kind' });
      if (!file.toLowerCase().endsWith('.xlsx')) throw new UsageError(`--file: an Excel file ends in .xlsx (got "${file}")`, { field: '--file' });
      const r = await exportTo(cx, campaignId, file, kind as 'dry_run' | 'results' | undefined);
      cx.print(r, () => `exported ${r.rows} rows (${r.kind}) to ${r.file}`);
    },
  },
];
