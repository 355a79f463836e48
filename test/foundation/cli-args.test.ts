import { describe, expect, it } from 'vitest';
import { findCommand } from '../../src-main/cli/main';
import { commands } from '../../src-main/cli/commands';
import { cliInProcess } from '../cli-runs';

/** How the command line is split into a command and its arguments (no process spawned). */
describe('finding the command in argv', () => {
  const found = (argv: string[]) => {
    const f = findCommand(argv);
    return f && { name: f.command.name, rest: f.rest };
  };

  it('takes the longest command name that matches, and passes everything after it on', () => {
    expect(found(['session', 'list', '--state', 'PAID'])).toEqual({ name: 'session list', rest: ['--state', 'PAID'] });
    expect(found(['doctor', '--data-dir', '/d'])).toEqual({ name: 'doctor', rest: ['--data-dir', '/d'] });
  });

  it('accepts global options before the command, with or without =, and passes them on', () => {
    expect(found(['--data-dir', '/d', 'session', 'list', '--json'])).toEqual({ name: 'session list', rest: ['--data-dir', '/d', '--json'] });
    expect(found(['--data-dir=/d', '--json', 'doctor'])).toEqual({ name: 'doctor', rest: ['--data-dir=/d', '--json'] });
    expect(found(['--set', 'timeZone=UTC', '--as', 'amy', 'session', 'show', 'S-1'])).toEqual({
      name: 'session show',
      rest: ['--set', 'timeZone=UTC', '--as', 'amy', 'S-1'],
    });
  });

  it('an option before the command that is not global still reaches the parser, which names it', () => {
    expect(found(['--colour', 'doctor'])).toEqual({ name: 'doctor', rest: ['--colour'] });
  });

  it('no command: null', () => {
    expect(found(['--data-dir', '/d'])).toBeNull();
    expect(found(['frobnicate'])).toBeNull();
  });
});

/** A group the top-level help lists (`risk`, `recon`, `risk rule`) answers --help with its commands (issue 16). */
describe('help for a group of commands', () => {
  it('`risk --help` lists every risk command with its summary and exits 0', async () => {
    const r = await cliInProcess(['risk', '--help'], '');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const risk = commands.filter((c) => c.name.startsWith('risk '));
    expect(risk.length).toBeGreaterThan(10);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('depotdesk risk — one of these commands (depotdesk risk <command> --help for its options):');
    expect(lines.slice(1).map((l) => l.trim().split(/ {2,}/))).toEqual(risk.map((c) => [c.name, c.summary]));
  });

  it('a group deeper down, and global options before it, are found too; -h is --help', async () => {
    const rule = await cliInProcess(['--data-dir', '/nowhere', 'risk', 'rule', '-h'], '');
    expect(rule.code, rule.stderr).toBe(0);
    expect(
      rule.stdout
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((l) => l.trim().split(/ {2,}/)[0]),
    ).toEqual(['risk rule set', 'risk rule history']);
  });

  it('a group without --help is an unfinished command: its commands on stderr, exit 2; a word that starts nothing stays unknown', async () => {
    const bare = await cliInProcess(['recon'], '');
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toMatch(/^depotdesk recon — one of these commands/);
    expect(bare.stderr).toContain('  recon breaks ');
    const unknown = await cliInProcess(['risk', 'frobnicate', '--help'], '');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "risk frobnicate"/);
  });
});
