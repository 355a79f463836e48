import fs from 'node:fs';
import ExcelJS from 'exceljs';
import { describe, expect, test } from 'vitest';
import { startBrowserMode } from '../../src-main/boot/serve';
import { readInstanceToken } from '../../src-main/kernel/token';
import { createFirstAdmin, createOperator } from '../../src-main/operators';
import { depotAccounts, trialBalance, verifyLedger } from '../../src-main/ledger';
import { approveAdjustment, createAdjustment } from '../../src-main/refunds';
import { allocateFen, liabilitiesReport, requestExport, revenueReport, runExport } from '../../src-main/reports';
import type { SessionView } from '../../src-main/sessions';
import { PERIODS } from '../../src-main/tariffs';
import { addOperator, ok, tempDir } from '../helpers';
import { at, startSessionDepot, type SessionDepot } from '../sessions/helpers';

const DAY = 86_400_000;

describe('the allocation of a session over the time-of-use periods', () => {
  test('parts are whole fen that add up exactly to what was charged, the leftover fen to the largest remainders (ties to the earlier period)', () => {
    expect(allocateFen(100, { sharp: '0.3333', peak: '0.3333', flat: '0.3334', valley: '0' })).toEqual({ sharp: 33, peak: 33, flat: 34, valley: 0 });
    expect(allocateFen(101, { sharp: '0.3350', peak: '0.3350', flat: '0.3400', valley: '0' })).toEqual({ sharp: 34, peak: 33, flat: 34, valley: 0 });
    // Seeded pseudo-random cases: every split sums to the total and no part is negative.
    let seed = 42;
    const rnd = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 2000; i += 1) {
      const shares = Object.fromEntries(PERIODS.map((p) => [p, (rnd() < 0.3 ? 0 : rnd() * 50).toFixed(4)])) as Record<(typeof PERIODS)[number], string>;
      const exact = PERIODS.reduce((s, p) => s + Number(shares[p]) * 100, 0);
      const total = Math.round(exact);
      const parts = allocateFen(total, shares);
      expect(PERIODS.reduce((s, p) => s + parts[p], 0)).toBe(total);
      for (const p of PERIODS) {
        expect(parts[p]).toBeGreaterThanOrEqual(0);
        expect(Math.abs(parts[p] - Number(shares[p]) * 100)).toBeLessThan(1);
      }
    }
  });
});

/** Three fake-clock days of a depot: sessions through the simulated chargers, top-ups, a debt and an approved refund. */
async function threeDays(): Promise<{ depot: SessionDepot; sessions: string[] }> {
  const depot = await startSessionDepot();
  const { app } = depot;
  const cp = await depot.charger('CP-1');
  const other = await addOperator(app, 'supervisor', 'sup-2');
  const sessions: string[] = [];
  for (let d = 0; d < 3; d += 1) {
    const day = new Date(Date.parse('2026-01-16T00:00:00Z') + d * DAY).toISOString().slice(0, 10);
    depot.clock.set(at('07:50', day));
    const rich = depot.driver({ topUpYuan: 300 });
    const poor = depot.driver({ topUpYuan: 10 });
    for (const [driver, startAt, stopAt, wh] of [
      [rich, '07:55', '09:30', 25_000],
      [poor, '11:00', '12:00', 18_000],
      [rich, '17:40', '19:10', 31_000],
    ] as const) {
      depot.clock.set(at(startAt, day));
      const s = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '5.00' });
      const tx = await cp.startTransaction(1, s.idTag, 0, at(startAt, day));
      await cp.meterValues(1, tx, wh / 2, at(startAt, day) + 30 * 60_000);
      depot.clock.set(at(stopAt, day));
      await cp.stopTransaction(tx, wh, at(stopAt, day));
      await depot.settle();
      sessions.push(s.id);
    }
    const a = createAdjustment(app, { sessionId: sessions[sessions.length - 1], amountFen: 300, reason: '充电中断补偿' }, { operatorId: depot.operator.id });
    approveAdjustment(app, a.id, { note: 'ok' }, { operatorId: other.id });
  }
  return { depot, sessions };
}

