import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import xtermHeadless from '@xterm/headless';
import * as pty from 'node-pty';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, api, BIN, bwrapMissing, sandboxGone, setupAdmin, startServe } from './test/harness.js';

const { Terminal } = xtermHeadless;

// This file's own block of sandbox uids, apart from the other test files'.
const UID_BASE = 1_650_000 + Math.floor(Math.random() * 200) * 100;
const HANGAR = `${process.execPath} ${BIN}`;

/**
 * A person's terminal: bash in a real PTY, its output drawn by a terminal
 * emulator of the same size, so tests read the screen as it would look.
 */
function localTerminal(cwd: string, env: Record<string, string>) {
  const term = pty.spawn('bash', ['--norc', '--noprofile'], {
    name: 'xterm-256color',
    cols: 80,
    rows: 24,
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, TERM: 'xterm-256color', PS1: 'local$ ', ...env },
  });
  const screen = new Terminal({ cols: 80, rows: 24, scrollback: 1000, allowProposedApi: true });
  let output = '';
  term.onData((data) => {
    output += data;
    screen.write(data);
  });
  const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
  const lines = () => {
    const buffer = screen.buffer.active;
    return Array.from({ length: buffer.length }, (_, i) => buffer.getLine(i)?.translateToString(true) ?? '');
  };
  const until = async (what: string, done: () => boolean, ms = 30_000) => {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (Date.now() > deadline)
        throw new Error(
          `no ${what} on screen:\n${lines().join('\n').trimEnd()}\n\nraw: ${JSON.stringify(output)}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return {
    term,
    exited,
    lines,
    until,
    output: () => output,
    resize: (cols: number, rows: number) => {
      term.resize(cols, rows);
      screen.resize(cols, rows);
    },
    /** Waits for `pattern` in the raw output after `from` characters. */
    waitFor: (pattern: RegExp, from = 0) => until(String(pattern), () => pattern.test(output.slice(from))),
    /** Waits for a screen line that is exactly `line` (trimmed). */
    onScreen: (line: string) => until(`a line "${line}"`, () => lines().some((l) => l.trim() === line)),
    /** Waits until `count` screen lines match `pattern`. */
    count: (pattern: RegExp, count: number, ms?: number) =>
      until(`${count}× ${pattern}`, () => lines().filter((l) => pattern.test(l)).length >= count, ms),
  };
}

describe.skipIf(bwrapMissing)('hangar in a real PTY', () => {
  let server: Awaited<ReturnType<typeof startServe>>;
  let token: string;
  let workspaceId: string;
  const dir = mkdtempSync(join(tmpdir(), 'hangar-pty-'));

  beforeAll(async () => {
    server = await startServe(
      { HANGAR_SANDBOX_UID_BASE: String(UID_BASE), HANGAR_SANDBOX_UID_COUNT: '100' },
      ['--demo'],
    );
    token = await setupAdmin(server.url, server.setupToken!);
    const created = await api(server.url, token, 'POST', '/api/workspaces?wait=true', { name: 'shell' });
    expect(created.body.state).toBe('running');
    workspaceId = created.body.id;
  }, 60_000);

  afterAll(async () => {
    if (!server) return;
    if (workspaceId)
      await api(server.url, token, 'DELETE', `/api/workspaces/${workspaceId}`, { confirm: 'shell' });
    await sandboxGone(UID_BASE, 100);
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
    expect(await sandboxGone(UID_BASE, 100, 5_000)).toEqual([]);
  }, 60_000);

  it('attach runs commands, follows resizes, detaches with Ctrl-\\ d or ends with the shell, restoring the terminal', async () => {
    const local = localTerminal(dir, { HANGAR_URL: server.url, HANGAR_TOKEN: token });
    try {
      await local.waitFor(/local\$ $/);
      // The local shell records its tty settings, attaches, and records them again.
      local.term.write(
        `stty -a > before.txt; ${HANGAR} attach shell; echo "attach exit=$?"; stty -a > after.txt; echo done-$((1+1))\r`,
      );
      await local.waitFor(/Opening a new terminal/);
      await local.until('the remote prompt', () => local.lines().some((l) => /\/workspace\$/.test(l)));

      local.term.write('echo $((6*7))\r');
      await local.onScreen('42');
      local.term.write('tput cols\r');
      await local.onScreen('80');

      // The new size reaches the shell a moment later (how soon depends on the machine): ask until it has.
      const sizeBecomes = (size: string) =>
        expect
          .poll(
            async () => {
              local.term.write('echo "s""ize=$(tput cols)x$(tput lines)"\r');
              await new Promise((r) => setTimeout(r, 250));
              return local.lines().some((line) => line.trim() === `size=${size}`);
            },
            { timeout: 30_000 },
          )
          .toBe(true);
      local.resize(100, 30); // SIGWINCH to the attached CLI → a resize frame → tmux in the sandbox
      await sizeBecomes('100x30');

      local.resize(123, 40);
      await sizeBecomes('123x40');

      const mark = local.output().length;
      local.term.write('\x1c');
      local.term.write('d');
      await local.waitFor(/\[detached from .+ in shell/, mark);
      await local.waitFor(/attach exit=0/, mark);
      await local.waitFor(/done-2/, mark);

      const before = readFileSync(join(dir, 'before.txt'), 'utf8');
      const after = readFileSync(join(dir, 'after.txt'), 'utf8');
      // The same modes (echo, icanon, isig...) as before the attach; only the window size changed.
      const modes = (text: string) => text.split('\n').slice(1).join('\n');
      expect(modes(after)).toBe(modes(before));
      expect(after).toMatch(/(^|\s)echo(\s|$)/m);
      expect(after).toMatch(/(^|\s)icanon(\s|$)/m);
      // The alternate screen was left and the cursor shown again.
      expect(local.output().slice(mark)).toContain('\x1b[?1049l\x1b[?25h');

      // The remote terminal lives on after the detach.
      const list = await api(server.url, token, 'GET', `/api/workspaces/${workspaceId}/terminals`);
      expect(list.body.terminals).toHaveLength(1);
      expect(list.body.terminals[0].state).toBe('running');

      // A terminal whose shell exits ends the attach too, with the local terminal restored.
      const again = local.output().length;
      local.term.write(`${HANGAR} attach shell --new; echo "second exit=$?"; stty -a > after2.txt\r`);
      await local.until('a second remote prompt', () => local.output().slice(again).includes('/workspace$'));
      local.term.write('exit\r');
      await local.waitFor(/\[Terminal 2 exited\]/, again);
      await local.waitFor(/second exit=0/, again);
      await local.until('after2.txt', () => {
        try {
          return readFileSync(join(dir, 'after2.txt'), 'utf8').includes('speed');
        } catch {
          return false;
        }
      });
      expect(modes(readFileSync(join(dir, 'after2.txt'), 'utf8'))).toBe(modes(before));

      local.term.write('exit\r');
      expect(await local.exited).toBe(0);
    } finally {
      local.term.kill();
    }
  }, 90_000);

  it('attach to a terminal someone else sized takes the size of the window it runs in ("fit to me")', async () => {
    const created = await api(server.url, token, 'POST', `/api/workspaces/${workspaceId}/terminals`, {
      name: 'wide',
    });
    expect(created.status).toBe(201);
    // A wide browser holds the terminal's size first (the first viewer who may type takes it).
    const url = new URL(
      `/api/workspaces/${workspaceId}/terminals/${created.body.id}/ws?cols=160&rows=40`,
      server.url,
    );
    url.protocol = 'ws:';
    const browser = new WebSocket(url, { headers: { authorization: `Bearer ${token}`, origin: server.url } });
    const sizes: string[] = [];
    browser.on('message', (data, binary) => {
      if (binary) return;
      const frame = JSON.parse(data.toString()) as { type: string; cols?: number; rows?: number };
      if (frame.type === 'resize') sizes.push(`${frame.cols}x${frame.rows}`);
    });
    await expect.poll(() => sizes.at(-1), { timeout: 30_000 }).toBe('160x40');
    const local = localTerminal(dir, { HANGAR_URL: server.url, HANGAR_TOKEN: token });
    try {
      await local.waitFor(/local\$ $/);
      local.term.write(`${HANGAR} attach shell wide\r`);
      await local.until('the remote prompt', () => local.lines().some((l) => /\/workspace\$/.test(l)));
      // The attached CLI's window is 80x24: the shell in the sandbox is told so (a moment after the
      // attach: ask until it has), and so is the browser.
      await expect
        .poll(
          async () => {
            local.term.write('echo "s""ize=$(tput cols)x$(tput lines)"\r');
            await new Promise((r) => setTimeout(r, 250));
            return local.lines().some((line) => line.trim() === 'size=80x24');
          },
          { timeout: 30_000 },
        )
        .toBe(true);
      await expect.poll(() => sizes.at(-1)).toBe('80x24');
      local.term.write('\x1c');
      local.term.write('d');
      await local.waitFor(/\[detached from .+/);
      local.term.write('exit\r');
      expect(await local.exited).toBe(0);
    } finally {
      local.term.kill();
      browser.close();
    }
  }, 90_000);

  it('login asks for the password without echo; chat prompts, asks y/n/a, keeps history, Ctrl-C interrupts', async () => {
    const local = localTerminal(dir, {
      XDG_CONFIG_HOME: join(dir, 'config'),
      XDG_STATE_HOME: join(dir, 'state'),
    });
    try {
      await local.waitFor(/local\$ $/);
      local.term.write(`${HANGAR} login ${server.url} -u ada; echo "login exit=$?"\r`);
      await local.waitFor(/Password: $/);
      local.term.write(`${ADMIN.password}\r`);
      await local.waitFor(/login exit=0/);
      expect(local.output()).not.toContain(ADMIN.password); // never echoed
      expect(local.lines().some((l) => l.startsWith(`Logged in to ${server.url} as ada.`))).toBe(true);
      expect(local.output()).toContain('\x1b[32mLogged in\x1b[39m'); // a terminal gets colour
      let mark = local.output().length;
      local.term.write(`NO_COLOR=1 ${HANGAR} whoami\r`);
      await local.waitFor(/ada \(admin\) on /, mark);
      expect(local.output().slice(mark)).not.toContain('\x1b[1mada'); // ...unless NO_COLOR is set
      mark = local.output().length;
      local.term.write(`${HANGAR} whoami\r`);
      await local.waitFor(/ada.* \(admin\) on /, mark);
      expect(local.output().slice(mark)).toContain('\x1b[1mada\x1b[22m (admin)');

      local.term.write(`${HANGAR} chat shell --agent pi --model hangar-demo; echo "chat exit=$?"\r`);
      await local.count(/^you›/, 1);
      local.term.write('look around and leave a note\r');
      // Permission questions on the terminal: allow the command for the session, then the write.
      await local.count(/Allow\? \[y\]es \/ \[n\]o \/ \[a\]lways for this session: $/, 1);
      local.term.write('a\r');
      await local.count(/Allow\? \[y\]es/, 2);
      local.term.write('a\r');
      await local.onScreen('✓ allowed for this session');
      await local.until('the summary', () =>
        local.lines().some((l) => l.startsWith('Done! I listed the workspace')),
      );
      await local.count(/^you›/, 2);

      // The same again: no questions this time (allowed for the session), and Ctrl-C stops it midway.
      local.term.write('look around and leave a note\r');
      await local.count(/^Sure\. Let me first look/, 2);
      local.term.write('\x03');
      await local.onScreen('^C interrupting the turn (Ctrl-C again to quit)');
      await local.count(/^you›/, 3);
      const summaries = local.lines().filter((l) => l.startsWith('Done! I listed the workspace')).length;
      expect(summaries).toBe(1); // the second run never got that far

      // Up arrow brings back the last message from the history.
      local.term.write('\x1b[A');
      await local.until('the recalled message', () =>
        local.lines().some((l) => l === 'you› look around and leave a note'),
      );
      local.term.write('\x15\x04'); // clear the line, then Ctrl-D quits
      await local.waitFor(/chat exit=0/);
      const history = readFileSync(join(dir, 'state', 'hangar', 'chat_history'), 'utf8');
      expect(history).toBe('look around and leave a note\nlook around and leave a note\n');

      const sessions = await api(server.url, token, 'GET', `/api/sessions?workspace=${workspaceId}`);
      expect(sessions.body.sessions[0].status).toBe('idle'); // interrupted, not broken
      local.term.write('exit\r');
      expect(await local.exited).toBe(0);
    } finally {
      local.term.kill();
    }
  }, 120_000);
});
