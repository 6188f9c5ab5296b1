import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const children = new Set<ChildProcess>();

function serve(env: Record<string, string>, args: string[] = []) {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first (npm test does).`);
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = async (pattern: RegExp, ms = 15_000) => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const match = pattern.exec(output);
      if (match) return match;
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no ${pattern} in output:\n${output}`);
  };
  return { child, exited, waitFor, output: () => output };
}

afterEach(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  children.clear();
});

describe('hangar serve', () => {
  it('starts with embedded defaults, prints the setup link, serves the app, and stops on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hangar-cli-'));
    try {
      const server = serve({ HANGAR_DATA_DIR: dataDir, HANGAR_PORT: '0' });
      const [, url] = await server.waitFor(/listening on (http:\/\/\S+)/);
      const [, setupUrl] = await server.waitFor(/(http:\/\/\S+\/setup\?token=\S+)/);
      expect((await fetch(`${url}/api/health`)).status).toBe(200);
      expect((await fetch(`${url}/api/ready`)).status).toBe(200);
      expect(existsSync(join(dataDir, 'hangar.db'))).toBe(true);
      expect(statSync(join(dataDir, 'setup-url')).mode & 0o777).toBe(0o600);
      const page = await fetch(setupUrl!);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
      // Client routes get the app; a missing asset gets a real 404, not the app.
      expect((await fetch(`${url}/workspaces/abc`)).status).toBe(200);
      expect((await fetch(`${url}/assets/no-such-chunk.js`)).status).toBe(404);
      // The setup token is a secret: it appears in the banner, never in a log line.
      const logLines = server
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'));
      expect(logLines.length).toBeGreaterThan(0);
      expect(logLines.join('\n')).not.toContain(new URL(setupUrl!).searchParams.get('token'));
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('--demo answers LLM calls from inside a sandbox with the scripted demo model', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hangar-demo-'));
    const uidBase = String(800_000 + Math.floor(Math.random() * 1000) * 100);
    try {
      const server = serve(
        { HANGAR_DATA_DIR: dataDir, HANGAR_PORT: '0', HANGAR_AUTH: 'none', HANGAR_SANDBOX_UID_BASE: uidBase },
        ['--demo'],
      );
      const [, url] = await server.waitFor(/listening on (http:\/\/\S+)/);
      await server.waitFor(/DEMO MODE/);
      expect(((await (await fetch(`${url}/api/auth/status`)).json()) as { demo: boolean }).demo).toBe(true);
      const post = (path: string, body: unknown) =>
        fetch(`${url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const ws = (await (await post('/api/workspaces?wait=true', { name: 'demo' })).json()) as {
        id: string;
        state: string;
      };
      expect(ws.state).toBe('running');
      // From inside the sandbox: only the workspace token and Hangar's URL, through the bridge to the proxy.
      const call = `curl -s "$ANTHROPIC_BASE_URL/v1/messages" -H "x-api-key: $ANTHROPIC_API_KEY" -H 'anthropic-version: 2023-06-01' -H 'content-type: application/json' -d '{"model":"hangar-demo","max_tokens":100,"messages":[{"role":"user","content":"hello"}]}'`;
      const result = (await (
        await post(`/api/workspaces/${ws.id}/exec`, { command: ['sh', '-c', call] })
      ).json()) as { stdout: string };
      const message = JSON.parse(result.stdout) as { content: { type: string; text?: string }[] };
      expect(message.content.find((b) => b.type === 'text')?.text).toBeTruthy();
      const usage = (await (await fetch(`${url}/api/usage?by=model`)).json()) as {
        rows: { key: string; calls: number }[];
      };
      expect(usage.rows.find((r) => r.key === 'hangar-demo')?.calls).toBe(1);
      await fetch(`${url}/api/workspaces/${ws.id}`, {
        method: 'DELETE',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ confirm: 'demo' }),
      });
      for (let i = 0; i < 100 && (await fetch(`${url}/api/workspaces/${ws.id}`)).status !== 404; i++)
        await new Promise((r) => setTimeout(r, 50));
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a bad configuration with one line per problem and exit code 2', async () => {
    const server = serve({
      HANGAR_DATA_DIR: tmpdir(),
      HANGAR_PORT: 'eighty',
      HANGAR_AUTH: 'none',
      HANGAR_HOST: '0.0.0.0',
    });
    expect(await server.exited).toBe(2);
    expect(server.output()).toContain('HANGAR_PORT: must be a number');
    expect(server.output()).toContain('HANGAR_AUTH=none is only allowed when Hangar listens on loopback');
  });
});
