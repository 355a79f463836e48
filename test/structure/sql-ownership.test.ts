import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Each table belongs to the folder whose schema declares it, and only that folder's code names it
 * in SQL. Another folder that needs the data calls a query function the owner exports through its
 * index.ts: when the owner changes a column, the owner's tests break, not a dashboard two domains
 * away. Reading another domain's drizzle table object is the same reach in another syntax.
 *
 * The scanner reads the TypeScript syntax tree, so comments never count, and inside string
 * literals it only looks at a table name right after a SQL keyword that names a table (FROM, JOIN,
 * INTO, UPDATE, TABLE, and the rest of a comma-separated FROM list): "sessions" in an error
 * message is not SQL.
 */
const SRC = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../src-main');

/**
 * Reads that stay a single SQL statement across two owners because splitting them would cost
 * what the query exists to save. Each entry: "file → table", and why. Keep it short.
 */
const DRY_RUN =
  'the campaign dry run and its approval select up to 200,000 failed starts through the sessions’ covering ' +
  'partial index, leave out those a live campaign compensates, count them per driver and add each driver’s ' +
  'name, phone and balance, all in one statement (docs/performance.md: goal ≤ 2 s for 100,000 drivers). ' +
  'Read through sessions and ledger functions instead (measured with `npm run bench -- campaign`), the ' +
  'dry run went from 883 to 1,556 ms mean and the approval from 2.3 to 3.5 s, because 200,000 pairs and ' +
  '100,000 driver lookups cross into JavaScript. It stays with compensation, whose rule it is: in sessions ' +
  'it would have to name compensation’s and the ledger’s tables instead.';
const ALLOWED: Record<string, string> = {
  'compensation/report.ts → charging_sessions': DRY_RUN,
  'compensation/report.ts → drivers': DRY_RUN,
  'compensation/report.ts → ledger_accounts': DRY_RUN,
  'reconciliation/match.ts → payment_orders':
    'the day’s match joins up to a million statement rows to payment_orders read-only in SQLite, counting the matched ones without reading them into JavaScript (docs/performance.md, recon, third round).',
};

interface Owners {
  /** SQL table name → owning folder. */
  tables: Map<string, string>;
  /** Exported drizzle table object name → its SQL table name. */
  objects: Map<string, string>;
}

function isSchemaFile(rel: string): boolean {
  return /(^|\/)([a-z-]+-)?schema\.ts$/.test(rel) && rel.split('/').length === 2;
}