describe('the reports tie to the ledger', () => {
  test('on three simulated days: the trial balance balances and closes at the posted balances, revenue equals the revenue accounts, every session splits exactly, wallets roll forward', async () => {
    const { depot, sessions } = await threeDays();
    const { app } = depot;
    const from = Date.parse('2026-01-15T16:00:00Z');
    const to = from + 3 * DAY;
    depot.clock.set(to + 60_000);
    expect(verifyLedger(app).violations).toEqual([]);

    const tb = trialBalance(app, from, to);
    const cny = tb.filter((l) => l.unit === 'CNY');
    expect(cny.reduce((s, l) => s + l.debits, 0)).toBe(cny.reduce((s, l) => s + l.credits, 0));
    expect(cny.reduce((s, l) => s + l.closing, 0)).toBe(0);
    for (const a of depotAccounts(app).filter((x) => x.unit === 'CNY')) {
      const line = tb.find((l) => l.account === a.id);
      expect(line?.closing ?? 0, a.id).toBe(a.creditsPosted - a.debitsPosted);
    }

    const rev = revenueReport(app, { from, to });
    expect(rev.totals.sessions).toBe(sessions.length);
    expect(rev.totals.totalFen).toBe(rev.totals.electricityFen + rev.totals.serviceFen);
    expect(rev.lines.reduce((s, l) => s + l.totalFen, 0)).toBe(rev.totals.totalFen);
    expect(rev.lines.reduce((s, l) => s + l.energyWh, 0)).toBe(rev.totals.energyWh);
    // The refunds approved each day gave revenue back: the accounts show charged − refunded.
    const refunded = tb.filter((l) => l.account.endsWith('_revenue')).reduce((s, l) => s + l.debits, 0);
    expect(refunded).toBe(3 * 300);
    const e = tb.find((l) => l.account === 'depot:electricity_revenue')!;
    const v = tb.find((l) => l.account === 'depot:service_revenue')!;
    expect(e.credits).toBe(rev.totals.electricityFen);
    expect(v.credits).toBe(rev.totals.serviceFen);
    expect(rev.byPeriod.valley.sessions + rev.byPeriod.peak.sessions + rev.byPeriod.flat.sessions + rev.byPeriod.sharp.sessions).toBeGreaterThan(sessions.length);

    const l = liabilitiesReport(app, { from, to });
    const moved = l.wallets.movements.reduce((s, m) => s + m.credits - m.debits, 0);
    expect(l.wallets.openingFen + moved).toBe(l.wallets.closingFen);
    expect(l.wallets.closingFen).toBe(tb.find((x) => x.account === 'drivers:wallet')!.closing);
    expect(l.debts.closingFen).toBe(l.debts.ageing.reduce((s, a) => s + a.owedFen, 0));
    expect(l.debts.open).toBeGreaterThan(0);
  });
});

