import fs from 'node:fs';
import path from 'node:path';
import { DepotError } from '../../kernel/errors';
import {
  formatTariffFile,
  parseSamplesCsv,
  parseTariffJson,
  PERIODS,
  quoteSession,
  quoteToJson,
  type ImportResult,
  type PlanSummary,
  type QuoteJson,
  type StationAssignment,
  type TariffFile,
} from '../../tariffs';
import { depotClock } from '../depot-time';
import { UsageError, type Command } from '../framework';

function readText(file: string, field: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${field}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { field });
  }
}

const PERIOD_LABEL = { sharp: '尖 sharp ', peak: '峰 peak  ', flat: '平 flat  ', valley: '谷 valley' } as const;

export function quoteTable(q: QuoteJson): string {
  const row = (label: string, kwh: string, e: string, s: string) => `${label.padEnd(10)} ${kwh.padStart(14)} ${e.padStart(14)} ${s.padStart(14)}`;
  return [
    row('period', 'kWh', 'electricity', 'service'),
    ...PERIODS.map((p) => row(PERIOD_LABEL[p], q.periods[p].kwh, q.periods[p].electricity, q.periods[p].service)),
    row('total', q.totals.kwh, q.totals.electricity, q.totals.service),
    `charge ${q.totals.yuan} yuan (${q.totals.amount} before rounding once, half-up, to the fen)`,
  ].join('\n');
}

