import { describe, it, expect } from '@jest/globals';
import { cloudtap } from '../support/cli';

const COMMANDS = [
  ['run'], ['resources'], ['history'], ['events'], ['events', 'ack'], ['report'], ['report', 'config'], ['dashboard'], ['trace'], ['sandbox'], ['ingest'], ['heartbeat'], ['silence'], ['query'],
];

describe('every command explains itself', () => {
  it.each(COMMANDS)('cloudtap %s … --help prints its usage and exits 0', async (...command) => {
    const result = await cloudtap([...command, '--help']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: cloudtap ${command[0]}`, 'm'));
  });

  it('cloudtap --help lists every command; an unknown one is named with the valid ones', async () => {
    const help = await cloudtap(['--help']);
    expect(help.code).toBe(0);
    for (const [name] of COMMANDS) expect(help.stdout).toContain(`  ${name}`);
    const unknown = await cloudtap(['colect']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown command "colect"; valid commands are: run, /);
    // Every command is named, whatever the order others are registered in.
    const named = /valid commands are: (.*)$/m.exec(unknown.stderr)?.[1]?.split(', ') ?? [];
    for (const [name] of COMMANDS) expect(named).toContain(name);
  });
});