/** Parses every `<folder>/schema.ts` and `<folder>/*-schema.ts` for `sqliteTable('name', …)`. */
function tableOwners(srcDir = SRC): Owners {
  const tables = new Map<string, string>();
  const objects = new Map<string, string>();
  for (const folder of fs.readdirSync(srcDir, { withFileTypes: true })) {
    if (!folder.isDirectory()) continue;
    for (const file of fs.readdirSync(path.join(srcDir, folder.name))) {
      if (!isSchemaFile(`${folder.name}/${file}`)) continue;
      const text = fs.readFileSync(path.join(srcDir, folder.name, file), 'utf8');
      const decl = /export\s+const\s+(\w+)\s*=\s*sqliteTable\(\s*['"`](\w+)['"`]/g;
      for (const m of text.matchAll(decl)) {
        const [, object, table] = m;
        const prior = tables.get(table);
        if (prior && prior !== folder.name) throw new Error(`table ${table} declared by both ${prior} and ${folder.name}`);
        tables.set(table, folder.name);
        objects.set(object, table);
      }
    }
  }
  return { tables, objects };
}

function sourceFiles(srcDir = SRC): string[] {
  return fs
    .readdirSync(srcDir, { recursive: true, encoding: 'utf8' })
    .map((f) => f.split(path.sep).join('/'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && f.includes('/') && !isSchemaFile(f))
    .filter((f) => !f.split('/').includes('migrations'))
    .sort();
}

const TABLE_KEYWORD = /\b(FROM|JOIN|INTO|UPDATE|TABLE)\s+/g;
const IDENT = /^["`[]?(\w+)["`\]]?/;
const NOT_ALIAS = new Set([
  'WHERE',
  'JOIN',
  'LEFT',
  'INNER',
  'CROSS',
  'ON',
  'USING',
  'GROUP',
  'ORDER',
  'LIMIT',
  'SET',
  'VALUES',
  'NATURAL',
  'UNION',
  'HAVING',
  'WINDOW',
  'RETURNING',
  'DEFAULT',
  'SELECT',
  'INDEXED',
  'NOT',
]);

/**
 * Table names in the table positions of one SQL text. `caseInsensitive` only for text known to be
 * SQL (a sql`` template or an argument of prepare/exec); elsewhere the keyword must be upper case,
 * as every SQL string in this code base writes it, which keeps English prose out.
 */
function sqlTableNames(text: string, caseInsensitive: boolean): string[] {
  const found: string[] = [];
  const keyword = new RegExp(TABLE_KEYWORD.source, caseInsensitive ? 'gi' : 'g');
  for (const m of text.matchAll(keyword)) {
    let rest = text.slice(m.index + m[0].length);
    // A FROM list may name several tables: `FROM a x, b y`.
    for (;;) {
      const id = IDENT.exec(rest);
      if (!id) break;
      found.push(id[1]);
      if (m[1].toUpperCase() !== 'FROM') break;
      rest = rest.slice(id[0].length);
      const alias = /^\s+(?:AS\s+)?(\w+)/i.exec(rest);
      if (alias && !NOT_ALIAS.has(alias[1].toUpperCase())) rest = rest.slice(alias[0].length);
      const comma = /^\s*,\s*/.exec(rest);
      if (!comma) break;
      rest = rest.slice(comma[0].length);
    }
  }
  return found;
}

/**
 * The text of a string or template literal. A `${NAME}` naming a string constant of the same file
 * reads as that constant (SQL is often assembled as `FROM ${RECORD_FROM}`); any other `${…}` as a blank.
 */
function literalText(node: ts.Node, constants: ReadonlyMap<string, string>): string | null {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (!ts.isTemplateExpression(node)) return null;
  const part = (e: ts.Expression) => (ts.isIdentifier(e) ? (constants.get(e.text) ?? '') : '');
  return node.head.text + node.templateSpans.map((s) => ` ${part(s.expression)} ${s.literal.text}`).join('');
}

/** The file's top-level `const NAME = '…'` (or `…` template) values, in declaration order. */
function stringConstants(source: ts.SourceFile): Map<string, string> {
  const out = new Map<string, string>();
  for (const stmt of source.statements) {
    if (!ts.isVariableStatement(stmt) || !(stmt.declarationList.flags & ts.NodeFlags.Const)) continue;
    for (const d of stmt.declarationList.declarations) {
      const text = d.initializer && ts.isIdentifier(d.name) ? literalText(d.initializer, out) : null;
      if (text !== null && ts.isIdentifier(d.name)) out.set(d.name.text, text);
    }
  }
  return out;
}

const SQL_CALLS = new Set(['prepare', 'exec', 'cachedStatement', 'run', 'all', 'get']);

/** A literal that is certainly SQL: a tagged sql`` template or an argument of prepare()/exec(). */
function isSqlContext(node: ts.Node): boolean {
  const parent = node.parent;
  if (ts.isTaggedTemplateExpression(parent)) return parent.tag.getText() === 'sql' || parent.tag.getText().endsWith('.sql');
  if (ts.isCallExpression(parent) && parent.arguments.includes(node as ts.Expression)) {
    const callee = parent.expression;
    const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : '';
    return SQL_CALLS.has(name);
  }
  return false;
}

function isInType(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isTypeNode(n)) return true;
    if (ts.isStatement(n) || ts.isExpression(n)) return false;
  }
  return false;
}

interface Offence {
  file: string;
  line: number;
  table: string;
  owner: string;
  how: 'sql' | 'drizzle';
}

/** Offences in one file (path relative to src-main), given its text. */
function offencesIn(rel: string, text: string, owners: Owners): Offence[] {
  const folder = rel.split('/')[0];
  const source = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: Offence[] = [];
  const constants = stringConstants(source);
  const lineOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const foreign = (table: string) => {
    const owner = owners.tables.get(table);
    return owner !== undefined && owner !== folder ? owner : null;
  };

  // Drizzle table objects imported from outside this folder, by their local name.
  const imported = new Map<string, string>();
  for (const stmt of source.statements) {
    if (!ts.isImportDeclaration(stmt) || !ts.isStringLiteral(stmt.moduleSpecifier)) continue;
    const spec = stmt.moduleSpecifier.text;
    if (!spec.startsWith('.')) continue;
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec));
    if (target.split('/')[0] === folder || stmt.importClause?.isTypeOnly) continue;
    const bindings = stmt.importClause?.namedBindings;
    if (!bindings || !ts.isNamedImports(bindings)) continue;
    for (const el of bindings.elements) {
      if (el.isTypeOnly) continue;
      const table = owners.objects.get((el.propertyName ?? el.name).text);
      if (table && foreign(table)) imported.set(el.name.text, table);
    }
  }

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) return;
    const text = literalText(node, constants);
    if (text !== null) {
      for (const table of new Set(sqlTableNames(text, isSqlContext(node)))) {
        const owner = foreign(table);
        if (owner) out.push({ file: rel, line: lineOf(node), table, owner, how: 'sql' });
      }
    }
    if (ts.isIdentifier(node) && imported.has(node.text) && !isInType(node)) {
      const parent = node.parent;
      const isPropertyName = ts.isPropertyAccessExpression(parent) && parent.name === node;
      if (!isPropertyName) {
        const table = imported.get(node.text)!;
        out.push({ file: rel, line: lineOf(node), table, owner: owners.tables.get(table)!, how: 'drizzle' });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

function allOffences(): Offence[] {
  const owners = tableOwners();
  return sourceFiles().flatMap((rel) => offencesIn(rel, fs.readFileSync(path.join(SRC, rel), 'utf8'), owners));
}

const describeOffence = (o: Offence) => `${o.file}:${o.line} → ${o.table} (${o.owner})${o.how === 'drizzle' ? ' [drizzle]' : ''}`;
const allowKey = (o: Offence) => `${o.file} → ${o.table}`;

describe('no SQL names another domain’s tables', () => {
  const owners = tableOwners();

  it('finds the owner of every table the schemas declare', () => {
    expect(owners.tables.get('charging_sessions')).toBe('sessions');
    expect(owners.tables.get('ledger_transfers')).toBe('ledger');
    expect(owners.tables.get('settlement_sweeps')).toBe('sessions');
    expect(owners.tables.get('app_meta')).toBe('kernel');
    expect(owners.tables.get('journal')).toBe('kernel');
    expect(owners.tables.get('jobs')).toBe('jobs');
    expect(owners.objects.get('chargingSessions')).toBe('charging_sessions');
    expect(owners.tables.size).toBeGreaterThan(40);
  });

  it('reads table names only where SQL puts a table', () => {
    expect(sqlTableNames('SELECT 1 FROM charging_sessions s JOIN ledger_holds h ON h.id = s.hold_id', false)).toEqual(['charging_sessions', 'ledger_holds']);
    expect(sqlTableNames('SELECT * FROM chargers c, connectors k WHERE k.charger_id = c.id', false)).toEqual(['chargers', 'connectors']);
    expect(sqlTableNames('INSERT OR IGNORE INTO alerts (id) VALUES (?)', false)).toEqual(['alerts']);
    expect(sqlTableNames('UPDATE "jobs" SET state = ?', false)).toEqual(['jobs']);
    expect(sqlTableNames('DELETE FROM notifications WHERE id = ?', false)).toEqual(['notifications']);
    expect(sqlTableNames('select id from jobs', true)).toEqual(['jobs']);
    // Prose: lower-case keywords outside a known SQL call, or table words in no table position.
    expect(sqlTableNames('Copy the sessions from chargers first', false)).toEqual([]);
    expect(sqlTableNames('no such charger in chargers', false)).toEqual([]);
  });

  it('catches raw SQL and drizzle table objects from another folder, and nothing else', () => {
    const text = [
      "import { chargingSessions } from '../sessions';",
      "import { alerts } from '../alerts';",
      "import type { SessionState } from '../sessions';",
      '// SELECT * FROM ledger_holds — a comment is not SQL',
      "const message = 'the jobs from chargers are late';",
      'const st = app.sqlite.prepare(`SELECT count(*) AS n FROM ledger_holds WHERE state = ?`);',
      'const rows = app.db.select().from(chargingSessions).all();',
      'const own = sql`SELECT 1 FROM comp_campaigns`;',
      'type Row = typeof chargingSessions.$inferSelect;',
      'const x = other.alerts;',
      "const FROM_PART = 'ledger_debts x LEFT JOIN comp_campaign_items i ON i.id = x.id';",
      'const y = app.sqlite.prepare(`SELECT 1 FROM ${FROM_PART}`);',
    ].join('\n');
    const found = offencesIn('compensation/example.ts', text, owners).map(describeOffence);
    expect(found).toEqual([
      'compensation/example.ts:6 → ledger_holds (ledger)',
      'compensation/example.ts:7 → charging_sessions (sessions) [drizzle]',
      'compensation/example.ts:12 → ledger_debts (ledger)',
    ]);
  });

  it('no folder names a table another folder owns', () => {
    const offences = allOffences();
    const unexplained = offences.filter((o) => !(allowKey(o) in ALLOWED)).map(describeOffence);
    expect(unexplained, `cross-domain SQL:\n${unexplained.join('\n')}`).toEqual([]);
  });

  it('every allow-list entry is still needed', () => {
    const keys = new Set(allOffences().map(allowKey));
    expect(Object.keys(ALLOWED).filter((k) => !keys.has(k))).toEqual([]);
  });
});
