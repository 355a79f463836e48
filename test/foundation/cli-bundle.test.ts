import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildCli, cliEntry, cliOutDir, currentBuild } from '../../scripts/build-cli.js';
import { commands } from '../../src-main/cli/commands';
import { cli, REPO_ROOT, tempDir } from '../helpers';

/**
 * The CLI runs from an esbuild bundle (scripts/build-cli.js) whose command modules load only when
 * their command runs. These tests hold the structure, never the speed: which bundle chunks a
 * command loads (recorded by a loader hook), that the build notices every change to its sources,
 * and that builds racing each other leave a whole one in place.
 */

const BIN = path.join(REPO_ROOT, 'bin', 'depotdesk.js');
const RECORDER = pathToFileURL(path.join(REPO_ROOT, 'test', 'foundation', 'fixtures', 'record-loads.mjs')).href;

interface Loads {
  code: number | null;
  stderr: string;
  /** Every file loaded as an ES module, relative to the repository. */
  files: string[];
  /** The sources bundled into the chunks it loaded (esbuild's metafile). */
  sources: string[];
}

function loadsOf(args: string[]): Loads {
  const record = path.join(tempDir(), 'loads.txt');
  fs.writeFileSync(record, '');
  const r = spawnSync(process.execPath, ['--import', RECORDER, BIN, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, DEPOTDESK_RECORD_LOADS: record, DEPOTDESK_PASSWORD: '' },
  });
  if (r.error) throw r.error;
  const build = currentBuild(REPO_ROOT);
  if (!build) throw new Error('no CLI bundle after running bin/depotdesk.js');
  const meta = JSON.parse(fs.readFileSync(path.join(cliOutDir(REPO_ROOT), build.dir, 'meta.json'), 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, unknown> }>;
  };
  const files = fs
    .readFileSync(record, 'utf8')
    .split('\n')
    .filter((u) => u.startsWith('file:'))
    .map((u) => path.relative(REPO_ROOT, fileURLToPath(u)));
  const sources = files.flatMap((f) => Object.keys(meta.outputs[f]?.inputs ?? {}));
  expect(files, 'bin/depotdesk.js runs the current bundle').toContain(path.join('out', 'cli', build.dir, 'run.js'));
  return { code: r.status, stderr: r.stderr, files, sources };
}

const commandModules = (sources: string[]) => sources.filter((s) => /^src-main\/cli\/commands\/(?!index\.ts$)/.test(s));

describe('the CLI runs from its bundle', { timeout: 300_000 }, () => {
  it('--help loads the command table and nothing else: no command module, no domain, no package, no TypeScript', () => {
    const r = loadsOf(['--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.files.filter((f) => f.startsWith('src-main') || f.includes('node_modules'))).toEqual([]);
    expect(commandModules(r.sources)).toEqual([]);
    expect(r.sources.filter((s) => !s.startsWith('src-main/cli/') && s !== 'src-main/kernel/errors.ts')).toEqual([]);
    expect(r.sources).not.toContain('src-main/cli/context.ts');
  });

  it('a command loads its own module and the core, and no other command module', () => {
    const r = loadsOf(['session', 'list', '--data-dir', tempDir()]);
    expect(r.code, r.stderr).toBe(2); // no --as: the core was opened, the contract refused
    expect(r.stderr).toMatch(/acts as an operator/);
    expect(commandModules(r.sources)).toEqual(['src-main/cli/commands/sessions.ts']);
    expect(r.sources).toContain('src-main/cli/context.ts');
    expect(r.sources).toContain('src-main/sessions/index.ts');
    // The broker's package is loaded by the process that runs the broker, not by every command.
    expect(r.files.filter((f) => f.includes('node_modules/aedes'))).toEqual([]);
  });

  it('mqtt.js, exceljs, aedes and ocpp-rpc are loaded where they are used, never by a static import', () => {
    const offences: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) walk(full);
        else if (e.name.endsWith('.ts')) {
          const text = fs.readFileSync(full, 'utf8');
          for (const m of text.matchAll(/^import (?!type )[^;]*? from '(mqtt|exceljs|aedes|ocpp-rpc)[/']/gm)) offences.push(`${path.relative(REPO_ROOT, full)}: ${m[0]}`);
        }
      }
    };
    walk(path.join(REPO_ROOT, 'src-main'));
    expect(offences).toEqual([]);
  });

  it('the command table names every command with its module’s own summary, and nothing else', async () => {
    const loaders = [...new Set(commands.map((c) => c.load))];
    const defined = (await Promise.all(loaders.map((load) => load()))).flat().map((c) => ({ name: c.name, summary: c.summary }));
    const listed = commands.map((c) => ({ name: c.name, summary: c.summary }));
    expect(listed).toEqual(defined);
    for (const entry of commands) expect((await entry.load()).map((c) => c.name)).toContain(entry.name);
  });

  it('a CLI process that runs past its limit fails saying it timed out, naming the command', () => {
    const dir = tempDir();
    expect(() => cli(['serve', '--data-dir', dir, '--port', '0', '--set', 'broker.port=0'], {}, 2)).toThrow(
      /^depotdesk serve --data-dir \S+ --port 0 --set broker.port=0 timed out after 2 s/,
    );
  });
});

