import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from './program.js';
import { DetachKeys } from './terminal/flow.js';

function all(cmd: Command, path = 'hangar'): [string, Command][] {
  return [[path, cmd], ...cmd.commands.flatMap((c) => all(c, `${path} ${c.name()}`))];
}

function helpOf(cmd: Command): string {
  let text = '';
  cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  cmd.outputHelp();
  return text;
}

describe('hangar --help', () => {
  it('every command (but the hidden completion helper) has a description and examples', () => {
    const commands = all(buildProgram()).filter(([path]) => !path.includes('__complete'));
    expect(commands.map(([path]) => path)).toEqual(
      expect.arrayContaining([
        'hangar login',
        'hangar logout',
        'hangar whoami',
        'hangar ws ls',
        'hangar ws new',
        'hangar ws rm',
        'hangar ws start',
        'hangar ws stop',
        'hangar ws archive',
        'hangar ws restore',
        'hangar ws members',
        'hangar attach',
        'hangar chat',
        'hangar sessions',
        'hangar logs',
        'hangar usage',
        'hangar doctor',
        'hangar completion',
      ]),
    );
    for (const [path, cmd] of commands) {
      if (path === 'hangar serve') continue; // predates the client commands; has its own examples
      const help = helpOf(cmd);
      expect(cmd.description(), path).not.toBe('');
      expect(help, path).toContain('Examples:');
    }
    expect(helpOf(buildProgram())).toContain('Exit codes:');
  });

  it('every listing takes --json', () => {
    const commands = new Map(all(buildProgram()));
    for (const path of [
      'hangar ws ls',
      'hangar ws members',
      'hangar sessions',
      'hangar usage',
      'hangar whoami',
      'hangar doctor',
    ])
      expect(
        commands.get(path)?.options.map((o) => o.long),
        path,
      ).toContain('--json');
  });
});

describe('the detach keys', () => {
  it('Ctrl-\\ then d detaches, in one chunk or split across two', () => {
    expect(new DetachKeys().feed('ls\r\x1cd')).toEqual({ send: 'ls\r', detach: true });
    const keys = new DetachKeys();
    expect(keys.feed('x\x1c')).toEqual({ send: 'x', detach: false });
    expect(keys.feed('d')).toEqual({ send: '', detach: true });
  });

  it('passes Ctrl-\\ on when doubled, or with the key after it', () => {
    expect(new DetachKeys().feed('\x1c\x1c')).toEqual({ send: '\x1c', detach: false });
    expect(new DetachKeys().feed('\x1cx')).toEqual({ send: '\x1cx', detach: false });
    expect(new DetachKeys().feed('\x03')).toEqual({ send: '\x03', detach: false });
  });
});

describe('hangar output into a closed pipe', () => {
  it('stops quietly with exit code 0, as `hangar ws --help | head -1` needs', async () => {
    const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\` first (npm test does).`);
    const child = spawn(process.execPath, [bin, 'ws', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // closed before the CLI has loaded, so its first write meets EPIPE
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
