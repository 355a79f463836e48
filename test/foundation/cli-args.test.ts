import { describe, expect, it } from 'vitest';
import { findCommand } from '../../src-main/cli/main';

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