describe('the Excel workbooks', () => {
  test('a revenue export is written by the job with number formats, real dates, a frozen bold header, a filter and SUM totals, and downloaded over HTTP by who asked', async () => {
    const { depot } = await threeDays();
    const { app } = depot;
    const fin = await addOperator(app, 'finance', 'fin-x');
    const e = requestExport(app, { kind: 'revenue', from: '2026-01-16', to: '2026-01-18' }, { operatorId: fin.id });
    expect(e).toMatchObject({ state: 'queued', fileName: '营收报表-2026-01-16至2026-01-18.xlsx' });
    const done = await runExport(app, e.id);
    expect(done).toMatchObject({ state: 'done', path: `exports/${e.id}.xlsx` });
    const file = `${app.paths.dataDir}/${done.path}`;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['说明', '营收报表']);
    const ws = wb.getWorksheet('营收报表')!;
    expect(ws.getRow(1).values).toEqual([undefined, '站点', '充电桩', '时段', '会话数', '电量 (kWh)', '电费', '服务费', '合计']);
    expect(ws.getRow(1).font?.bold).toBe(true);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(ws.autoFilter).toBeTruthy();
    const last = ws.rowCount;
    const totals = ws.getRow(last);
    expect(totals.getCell(1).value).toBe('合计');
    expect(totals.getCell(8).value).toMatchObject({ formula: `SUM(H2:H${last - 1})` });
    expect(ws.getRow(2).getCell(6).numFmt).toBe('#,##0.00');
    expect(typeof ws.getRow(2).getCell(6).value).toBe('number');
    const rev = revenueReport(app, { from: Date.parse('2026-01-15T16:00:00Z'), to: Date.parse('2026-01-18T16:00:00Z') });
    expect((totals.getCell(8).value as { result: number }).result).toBeCloseTo(rev.totals.totalFen / 100, 2);

    const adj = await runExport(app, requestExport(app, { kind: 'adjustments', from: '2026-01-16', to: '2026-01-18', locale: 'en-US' }, { operatorId: fin.id }).id);
    const wb2 = new ExcelJS.Workbook();
    await wb2.xlsx.readFile(`${app.paths.dataDir}/${adj.path}`);
    const sheet = wb2.getWorksheet('Adjustments')!;
    expect(sheet.getRow(2).getCell(7).value).toBeInstanceOf(Date);
    expect(sheet.getRow(2).getCell(6).value).toBe(depot.operator.displayName || depot.operator.name);
    expect(fs.readdirSync(`${app.paths.dataDir}/exports`).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  test('GET /download/reports/<id> serves a finished export to who asked for it, 404 to anyone else, 401 without a login', async () => {
    const dir = tempDir();
    const mode = await startBrowserMode({ dataDir: dir, overrides: ['http.port=0', 'logLevel="silent"'], staticDir: null });
    try {
      const token = readInstanceToken(mode.app.paths.tokenFile);
      await createFirstAdmin(mode.app, { name: 'root', password: 'root-password' });
      await createOperator(mode.app, { name: 'cai', role: 'finance', password: 'cai-password' });
      await createOperator(mode.app, { name: 'qian', role: 'finance', password: 'qian-password' });
      const login = async (name: string) => {
        const res = await fetch(new URL('/rpc', mode.http.url), {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
          body: JSON.stringify({ method: 'auth.login', params: { name, password: `${name}-password` } }),
        });
        return ((await res.json()) as { data: { token: string } }).data.token;
      };
      const cai = await login('cai');
      const rpc = async (session: string, method: string, params: unknown) => {
        const res = await fetch(new URL('/rpc', mode.http.url), {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'x-depot-session': session },
          body: JSON.stringify({ method, params }),
        });
        return (await res.json()) as { ok: boolean; data: { id: string; downloadUrl: string | null; state: string } };
      };
      const asked = await rpc(cai, 'reports.export', { kind: 'trial_balance', from: '2026-01-15' });
      expect(asked.ok).toBe(true);
      // The running server's scheduler writes it; wait for it as long as a busy machine needs.
      let status = await rpc(cai, 'reports.exportStatus', { exportId: asked.data.id });
      for (const started = Date.now(); status.data.state !== 'done'; status = await rpc(cai, 'reports.exportStatus', { exportId: asked.data.id })) {
        expect(status.data.state).not.toBe('failed');
        if (Date.now() - started > 60_000) throw new Error(`timed out after 60 s waiting for the export job (state ${status.data.state})`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(status.data).toMatchObject({ state: 'done', downloadUrl: `/download/reports/${asked.data.id}` });
      const get = (session?: string) =>
        fetch(new URL(status.data.downloadUrl!, mode.http.url), { headers: { authorization: `Bearer ${token}`, ...(session ? { 'x-depot-session': session } : {}) } });
      const mine = await get(cai);
      expect(mine.status, await mine.clone().text()).toBe(200);
      expect(mine.headers.get('content-disposition')).toContain(encodeURIComponent('试算平衡表-2026-01-15.xlsx'));
      const bytes = Buffer.from(await mine.arrayBuffer());
      expect(bytes.subarray(0, 2).toString()).toBe('PK');
      expect((await get(await login('qian'))).status).toBe(404);
      expect((await get()).status).toBe(401);
      expect((await fetch(new URL(status.data.downloadUrl!, mode.http.url))).status).toBe(401);
    } finally {
      await mode.stop();
    }
  });
});
