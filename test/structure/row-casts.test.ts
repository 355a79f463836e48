import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Query results are typed where the query is written (prepare<unknown[], Row>(sql),
 * cachedStatement<Row>(sqlite, sql)) or read through kernel/db/rows.ts (getRow, allRows,
 * iterateRows, expectRow, countRows), never cast at the call site: `st.get(id) as Row` hides a row
 * that may be missing, and a cast repeated at every call drifts from its SQL one call at a time.
 */
const SRC = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../src-main');
const ALLOWED = new Set(['kernel/db/rows.ts']);

/** `x.get(…) as T`, `x.all(…) as T[]`, `x.iterate(…) as Iterable<T>`, in parentheses or not. */
function castsOnRows(rel: string, text: string): string[] {
  const source = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isAsExpression(node)) {
      let e: ts.Expression = node.expression;
      while (ts.isParenthesizedExpression(e)) e = e.expression;
      if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && ['get', 'all', 'iterate'].includes(e.expression.name.text)) {
        out.push(`${rel}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}: ${node.getText(source).replace(/\s+/g, ' ').slice(0, 120)}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

describe('query results are typed, not cast', () => {
  it('the check sees a cast in every form it takes', () => {
    const text = [
      'const a = st.get(id) as Row | undefined;',
      'const b = app.sqlite.prepare(sql).all() as Row[];',
      'const n = (st.get() as { n: number }).n;',
      'const c = st.raw().iterate() as Iterable<[string]>;',
      'const ok = app.sqlite.prepare<unknown[], Row>(sql).get(id);',
      'const fine = JSON.parse(text) as Row;',
    ].join('\n');
    expect(castsOnRows('x.ts', text).map((s) => s.split(':')[1])).toEqual(['1', '2', '3', '4']);
  });

  it('no file outside kernel/db/rows.ts casts a query result', () => {
    const files = fs
      .readdirSync(SRC, { recursive: true, encoding: 'utf8' })
      .map((f) => f.split(path.sep).join('/'))
      .filter((f) => f.endsWith('.ts') && !ALLOWED.has(f));
    expect(files.length).toBeGreaterThan(50);
    const casts = files.flatMap((f) => castsOnRows(f, fs.readFileSync(path.join(SRC, f), 'utf8')));
    expect(casts, casts.join('\n')).toEqual([]);
  });
});