/** Dates every file and folder of a fake project a minute back (out/ aside), as if edited long before a build. */
function backdate(root: string, dir = root): void {
  const past = new Date(Date.now() - 60_000);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (dir === root && e.name === 'out') continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) backdate(root, full);
    fs.utimesSync(full, past, past);
  }
}

/** A project with the shape scripts/build-cli.js expects: an entry that loads one of two modules. */
function fakeProject(): string {
  const root = tempDir('depotdesk-cli-build-');
  const files: Record<string, string> = {
    'package.json': '{ "type": "module" }\n',
    'tsconfig.json': '{}\n',
    'scripts/build-cli.js': '// stands in for the real one, which is one of the inputs\n',
    'src-main/cli/run.ts': "const m = await import(process.argv[2] === 'b' ? './commands/b' : './commands/a');\nconsole.log(m.say());\n",
    'src-main/cli/commands/a.ts': "export const say = (): string => 'a1';\n",
    'src-main/cli/commands/b.ts': "export const say = (): string => 'b1';\n",
  };
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  backdate(root);
  return root;
}

/** Builds, then dates the sources back so that only the change a test makes next can make it stale. */
async function freshBuild(root: string): Promise<string> {
  const entry = await buildCli(root);
  backdate(root);
  expect(cliEntry(root)).toBe(entry);
  return entry;
}

const runEntry = (entry: string, arg = 'a') => spawnSync(process.execPath, [entry, arg], { encoding: 'utf8' }).stdout.trim();

describe('building the CLI bundle', { timeout: 120_000 }, () => {
  it('is fresh until a source it was made from changes, and then rebuilt with the change', async () => {
    const root = fakeProject();
    expect(cliEntry(root)).toBeNull();
    const entry = await buildCli(root);
    expect(cliEntry(root)).toBe(entry);
    expect([runEntry(entry, 'a'), runEntry(entry, 'b')]).toEqual(['a1', 'b1']);

    fs.writeFileSync(path.join(root, 'src-main/cli/commands/b.ts'), "export const say = (): string => 'b2';\n");
    expect(cliEntry(root)).toBeNull();
    expect(runEntry(await buildCli(root), 'b')).toBe('b2');
  });

  it('is stale when a file appears in a source folder, a source is deleted, or the build script changes', async () => {
    const root = fakeProject();
    await freshBuild(root);
    fs.writeFileSync(path.join(root, 'src-main/cli/commands/c.ts'), 'export {};\n');
    expect(cliEntry(root)).toBeNull();

    await freshBuild(root);
    fs.rmSync(path.join(root, 'src-main/cli/commands/c.ts'));
    expect(cliEntry(root)).toBeNull();

    await freshBuild(root);
    fs.rmSync(path.join(root, 'src-main/cli/commands/b.ts'));
    fs.utimesSync(path.join(root, 'src-main/cli/commands'), new Date(0), new Date(0)); // only the missing file tells
    expect(cliEntry(root)).toBeNull();

    fs.writeFileSync(path.join(root, 'src-main/cli/commands/b.ts'), "export const say = (): string => 'b1';\n");
    await freshBuild(root);
    fs.appendFileSync(path.join(root, 'scripts/build-cli.js'), '// changed\n');
    expect(cliEntry(root)).toBeNull();
  });

  it('several processes building at once leave one whole build in place', async () => {
    const root = fakeProject();
    const script = `import(${JSON.stringify(pathToFileURL(path.join(REPO_ROOT, 'scripts', 'build-cli.js')).href)}).then((m) => m.buildCli(${JSON.stringify(root)}))`;
    const builds = Array.from(
      { length: 3 },
      () =>
        new Promise<number | null>((resolve, reject) => {
          const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'inherit'] });
          child.once('error', reject);
          child.once('close', resolve);
        }),
    );
    expect(await Promise.all(builds)).toEqual([0, 0, 0]);
    backdate(root);
    const entry = cliEntry(root);
    expect(entry).not.toBeNull();
    expect(runEntry(entry!, 'b')).toBe('b1');
    expect(fs.readdirSync(cliOutDir(root)).filter((n) => n.startsWith('build-'))).toHaveLength(3);
    expect(fs.readdirSync(cliOutDir(root)).filter((n) => n.startsWith('current.json.'))).toEqual([]);
  });
});
