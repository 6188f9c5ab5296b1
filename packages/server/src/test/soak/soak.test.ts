import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startScriptedProvider, type ScenarioInput, type ScriptedProvider } from '@hangar/llm-scripted';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bwrapMissing, type ServerProcess, type Stored } from '../agent-testbed.js';
import { TestClient } from '../server.js';
import { SseReader } from '../team.js';
import { TerminalClient } from '../terminal-client.js';
import { createWorkspace } from '../workspaces.js';
import { mountsUnder, openFds, processesOfUids, rssBytes, untilEmpty } from '../crash/leftovers.js';
import { startServerProcess } from '../crash/server-process.js';

/** How long the load runs, in s: about 45 in CI; 600 (or more) is the full soak. */
const SECONDS = Number(process.env.HANGAR_SOAK_SECONDS ?? 45);
const FULL = SECONDS >= 600;
/** The full soak's 20 sessions and 50 terminals; CI's 2 cores get fewer unless these say otherwise. */
const SESSIONS = Number(process.env.HANGAR_SOAK_SESSIONS ?? (FULL ? 20 : 5));
const TERMINALS = Number(process.env.HANGAR_SOAK_TERMINALS ?? (FULL ? 50 : 15));
const TERMINALS_PER_WORKSPACE = 10;
/** The first third of the run (at least 10 s) warms up: caches, pools, JIT. */
const WARM_UP_MS = Math.max(10_000, (SECONDS * 1000) / 3);
const SAMPLE_MS = 1_000;
/** Growth allowed after the warm-up, from the first to the last quarter of the samples. */
const RSS_BOUND_BYTES = 64 * 1024 * 1024;
const FD_BOUND = 16;
const MODEL = 'scripted-1';
const GREETING = 'Hello from the scripted model, again and again.';
const scenario: ScenarioInput = {
  model: MODEL,
  pace: { chunkChars: 8, intervalMs: 20 },
  turns: [{ name: 'greeting', match: { lastUserText: '/say hello/i' }, reply: { text: GREETING } }],
  fallback: { reply: { text: 'The script has no answer for that.' } },
};
const UID_BASE = 2_100_000 + Math.floor(Math.random() * 900) * 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

interface Sample {
  at: number;
  rss: number;
  fds: number;
}

