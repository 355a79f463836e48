import { describe, expect, test } from 'vitest';
import { makeApp } from '../helpers';
import { nextState, transition, TRANSITIONS, FINAL_SESSION_STATES } from '../../src-main/sessions';
import { SESSION_STATES } from '../../src-main/sessions/schema';

describe('the session state machine', () => {
  test('final states have no way out except a late start reopening FAILED or CANCELLED', () => {
    for (const t of TRANSITIONS.filter((x) => FINAL_SESSION_STATES.includes(x.from))) expect(t.event).toBe('late_start');
    expect(nextState('PAID', 'settled_paid')).toBeNull();
    expect(nextState('UNPAID', 'stop_transaction')).toBeNull();
  });

  test('every state can be reached and the table has one row per (from, event)', () => {
    const reached = new Set(['PLACED', 'CHARGING', ...TRANSITIONS.map((t) => t.to)]);
    expect([...reached].sort()).toEqual([...SESSION_STATES].sort());
    const keys = TRANSITIONS.map((t) => `${t.from}|${t.event}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test('an illegal transition is an error and changes nothing; a stale guard fails loudly', () => {
    const SETTLED = { amountFen: 0, energyWh: 0, electricityFen: 0, serviceFen: 0, holdFen: 0, releasedFen: 0, walletFen: 0, debtFen: 0 };
    const { app } = makeApp();
    const now = app.clock.now();
    app.sqlite
      .prepare(
        "INSERT INTO charging_sessions (id, state, origin, charger_id, connector_id, id_tag, created_at, updated_at) VALUES ('S1', 'CHARGING', 'charger', 'CP', 1, 'T', ?, ?)",
      )
      .run(now, now);
    expect(() => transition(app, { sessionId: 'S1', from: 'CHARGING', event: 'settled_paid', params: SETTLED })).toThrow(
      expect.objectContaining({ code: 'illegal_transition' }),
    );
    // The caller believed the session was STOPPING: the guarded UPDATE matches no row.
    expect(() =>
      transition(app, { sessionId: 'S1', from: 'STOPPING', event: 'stop_transaction', params: { meterStopWh: 10, energyWh: 10, stopReason: 'Local' } }),
    ).toThrow(expect.objectContaining({ code: 'guard_failed' }));
    expect(app.sqlite.prepare("SELECT state FROM charging_sessions WHERE id = 'S1'").get()).toEqual({ state: 'CHARGING' });
    expect(app.sqlite.prepare('SELECT count(*) AS n FROM session_events').get()).toEqual({ n: 0 });
  });
});
