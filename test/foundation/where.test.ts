import { describe, expect, it } from 'vitest';
import { whereOf } from '../../src-main/kernel/db/where';
import { makeApp } from '../helpers';

describe('the WHERE clause of a filtered list', () => {
  it('keeps the conditions whose value is given, ANDed, and binds each value by name', () => {
    expect(
      whereOf([
        ['state = @state', 'state', 'PAID'],
        ['driver_id = @driverId', 'driverId', undefined],
        ['created_at >= @from', 'from', 0],
      ]),
    ).toEqual({
      clause: 'WHERE state = @state AND created_at >= @from',
      params: { state: 'PAID', from: 0 },
    });
  });

  it('an empty string or null is no filter; no filter is no clause', () => {
    expect(
      whereOf([
        ['kind = @kind', 'kind', ''],
        ['queue = @queue', 'queue', null],
      ]),
    ).toEqual({ clause: '', params: {} });
    expect(whereOf([])).toEqual({ clause: '', params: {} });
  });

  it('the clause and its parameters run as one statement on SQLite', () => {
    const { app } = makeApp();
    app.sqlite.exec("CREATE TABLE t (k TEXT, n INTEGER); INSERT INTO t VALUES ('a', 1), ('a', 2), ('b', 3)");
    const { clause, params } = whereOf([
      ['k = @k', 'k', 'a'],
      ['n >= @min', 'min', 2],
    ]);
    expect(app.sqlite.prepare(`SELECT n FROM t ${clause} ORDER BY n`).all(params)).toEqual([{ n: 2 }]);
  });
});
