import { isDepotError } from '../kernel/errors';
import { exitCodeFor, GLOBAL_OPTIONS, parseCommandArgs, type Command, type CommandContext, type GlobalOptions } from './framework';
import { commands, type CommandEntry } from './commands';

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

/**
 * The commands under a group a user typed as a command (`risk`, `recon`, `risk rule`): the
 * top-level help lists `risk rules`, `risk blacklist add`…, so `depotdesk risk --help` is a fair
 * question and is answered with them. Empty when the words start no command.
 */
export function groupCommands(words: string): CommandEntry[] {
  if (!words) return [];
  return commands.filter((c) => c.name.startsWith(`${words} `));
}

function groupHelp(words: string, group: CommandEntry[]): string {
  const width = Math.max(...group.map((c) => c.name.length));
  return [
    `depotdesk ${words} — one of these commands (depotdesk ${words} <command> --help for its options):`,
    ...group.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

/** Global options that take a value, so `--data-dir DIR` before the command skips DIR too. */
const GLOBAL_WITH_VALUE = new Set(
  Object.entries(GLOBAL_OPTIONS)
    .filter(([, spec]) => spec.type === 'string')
    .map(([name]) => `--${name}`),
);

/**
 * Finds the command whose words match the start of argv, preferring the longest name. Global
 * options may come before the command (`depotdesk --data-dir D session list`); they are passed on
 * with the command's own arguments. Null when no command matches.
 */
export function findCommand(argv: string[]): { command: CommandEntry; rest: string[] } | null {
  const leading: string[] = [];
  let i = 0;
  while (i < argv.length && argv[i].startsWith('-')) {
    const [flag] = argv[i].split('=', 1);
    const takesValue = GLOBAL_WITH_VALUE.has(flag) && !argv[i].includes('=');
    leading.push(...argv.slice(i, takesValue ? i + 2 : i + 1));
    i += takesValue ? 2 : 1;
  }
  const after = argv.slice(i);
  // The command's words come before its first option: at most three (`risk rule set`).
  const words: string[] = [];
  for (const w of after.slice(0, 3)) {
    if (w.startsWith('-')) break;
    words.push(w);
  }
  for (let n = words.length; n >= 1; n -= 1) {
    const name = words.slice(0, n).join(' ');
    const command = commands.find((c) => c.name === name);
    if (command) return { command, rest: [...leading, ...after.slice(n)] };
  }
  return null;
}

/** The words a user typed as the command, global options before it left out (for the error). */
function commandWords(argv: string[]): string {
  const out: string[] = [];
  for (let i = 0; i < argv.length && out.length < 3; i += 1) {
    const a = argv[i];
    if (a.startsWith('-')) {
      if (GLOBAL_WITH_VALUE.has(a)) i += 1;
      continue;
    }
    out.push(a);
  }
  return out.join(' ');
}

/** The command's implementation, from its module (loaded now, and only now). */
export async function loadCommand(entry: CommandEntry): Promise<Command> {
  const command = (await entry.load()).find((c) => c.name === entry.name);
  if (!command) throw new Error(`the command table names "${entry.name}" but its module does not define it`);
  return command;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(helpText() + '\n');
    return argv.length === 0 ? 2 : 0;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = groupCommands(commandWords(argv));
    if (group.length > 0) {
      // `risk --help` asks which risk commands there are; `risk` alone is an unfinished command.
      const asked = argv.includes('--help') || argv.includes('-h');
      (asked ? process.stdout : process.stderr).write(groupHelp(commandWords(argv), group) + '\n');
      return asked ? 0 : 2;
    }
    const known = [...new Set(commands.map((c) => c.name.split(' ')[0]))].join(', ');
    const typed = commandWords(argv);
    process.stderr.write(`depotdesk: ${typed ? `unknown command "${typed}"` : 'no command given'} (commands: ${known}; see depotdesk --help)\n`);
    return 2;
  }
  const command = await loadCommand(found.command);
  let parsed: ReturnType<typeof parseCommandArgs>;
  try {
    parsed = parseCommandArgs(command, found.rest);
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
  return runCommand(command, global, values, parsed.positionals);
}

async function runCommand(command: Command, global: GlobalOptions, values: CommandContext['args'], positionals: string[]): Promise<number> {
  const cleanup: (() => void)[] = [];
  try {
    // The core and every domain come in here, once a command is sure to run.
    const { buildContext } = await import('./context');
    const cx = buildContext(command, global, values, positionals, cleanup);
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
