import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { domainFolders, folderCycles, folderOf, importEdges, mainSources, REPO_ROOT, type ImportEdge } from './graph';

/**
 * The shape of src-main, held by tests (docs/architecture.md draws it):
 *
 *   index.ts, cli/, shell/  →  boot/  →  contract/  →  modules.ts  →  domains  →  kernel/
 *
 * - A domain (a folder with an index.ts that is not one of the layers) is entered only through its
 *   index.ts. The one exception: a schema file may import another domain's schema file for a
 *   foreign key, and src-main/schema.ts gathers every schema file for drizzle-kit.
 * - kernel/ imports nothing of the depot outside kernel/.
 * - The folder import graph, counting type imports too, has no cycle.
 * Each rule is first shown to catch a made-up offence, so a rule that cannot fail is noticed.
 */

const LAYERS = new Set(['kernel', 'contract', 'boot', 'cli', 'shell']);
const domains = new Set(domainFolders().filter((d) => !LAYERS.has(d)));

const isSchemaFile = (file: string) => /(^|\/)([\w-]*-)?schema(\.ts)?$/.test(file);

function throughIndexOffences(edges: readonly ImportEdge[]): string[] {
  return edges
    .filter((e) => {
      const from = folderOf(e.from);
      const to = folderOf(e.to);
      if (from === to || !domains.has(to) || e.to === `${to}/index`) return false;
      return !(isSchemaFile(e.from) && isSchemaFile(e.to));
    })
    .map((e) => `src-main/${e.from}:${e.line} imports '${e.specifier}' (use '${indexSpecifier(e)}')`);
}

/** '../ledger/ops/holds' → '../ledger' */
function indexSpecifier(e: ImportEdge): string {
  const folder = folderOf(e.to);
  return e.specifier.slice(0, e.specifier.lastIndexOf(`/${folder}`) + folder.length + 1);
}

function kernelOffences(edges: readonly ImportEdge[]): string[] {
  return edges.filter((e) => folderOf(e.from) === 'kernel' && folderOf(e.to) !== 'kernel').map((e) => `src-main/${e.from}:${e.line} imports '${e.specifier}'`);
}

describe('the boundaries of src-main', () => {
  const edges = importEdges();

  it('finds the domains and the import edges it checks', () => {
    expect([...domains]).toEqual(expect.arrayContaining(['ledger', 'sessions', 'chargers', 'tariffs', 'payments', 'system']));
    expect(edges.length).toBeGreaterThan(300);
    expect(edges).toContainEqual(expect.objectContaining({ from: 'sessions/settle.ts', to: 'ledger/index' }));
  });

  it('a domain is imported only through its index.ts', () => {
    const made = importEdges(REPO_ROOT, { 'tariffs/zz-probe.ts': "import { postHold } from '../ledger/ops/holds';\n" });
    expect(throughIndexOffences(made)).toEqual(["src-main/tariffs/zz-probe.ts:1 imports '../ledger/ops/holds' (use '../ledger')"]);
    expect(throughIndexOffences(edges)).toEqual([]);
  });

  it('the kernel imports nothing outside the kernel', () => {
    const made = importEdges(REPO_ROOT, { 'kernel/zz-probe.ts': "import type { SessionRow } from '../sessions';\n" });
    expect(kernelOffences(made)).toEqual(["src-main/kernel/zz-probe.ts:1 imports '../sessions'"]);
    expect(kernelOffences(edges)).toEqual([]);
  });

  it('the folder import graph has no cycle (type imports included)', () => {
    const made = importEdges(REPO_ROOT, { 'ledger/zz-probe.ts': "import type { SessionRow } from '../sessions';\n" });
    expect(folderCycles(made).flat()).toEqual(expect.arrayContaining(['ledger', 'sessions']));
    expect(folderCycles(edges)).toEqual([]);
  });

  it("the ledger's public face has its named operations, not the engine's write primitives", async () => {
    // Other domains move money through topUp, postSessionCharge, creditCampaign…: each names its
    // accounts and codes inside the ledger. A raw transfer from outside would bypass that.
    const ledger = await import('../../src-main/ledger');
    const engine = await import('../../src-main/ledger/engine');
    const primitives = ['createTransfers', 'applyTransfers', 'runOperation', 'Batch', 'inWriteTx'];
    expect(primitives.filter((name) => name in engine)).toEqual(primitives);
    expect(primitives.filter((name) => name in ledger)).toEqual([]);
  });

  it('the core takes from the renderer only its wording (dictionaries and wording helpers), and that wording needs no React, antd or browser', () => {
    const ALLOWED = [
      'src-renderer/i18n/wording.ts',
      'src-renderer/lib/alertText.ts',
      'src-renderer/lib/accounts.ts',
      'src-renderer/lib/memoText.ts',
      'src-renderer/lib/auditInput.ts',
      'src-renderer/lib/jobError.ts',
      'src-renderer/lib/phone.ts',
      'src-renderer/lib/statementReference.ts',
    ];
    // The scan sees what the rule forbids: the provider beside the dictionaries loads antd and React.
    expect(runtimeImports(path.join(REPO_ROOT, 'src-renderer/i18n/index.tsx'))).toEqual(expect.arrayContaining(['antd', 'react', 'src-renderer/i18n/wording.ts']));
    const taken = new Set<string>();
    for (const file of mainSources()) {
      for (const dep of runtimeImports(path.join(REPO_ROOT, 'src-main', file))) if (dep.startsWith('src-renderer/')) taken.add(`${dep} (from src-main/${file})`);
    }
    const offences = [...taken].filter((t) => !ALLOWED.includes(t.split(' ')[0]));
    expect(offences).toEqual([]);
    expect([...taken].length).toBeGreaterThan(0);
    // What those modules load at run time, followed through the renderer: plain modules and dayjs only.
    const seen = new Set<string>();
    const queue = [...ALLOWED];
    const packages = new Set<string>();
    while (queue.length > 0) {
      const next = queue.pop()!;
      if (seen.has(next)) continue;
      seen.add(next);
      for (const dep of runtimeImports(path.join(REPO_ROOT, next))) {
        if (dep.startsWith('src-')) queue.push(dep);
        else packages.add(dep.split('/')[0]);
      }
    }
    expect([...packages].filter((p) => p !== 'dayjs')).toEqual([]);
    expect([...seen].every((f) => f.endsWith('.ts'))).toBe(true);
  });
});

/**
 * The modules a file loads at run time (type-only imports are erased): repository paths for relative
 * imports ('src-renderer/lib/format.ts'), package specifiers otherwise.
 */
function runtimeImports(file: string): string[] {
  const source = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of source.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?'([^']+)'/gm)) {
    if (m[1]) continue;
    const spec = m[2];
    if (!spec.startsWith('.')) {
      out.push(spec);
      continue;
    }
    const base = path.resolve(path.dirname(file), spec.replace(/\.js$/, ''));
    const found = ['.ts', '.tsx', '/index.ts', '/index.tsx'].map((ext) => base + ext).find((f) => fs.existsSync(f));
    out.push(
      path
        .relative(REPO_ROOT, found ?? base)
        .split(path.sep)
        .join('/'),
    );
  }
  return out;
}
