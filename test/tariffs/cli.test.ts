import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GUANGDONG_PLAN, parseTariffJson, toTariffFile, type ImportResult, type PlanSummary, type QuoteJson } from '../../src-main/tariffs';
import { cli, REPO_ROOT, tempDir } from '../helpers';

const PW = { DEPOTDESK_PASSWORD: 'admin-password' };
const EXAMPLE_PLAN = path.join(REPO_ROOT, 'docs/examples/tariff-guangdong.json');
const EXAMPLE_SAMPLES = path.join(REPO_ROOT, 'docs/examples/samples-guangdong-july.csv');

function write(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

// Each case spawns the real CLI (seconds per process on a busy 2-core machine; a bound, not a timing).
describe('depotdesk tariff', { timeout: 180_000 }, () => {
  it('quote prices the example July session from files, with decimal strings in the JSON', () => {
    const r = cli(['tariff', 'quote', '--tariff', EXAMPLE_PLAN, '--samples', EXAMPLE_SAMPLES, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const q = r.json<QuoteJson>();
    expect(q.periods.sharp).toEqual({ kwh: '48.097500', wh: '48097.500', electricity: '62.5811', service: '38.4780' });
    expect(q.periods.peak.kwh).toBe('14.737500');
    expect(q.periods.flat.kwh).toBe('3.980000');
    expect(q.totals).toEqual({ kwh: '66.815000', wh: '66815.000', electricity: '80.4103', service: '53.4520', amount: '133.8623', fen: 13386, yuan: '133.86' });
    const human = cli(['tariff', 'quote', '--tariff', EXAMPLE_PLAN, '--samples', EXAMPLE_SAMPLES]);
    expect(human.stdout).toMatch(/尖 sharp\s+48\.097500\s+62\.5811\s+38\.4780/);
    expect(human.stdout).toMatch(/charge 133\.86 yuan/);
  });

  it('quote names the line of a bad sample and exits 2', () => {
    const dir = tempDir();
    const bad = write(dir, 's.csv', 'timestamp,energy_kwh\n2024-07-15T10:00:00+08:00,1.000\n2024-07-15 10:30,2.000\n');
    const r = cli(['tariff', 'quote', '--tariff', EXAMPLE_PLAN, '--samples', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/s\.csv line 3: timestamp must be ISO 8601 with a UTC offset/);
    const back = write(dir, 'b.csv', '2024-07-15T10:00:00+08:00,5.000\n2024-07-15T10:30:00+08:00,4.999\n');
    const r2 = cli(['tariff', 'quote', '--tariff', EXAMPLE_PLAN, '--samples', back, '--json']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/b\.csv line 2: the meter goes backwards/);
    expect(r2.json<{ ok: boolean; error: { details: { field: string } } }>().error.details.field).toBe('line 2');
  });

  it('quote names the field of a bad tariff file', () => {
    const dir = tempDir();
    const plan = write(dir, 'p.json', JSON.stringify({ ...GUANGDONG_PLAN, slots: GUANGDONG_PLAN.slots.slice(0, 47) }));
    const r = cli(['tariff', 'quote', '--tariff', plan, '--samples', EXAMPLE_SAMPLES]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/p\.json is invalid, nothing imported: slots: must have 48 entries .*got 47/);
    expect(cli(['tariff', 'quote', '--samples', EXAMPLE_SAMPLES]).stderr).toMatch(/--tariff/);
  });

  it('import with --station, then export, gives back the file; a bad file exits non-zero and imports nothing', () => {
    const dir = tempDir();
    expect(cli(['init', '--admin', 'boss', '--data-dir', dir], PW).code).toBe(0);

    const badFile = write(
      dir,
      'bad.json',
      JSON.stringify({ ...GUANGDONG_PLAN, prices: { ...GUANGDONG_PLAN.prices, peak: { electricity: '1.040901', service: '0.8' } } }),
    );
    const bad = cli(['tariff', 'import', badFile, '--station', 'depot-1', '--data-dir', dir, '--as', 'boss', '--json'], PW);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/prices\.peak\.electricity: has more than 5 decimals/);
    expect(bad.json<{ ok: false; error: { details: { field: string } } }>().error.details.field).toBe('prices.peak.electricity');
    const none = cli(['tariff', 'list', '--data-dir', dir, '--as', 'boss', '--json'], PW);
    expect(none.json<PlanSummary[]>()).toEqual([]);

    const imp = cli(['tariff', 'import', EXAMPLE_PLAN, '--station', 'depot-1', '--data-dir', dir, '--as', 'boss', '--json'], PW);
    expect(imp.code, imp.stderr).toBe(0);
    const result = imp.json<ImportResult>();
    expect(result).toMatchObject({ name: GUANGDONG_PLAN.name, newPlan: true, assignment: { stationId: 'depot-1' } });

    const out = path.join(dir, 'exported.json');
    const exp = cli(['tariff', 'export', result.planId, '--out', out, '--data-dir', dir, '--as', 'boss'], PW);
    expect(exp.code, exp.stderr).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe(fs.readFileSync(EXAMPLE_PLAN, 'utf8'));
    expect(toTariffFile(parseTariffJson(fs.readFileSync(out, 'utf8')))).toEqual(GUANGDONG_PLAN);

    const list = cli(['tariff', 'list', '--data-dir', dir, '--as', 'boss', '--json'], PW).json<PlanSummary[]>();
    expect(list).toMatchObject([{ id: result.planId, currentVersionId: result.versionId, stations: [{ stationId: 'depot-1' }] }]);
  });

  it('import without --as is a usage error naming --as', () => {
    const dir = tempDir();
    expect(cli(['init', '--admin', 'boss', '--data-dir', dir], PW).code).toBe(0);
    const r = cli(['tariff', 'import', EXAMPLE_PLAN, '--data-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--as NAME/);
  });
});
