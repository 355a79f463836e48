import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { fileURLToPath } from 'node:url';

/**
 * The import graph of src-main, read from the source with the TypeScript preprocessor: every
 * `import`, `import type`, `export … from` and `import()` counts, value or type, because a type
 * import is still a dependency a reader has to follow.
 */

export const MAIN = 'src-main';
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Folders whose code is the depot's business; each is a module with an index.ts. */
export function domainFolders(root = REPO_ROOT): string[] {
  return fs
    .readdirSync(path.join(root, MAIN), { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(root, MAIN, d.name, 'index.ts')))
    .map((d) => d.name)
    .sort();
}

export interface ImportEdge {
  /** Importing file, relative to src-main ("sessions/inbox.ts"). */
  from: string;
  /** Imported file, relative to src-main, without extension ("ledger/index"). */
  to: string;
  line: number;
  specifier: string;
}

export function mainSources(root = REPO_ROOT): string[] {
  return fs
    .readdirSync(path.join(root, MAIN), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.tsx?$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => f.split(path.sep).join('/'))
    .sort();
}

function resolveRelative(root: string, fromFile: string, specifier: string): string | null {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), specifier));
  for (const candidate of [base, `${base}/index`]) {
    for (const ext of ['.ts', '.tsx']) {
      if (fs.existsSync(path.join(root, MAIN, candidate + ext))) return candidate;
    }
  }
  return null;
}

/** Every relative import inside src-main; `text` overrides a file's content (for the self-tests). */
export function importEdges(root = REPO_ROOT, text: Record<string, string> = {}): ImportEdge[] {
  const edges: ImportEdge[] = [];
  const files = new Set([...mainSources(root), ...Object.keys(text)]);
  for (const file of files) {
    const source = text[file] ?? fs.readFileSync(path.join(root, MAIN, file), 'utf8');
    const info = ts.preProcessFile(source, true, true);
    for (const ref of info.importedFiles) {
      if (!ref.fileName.startsWith('.')) continue;
      const to = resolveRelative(root, file, ref.fileName);
      if (!to || to.startsWith('..')) continue;
      const line = source.slice(0, ref.pos).split('\n').length;
      edges.push({ from: file, to, line, specifier: ref.fileName });
    }
  }
  return edges;
}

/** The folder a src-main path belongs to; files at the top of src-main are their own node. */
export function folderOf(file: string): string {
  const i = file.indexOf('/');
  return i < 0 ? file.replace(/\.tsx?$/, '') : file.slice(0, i);
}

/** Cycles among folders (each reported once, as the list of folders around it). */
export function folderCycles(edges: readonly ImportEdge[]): string[][] {
  const graph = new Map<string, Set<string>>();
  for (const e of edges) {
    const a = folderOf(e.from);
    const b = folderOf(e.to);
    if (a === b) continue;
    if (!graph.has(a)) graph.set(a, new Set());
    graph.get(a)!.add(b);
  }
  // Tarjan's strongly connected components: any component with more than one folder is a cycle.
  let index = 0;
  const stack: string[] = [];
  const onStack = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}