describe.skipIf(bwrapMissing)('soak: agent sessions and busy terminals under steady load', () => {
  let provider: ScriptedProvider;
  let server: ServerProcess | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'hangar-soak-'));

  beforeAll(async () => {
    provider = await startScriptedProvider({ scenario });
  });
  const workspaces: { id: string; name: string }[] = [];
  afterAll(async () => {
    // After a failure: the sandboxes go down through the server, then the server.
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      const client = new TestClient(server.url);
      for (const ws of workspaces)
        await client
          .request('DELETE', `/api/workspaces/${ws.id}`, { confirm: ws.name })
          .catch(() => undefined);
      await server.stop();
    }
    await server?.kill();
    await provider?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    `${SESSIONS} sessions and ${TERMINALS} terminals for ${SECONDS} s: memory and descriptors stay flat, no errors`,
    async () => {
      console.log(
        `soak: ${SESSIONS} agent sessions, ${TERMINALS} terminals, ${SECONDS} s` +
          (FULL
            ? ' (full run)'
            : ' (CI scale: the full run is HANGAR_SOAK_SECONDS=600, 20 sessions, 50 terminals)'),
      );
      server = await startServerProcess({
        HANGAR_DATA_DIR: dataDir,
        HANGAR_PORT: '0',
        HANGAR_HOST: '127.0.0.1',
        HANGAR_AUTH: 'none',
        HANGAR_LOG_LEVEL: 'warn',
        HANGAR_DEFAULT_TEMPLATE: 'default',
        HANGAR_SANDBOX_UID_BASE: String(UID_BASE),
        HANGAR_SANDBOX_UID_COUNT: '100',
        HANGAR_TERMINALS_PER_WORKSPACE: String(TERMINALS_PER_WORKSPACE),
        HANGAR_PROVIDERS: JSON.stringify({
          anthropic: { kind: 'anthropic', baseUrl: provider.url, keyless: true },
        }),
      });
      const client = new TestClient(server.url);
      const pid = server.child.pid!;
      const errors: string[] = [];

      for (let i = 0; i < Math.max(1, Math.ceil(TERMINALS / TERMINALS_PER_WORKSPACE)); i++) {
        const ws = await createWorkspace(client, { name: `soak-${i}` });
        expect(ws.body.state).toBe('running');
        workspaces.push({ id: ws.body.id as string, name: `soak-${i}` });
      }
      const terminals: { workspaceId: string; id: string }[] = [];
      for (let i = 0; i < TERMINALS; i++) {
        const workspaceId = workspaces[i % workspaces.length]!.id;
        const created = await client.post(`/api/workspaces/${workspaceId}/terminals`, {
          command: ['/bin/sh', '-c', 'n=0; while :; do n=$((n+1)); echo "tick $n"; sleep 0.5; done'],
        });
        expect(created.status, JSON.stringify(created.body)).toBe(201);
        terminals.push({ workspaceId, id: created.body.id as string });
      }
      const sessions: string[] = [];
      for (let i = 0; i < SESSIONS; i++) {
        const created = await client.post('/api/sessions', {
          workspaceId: workspaces[i % workspaces.length]!.id,
          agent: 'pi',
          model: MODEL,
          permissionMode: 'allow_all',
        });
        expect(created.status, JSON.stringify(created.body)).toBe(201);
        sessions.push(created.body.id as string);
      }

      const deadline = Date.now() + SECONDS * 1000;
      const samples: Sample[] = [];
      const start = Date.now();
      const sampler = (async () => {
        while (Date.now() < deadline) {
          samples.push({ at: Date.now() - start, rss: rssBytes(pid), fds: openFds(pid) });
          await sleep(SAMPLE_MS);
        }
      })();
      let turns = 0;
      let viewerCycles = 0;
      let chatPosts = 0;
      // Each session: a turn, read over its event stream, then the next one.
      const sessionLoad = sessions.map(async (id) => {
        while (Date.now() < deadline) {
          const before = (await client.get(`/api/sessions/${id}`)).body.events as Stored[];
          const stream = await SseReader.open(
            client,
            `/api/sessions/${id}/events?after=${before.at(-1)?.id ?? 0}`,
          );
          try {
            const sent = await client.post(`/api/sessions/${id}/messages`, { text: 'Say hello' });
            if (sent.status !== 200) errors.push(`message: ${sent.status} ${JSON.stringify(sent.body)}`);
            const ended = await stream.waitFor(
              (events) => events.some((e) => e.event === 'RUN_FINISHED' || e.event === 'RUN_ERROR'),
              60_000,
            );
            if (ended.some((e) => e.event === 'RUN_ERROR')) errors.push(`session ${id}: RUN_ERROR`);
            turns++;
          } finally {
            stream.close();
          }
        }
      });
      // Each terminal: a viewer that watches its counter for a while, leaves, and comes back.
      const terminalLoad = terminals.map(async ({ workspaceId, id }) => {
        while (Date.now() < deadline) {
          const viewer = await TerminalClient.open(client, workspaceId, id);
          try {
            const seen = viewer.bytes;
            await sleep(2_000 + Math.random() * 2_000);
            if (viewer.bytes === seen) errors.push(`terminal ${id}: no output for 2 s`);
            viewerCycles++;
          } finally {
            viewer.close();
          }
        }
      });
      const chatLoad = (async () => {
        while (Date.now() < deadline) {
          const res = await client.post(`/api/workspaces/${workspaces[0]!.id}/chat/messages`, {
            text: `soak ${chatPosts}`,
          });
          if (res.status !== 201) errors.push(`chat: ${res.status}`);
          chatPosts++;
          await sleep(250);
        }
      })();
      await Promise.all([sampler, chatLoad, ...sessionLoad, ...terminalLoad]);

      const after = samples.filter((s) => s.at >= WARM_UP_MS);
      expect(after.length, 'samples after the warm-up').toBeGreaterThanOrEqual(8);
      const quarter = Math.max(2, Math.floor(after.length / 4));
      const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
      const rssStart = median(after.slice(0, quarter).map((s) => s.rss));
      const rssEnd = median(after.slice(-quarter).map((s) => s.rss));
      const fdStart = median(after.slice(0, quarter).map((s) => s.fds));
      const fdEnd = median(after.slice(-quarter).map((s) => s.fds));
      const serverErrors = server
        .output()
        .split('\n')
        .filter((line) => /"level":(50|60)/.test(line));
      console.log(
        [
          `soak figures: ${turns} agent turns, ${viewerCycles} terminal viewer attach/detach cycles, ${chatPosts} chat posts`,
          `  RSS after warm-up (${(WARM_UP_MS / 1000).toFixed(0)} s): ${MB(rssStart)} -> ${MB(rssEnd)} (growth ${MB(rssEnd - rssStart)}, bound ${MB(RSS_BOUND_BYTES)}; peak ${MB(Math.max(...samples.map((s) => s.rss)))})`,
          `  open fds after warm-up: ${fdStart} -> ${fdEnd} (growth ${fdEnd - fdStart}, bound ${FD_BOUND}; range ${Math.min(...after.map((s) => s.fds))}-${Math.max(...after.map((s) => s.fds))})`,
          `  errors: ${errors.length} client-side, ${serverErrors.length} server error log lines`,
        ].join('\n'),
      );
      expect(errors).toEqual([]);
      expect(serverErrors).toEqual([]);
      expect(turns).toBeGreaterThanOrEqual(SESSIONS);
      expect(rssEnd - rssStart).toBeLessThanOrEqual(RSS_BOUND_BYTES);
      expect(fdEnd - fdStart).toBeLessThanOrEqual(FD_BOUND);

      // The end: sessions, terminals and sandboxes all go; nothing is left behind.
      for (const id of sessions) expect((await client.post(`/api/sessions/${id}/stop`)).status).toBe(200);
      for (const ws of workspaces)
        expect(
          (await client.request('DELETE', `/api/workspaces/${ws.id}`, { confirm: ws.name })).status,
        ).toBe(200);
      await server.stop();
      expect(server.child.exitCode, server.output().slice(-2000)).toBe(0);
      server = undefined;
      expect(await untilEmpty(() => processesOfUids(UID_BASE, 100), 20_000)).toEqual([]);
      expect(mountsUnder(dataDir)).toEqual([]);
    },
    SECONDS * 1000 + 240_000,
  );
});