export const tariffCommands: Command[] = [
  {
    name: 'tariff import',
    summary: 'Import a tariff plan file (a new plan, or a new version of the plan with that name); --station assigns it from now.',
    usage: 'depotdesk tariff import FILE [--station S] --as NAME [--json]',
    allowPositionals: true,
    options: { station: { type: 'string' } },
    async run(cx) {
      const [file, extra] = cx.positionals;
      if (!file || extra !== undefined) throw new UsageError('tariff import needs exactly one FILE', { field: 'FILE' });
      // Checked here first so a bad file is named with its path, before any database is opened.
      parseTariffJson(readText(file, 'FILE'), file);
      const json = JSON.parse(readText(file, 'FILE')) as unknown;
      const result = await cx.call<ImportResult>('tariffs.import', { file: json, stationId: cx.args.station as string | undefined });
      cx.print(result, () => {
        const what = result.unchanged
          ? `plan "${result.name}" already has this version from ${result.effectiveFrom}; nothing changed`
          : `${result.newPlan ? 'new plan' : 'new version of plan'} "${result.name}" from ${result.effectiveFrom} (plan ${result.planId}, version ${result.versionId})`;
        const station = result.assignment ? `\nstation ${result.assignment.stationId} uses it from ${depotClock(cx).at(result.assignment.effectiveFromAt)}` : '';
        return what + station;
      });
    },
  },
  {
    name: 'tariff export',
    summary: 'Write a plan (by plan id: the version in force now) or a version (by version id) as a tariff file.',
    usage: 'depotdesk tariff export ID [--out FILE] --as NAME',
    allowPositionals: true,
    options: { out: { type: 'string' } },
    async run(cx) {
      const [id, extra] = cx.positionals;
      if (!id || extra !== undefined) throw new UsageError('tariff export needs exactly one ID (a plan id or a version id)', { field: 'ID' });
      const result = await cx.call<{ planId: string; versionId: string; file: TariffFile }>('tariffs.export', { id });
      const text = formatTariffFile(result.file);
      const out = cx.args.out as string | undefined;
      if (!out) {
        process.stdout.write(text);
        return;
      }
      const target = path.resolve(out);
      // Written beside the target and renamed, so a half-written plan never sits under that name.
      fs.writeFileSync(`${target}.tmp`, text);
      fs.renameSync(`${target}.tmp`, target);
      cx.print({ ...result, out: target }, `wrote "${result.file.name}" (version from ${result.file.effectiveFrom}) to ${target}`);
    },
  },
  {
    name: 'tariff quote',
    summary: 'Price a session: a tariff file and a samples CSV (timestamp,energy_kwh) in, per-period kWh and amounts out.',
    usage: 'depotdesk tariff quote --tariff FILE --samples FILE.csv [--json]',
    options: { tariff: { type: 'string' }, samples: { type: 'string' } },
    run(cx) {
      const tariffFile = cx.args.tariff as string | undefined;
      const samplesFile = cx.args.samples as string | undefined;
      if (!tariffFile) throw new UsageError('tariff quote needs --tariff FILE (a tariff plan file)', { field: '--tariff' });
      if (!samplesFile) throw new UsageError('tariff quote needs --samples FILE.csv (lines timestamp,energy_kwh)', { field: '--samples' });
      const plan = parseTariffJson(readText(tariffFile, '--tariff'), tariffFile);
      const samples = parseSamplesCsv(readText(samplesFile, '--samples'), samplesFile);
      let quote: QuoteJson;
      try {
        quote = quoteToJson(quoteSession(plan, samples));
      } catch (e) {
        if (e instanceof DepotError) throw new DepotError(e.code, `${samplesFile} ${e.message}`, e.details);
        throw e;
      }
      cx.print(quote, () => quoteTable(quote));
    },
  },
  {
    name: 'tariff list',
    summary: 'Tariff plans, their versions and the stations using them.',
    usage: 'depotdesk tariff list --as NAME [--json]',
    async run(cx) {
      const list = await cx.call<PlanSummary[]>('tariffs.list');
      const iso = depotClock(cx).at;
      cx.print(list, () =>
        list.length === 0
          ? 'no tariff plans; import one with depotdesk tariff import FILE'
          : list
              .map((p) =>
                [
                  `${p.id}  ${p.name}`,
                  ...p.versions.map((v) => `  version ${v.id} from ${v.effectiveFrom} (${v.timeZone})${v.id === p.currentVersionId ? '  ← in force' : ''}`),
                  ...p.stations.map((s) => `  station ${s.stationId} from ${iso(s.from)}`),
                ].join('\n'),
              )
              .join('\n'),
      );
    },
  },
  {
    name: 'tariff assign',
    summary: 'A station uses a plan from now, or from the start of a later date.',
    usage: 'depotdesk tariff assign --station S --plan ID [--from yyyy-MM-dd] --as NAME',
    options: { station: { type: 'string' }, plan: { type: 'string' }, from: { type: 'string' } },
    async run(cx) {
      if (!cx.args.station) throw new UsageError('tariff assign needs --station S', { field: '--station' });
      if (!cx.args.plan) throw new UsageError('tariff assign needs --plan ID', { field: '--plan' });
      const a = await cx.call<StationAssignment>('tariffs.assign', {
        stationId: cx.args.station,
        planId: cx.args.plan,
        effectiveFrom: cx.args.from as string | undefined,
      });
      cx.print(a, `station ${a.stationId} uses plan ${a.planId} from ${depotClock(cx).at(a.effectiveFromAt)}`);
    },
  },
  {
    name: 'tariff override',
    summary: 'Change slots of one future date, e.g. --slots 22=sharp,23=sharp on an announced heat-wave day.',
    usage: 'depotdesk tariff override --plan ID --date yyyy-MM-dd --slots N=period[,N=period…] --as NAME',
    options: { plan: { type: 'string' }, date: { type: 'string' }, slots: { type: 'string' } },
    async run(cx) {
      if (!cx.args.plan) throw new UsageError('tariff override needs --plan ID', { field: '--plan' });
      if (!cx.args.date) throw new UsageError('tariff override needs --date yyyy-MM-dd', { field: '--date' });
      const text = cx.args.slots as string | undefined;
      if (!text) throw new UsageError('tariff override needs --slots N=period[,N=period…]', { field: '--slots' });
      const slots: Record<string, string> = {};
      for (const pair of text.split(',')) {
        const [slot, period, more] = pair.split('=').map((s) => s.trim());
        if (!slot || !period || more !== undefined) throw new UsageError(`--slots: "${pair}" is not N=period`, { field: '--slots' });
        slots[slot] = period;
      }
      const o = await cx.call<{ id: string; date: string }>('tariffs.addDateOverride', { planId: cx.args.plan, date: cx.args.date, slots });
      cx.print(o, `override ${o.id} added for ${o.date}`);
    },
  },
];
