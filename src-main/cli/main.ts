import { isDepotError } from '../app/errors';
import { buildContext, exitCodeFor, GLOBAL_OPTIONS, parseCommandArgs, type Command } from './framework';
import { commands } from './commands';

function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'depotdesk — the DepotDesk command line',
    '',
    'usage: depotdesk <command> [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'global options:',
    '  --db FILE          database file (default: <data dir>/depotdesk.sqlite)',
    '  --data-dir DIR     data directory (default: the per-user app-data folder, or $DEPOTDESK_DATA_DIR)',
    '  --set key=value    override a config value for this run (repeatable)',
    '  --json             machine-readable output on stdout',
    '  --as NAME          act as this operator (password from $DEPOTDESK_PASSWORD or a prompt)',
    '',
    'exit codes: 0 ok, 1 a failed check or refused action, 2 a usage error',
  ].join('\n');
}

/** Finds the command whose words match the start of argv, preferring the longest name. */
export function findCommand(argv: string[]): { command: Command; rest: string[] } | null {
  const words = argv.slice(0, 2).filter((w) => !w.startsWith('-'));
  for (let n = words.length; n >= 1; n -= 1) {
    const name = words.slice(0, n).join(' ');
    const command = commands.find((c) => c.name === name);
    if (command) return { command, rest: argv.slice(n) };
  }
  return null;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(helpText() + '\n');
    return argv.length === 0 ? 2 : 0;
  }
  const found = findCommand(argv);
  if (!found) {
    const known = [...new Set(commands.map((c) => c.name.split(' ')[0]))].join(', ');
    process.stderr.write(`depotdesk: unknown command "${argv.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ')}" (commands: ${known}; see depotdesk --help)\n`);
    return 2;
  }
  const { command, rest } = found;
  let parsed: ReturnType<typeof parseCommandArgs>;
  try {
    parsed = parseCommandArgs(command, rest);
  } catch (e) {
    process.stderr.write(`depotdesk ${command.name}: ${(e as Error).message}\n${command.usage ? `usage: ${command.usage}\n` : ''}`);
    return 2;
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (values.help) {
    process.stdout.write(`${command.summary}\n${command.usage ? `usage: ${command.usage}\n` : ''}`);
    return 0;
  }
  const global = {
    db: values.db as string | undefined,
    dataDir: values['data-dir'] as string | undefined,
    set: (values.set as string[] | undefined) ?? [],
    json: Boolean(values.json),
    as: values.as as string | undefined,
  };
  for (const k of Object.keys(GLOBAL_OPTIONS)) delete values[k];
  const cleanup: (() => void)[] = [];
  try {
    const cx = buildContext(command, global, values, parsed.positionals, cleanup);
    const code = await command.run(cx);
    return typeof code === 'number' ? code : 0;
  } catch (e) {
    if (isDepotError(e)) {
      const shape = e.toShape();
      if (global.json) process.stdout.write(JSON.stringify({ ok: false, error: shape }, null, 2) + '\n');
      process.stderr.write(`depotdesk ${command.name}: ${e.message}\n`);
      if (e.code === 'usage' && command.usage) process.stderr.write(`usage: ${command.usage}\n`);
      return exitCodeFor(shape);
    }
    process.stderr.write(`depotdesk ${command.name}: unexpected failure: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  } finally {
    for (const fn of cleanup.reverse()) fn();
  }
}
