import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventType } from '@hangar/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMember,
  setupAdmin,
  startTestServer,
  type TestClient,
  type TestServer,
} from '../../test/server.js';
import { createWorkspace } from '../../test/workspaces.js';
import { workspacePaths } from '../workspaces/lifecycle.js';
import { LiveDiff, type LiveTarget } from './live-diff.js';
import { DEFAULT_CAPS } from './patch-parser.js';
import { SseTestClient } from '../../test/sse-client.js';
import { bwrapMissing } from '../../test/requirements.js';

if (bwrapMissing && process.env.CI === 'true')
  throw new Error('CI requires bubblewrap: run scripts/setup-test-env.sh');

describe.skipIf(bwrapMissing)('live diff of a bubblewrap workspace', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hangar-diff-'));
  const hostMarkers = mkdtempSync(join(tmpdir(), 'hangar-diff-markers-'));
  const env = {
    HANGAR_DEFAULT_TEMPLATE: 'offline',
    HANGAR_SANDBOX_UID_BASE: String(1_100_000 + Math.floor(Math.random() * 400) * 100),
    HANGAR_SANDBOX_UID_COUNT: '100',
  };
  let server: TestServer;
  let admin: TestClient;
  let id: string;
  const streams: SseTestClient[] = [];
  const sh = async (script: string) => {
    const res = await admin.post(`/api/workspaces/${id}/exec`, { command: ['sh', '-c', script] });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.exitCode, res.body.stderr).toBe(0);
    return res.body.stdout as string;
  };
  const open = async (client: TestClient, path: string, headers?: Record<string, string>) => {
    const stream = await SseTestClient.open(client, path, headers);
    streams.push(stream);
    return stream;
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies, asserted field by field
  const fileOf = (diff: { files: { path: string }[] }, path: string): any =>
    diff.files.find((f) => f.path === path);

  beforeAll(async () => {
    server = await startTestServer({ dataDir, env });
    admin = await setupAdmin(server);
    const ws = await createWorkspace(admin, { name: 'diffs' });
    expect(ws.body.state).toBe('running');
    id = ws.body.id;
    await sh(`git init -q -b main && git config user.email a@example.com && git config user.name A &&
      seq 1 10 > a.txt && seq 1 5 > b.txt && printf 'keep\\n' > c.txt && git add . && git commit -qm init`);
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    if (id) await admin?.request('DELETE', `/api/workspaces/${id}`, { confirm: 'diffs' });
    await server?.services.workspaces.settle();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(hostMarkers, { recursive: true, force: true });
  });

  it('pushes a write to an SSE client, with counts and untracked files', async () => {
    const stream = await open(admin, `/api/workspaces/${id}/diff/events`);
    expect(stream.status).toBe(200);
    const first = await stream.waitFor((e) => e.event === 'diff');
    expect(first.data).toMatchObject({ repository: true, files: [], additions: 0, deletions: 0 });
    expect(first.data.head).toMatch(/^[0-9a-f]{40}$/);

    await sh(
      `seq 1 12 | sed 's/^3$/three/' > a.txt && rm b.txt && mkdir -p new && printf 'x\\ny\\n' > new/u.txt`,
    );
    // How fast is bench/suites/diff.js's question; here only that the push comes, with its content.
    const next = await stream.waitFor((e) => e.event === 'diff' && e.data.files.length === 3, 1);
    const diff = next.data;
    expect(fileOf(diff, 'a.txt')).toMatchObject({ status: 'modified', additions: 3, deletions: 1 });
    expect(fileOf(diff, 'a.txt').patch).toContain('+three');
    expect(fileOf(diff, 'b.txt')).toMatchObject({ status: 'deleted', additions: 0, deletions: 5 });
    expect(fileOf(diff, 'new/u.txt')).toMatchObject({ status: 'untracked', additions: 2, deletions: 0 });
    expect(diff).toMatchObject({ additions: 5, deletions: 6, truncated: false });
    expect(next.id).toBe(diff.etag);

    // Staged, renamed: what git status calls them.
    await sh('git mv c.txt d.txt && git add new/u.txt');
    const staged = await stream.waitFor((e) => e.event === 'diff' && !!fileOf(e.data, 'd.txt'), 2);
    expect(fileOf(staged.data, 'd.txt')).toMatchObject({ status: 'renamed', oldPath: 'c.txt' });
    expect(fileOf(staged.data, 'new/u.txt')).toMatchObject({ status: 'added' });
    await sh('git reset -q && git mv d.txt c.txt 2>/dev/null || mv d.txt c.txt');
  });

  it('answers every poll while untracked files come and go under git', async () => {
    // In the sandbox, short-lived files appear and vanish as people's and agents' tools make them.
    const churn = admin.post(`/api/workspaces/${id}/exec`, {
      command: ['sh', '-c', 'i=0; while [ $i -lt 3000 ]; do : >churn-$i; rm -f churn-$i; i=$((i + 1)); done'],
    });
    const statuses: (number | string)[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await admin.get(`/api/workspaces/${id}/diff`);
      statuses.push(res.status === 200 ? 200 : `${res.status} ${JSON.stringify(res.body)}`);
    }
    expect((await churn).body.exitCode).toBe(0);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const after = await admin.get(`/api/workspaces/${id}/diff`);
    expect(after.body.files.map((f: { path: string }) => f.path)).not.toContain('churn-2999');
  }, 90_000);

  it('answers polling clients with an ETag and 304, and can leave the patches out', async () => {
    const first = await admin.get(`/api/workspaces/${id}/diff`);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    expect(etag).toBe(`"${first.body.etag}"`);
    const again = await admin.request('GET', `/api/workspaces/${id}/diff`, undefined, {
      headers: { 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    const summary = await admin.get(`/api/workspaces/${id}/diff?summary=true`);
    expect(summary.body.files.length).toBe(first.body.files.length);
    expect(summary.body.files[0]).not.toHaveProperty('patch');
    expect(summary.headers.get('etag')).not.toBe(etag);

    await sh('echo more >> a.txt');
    // The watch sees the write a moment later (how soon depends on the machine): poll as a client would.
    const changedAgainst = () =>
      admin.request('GET', `/api/workspaces/${id}/diff`, undefined, { headers: { 'if-none-match': etag } });
    await expect
      .poll(async () => (await changedAgainst()).status, { timeout: 30_000, interval: 200 })
      .toBe(200);
    const changed = await changedAgainst();
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it('recomputes nothing while nothing changes, not even for writes git makes to its objects', async () => {
    const stream = await open(admin, `/api/workspaces/${id}/diff/events`);
    await stream.waitFor((e) => e.event === 'diff');
    await new Promise((r) => setTimeout(r, 300));
    const before = server.services.diff.stats(id);
    expect(before.watching).toBe(true);
    for (let i = 0; i < 5; i++) expect((await admin.get(`/api/workspaces/${id}/diff`)).status).toBe(200);
    await sh('echo blob | git hash-object -w --stdin >/dev/null');
    await new Promise((r) => setTimeout(r, 1200)); // past the fingerprint poll
    expect(server.services.diff.stats(id).recomputes).toBe(before.recomputes);

    // A commit changes HEAD and the index only: the fingerprint sees it.
    const events = stream.events.length;
    await sh('git add -A && git commit -qm second');
    const clean = await stream.waitFor((e) => e.event === 'diff' && e.data.files.length === 0, events);
    expect(clean.data.head).not.toBe(stream.events[0]!.data.head);
    expect(server.services.diff.stats(id).recomputes).toBeGreaterThan(before.recomputes);
  });

  it('truncates a very large file’s patch and says so, with exact counts', async () => {
    await sh('seq 1 40000 > big.txt');
    await expect
      .poll(async () => !!fileOf((await admin.get(`/api/workspaces/${id}/diff`)).body, 'big.txt'), {
        timeout: 30_000,
        interval: 200,
      })
      .toBe(true);
    const diff = (await admin.get(`/api/workspaces/${id}/diff`)).body;
    const big = fileOf(diff, 'big.txt');
    expect(big).toMatchObject({ status: 'untracked', additions: 40000, truncated: true });
    expect(big.patch.length).toBeLessThanOrEqual(128 * 1024);
    expect(big.patch.length).toBeGreaterThan(64 * 1024);
    expect(diff.truncated).toBe(true);
    await sh('rm big.txt');
  });

  it('recomputes only the changed paths, and agrees with a whole-tree recompute', async () => {
    const stream = await open(admin, `/api/workspaces/${id}/diff/events`);
    await stream.waitFor((e) => e.event === 'diff');
    const stats = () => server.services.diff.stats(id);
    /** The diff a new LiveDiff computes over the whole tree. */
    const whole = async () => {
      const service = server.services.diff as unknown as { target(id: string): Promise<LiveTarget> };
      const live = new LiveDiff(await service.target(id), {
        caps: DEFAULT_CAPS,
        quietMs: 25,
        maxWaitMs: 120,
        pollMs: 500,
        leaseMs: 1000,
      });
      try {
        return await live.get({ lease: false });
      } finally {
        await live.close('checked');
      }
    };
    /** Runs a script, waits for the event that matches, then for the served diff to be the whole-tree one, and returns it. */
    const step = async (script: string, match: (diff: { files: { path: string }[] }) => boolean) => {
      const from = stream.events.length;
      await sh(script);
      await stream.waitFor((e) => e.event === 'diff' && match(e.data), from);
      const expected = await whole();
      let served: { etag: string; files: { path: string }[] } | undefined;
      await expect
        .poll(async () => (served = (await admin.get(`/api/workspaces/${id}/diff`)).body).etag, {
          timeout: 10_000,
        })
        .toBe(expected.etag);
      return served!;
    };
    await step(
      `printf 'base\\n' > e.txt && mkdir -p dir && printf 'in dir\\n' > dir/f.txt && git add -A && git commit -qm base`,
      (d) => d.files.length === 0,
    );
    const fullBefore = stats().fullRecomputes;

    // A file edited twice shows its second content.
    await step(`printf 'one\\n' >> e.txt`, (d) => !!fileOf(d, 'e.txt')?.patch.includes('+one'));
    let diff = await step(`printf 'two\\n' > e.txt`, (d) => !!fileOf(d, 'e.txt')?.patch.includes('+two'));
    expect(fileOf(diff, 'e.txt').patch).not.toContain('+one');
    expect(fileOf(diff, 'e.txt')).toMatchObject({ status: 'modified', additions: 1, deletions: 1 });
    expect(stats().lastTimings).toMatchObject({ kind: 'paths', paths: 1 });

    // Untracked names git quotes.
    const weird = 'we"ird\tname.txt';
    diff = await step(
      `printf 'x\\n' > 'we"ird\tname.txt' && printf 'u\\n' > ünï.txt`,
      (d) => !!fileOf(d, weird),
    );
    expect(fileOf(diff, weird)).toMatchObject({ status: 'untracked', additions: 1 });
    expect(fileOf(diff, 'ünï.txt')).toMatchObject({ status: 'untracked', additions: 1 });

    // A deletion pairs with an untracked file diffed before it, as a whole-tree run pairs them.
    await step(`printf 'keep\\n' > moved.txt`, (d) => !!fileOf(d, 'moved.txt'));
    diff = await step('rm c.txt', (d) => fileOf(d, 'moved.txt')?.status === 'renamed');
    expect(fileOf(diff, 'moved.txt')).toMatchObject({ oldPath: 'c.txt' });
    expect(fileOf(diff, 'c.txt')).toBeUndefined();

    // A directory moved: one watch event for each side stands for what is under it.
    diff = await step('mv dir dir2', (d) => !!fileOf(d, 'dir2/f.txt'));
    expect(fileOf(diff, 'dir2/f.txt')).toMatchObject({ status: 'renamed', oldPath: 'dir/f.txt' });

    // A stat change alone is no change.
    const recomputes = stats().recomputes;
    await sh('touch a.txt');
    await expect.poll(() => stats().recomputes, { timeout: 10_000 }).toBeGreaterThan(recomputes);
    expect(fileOf((await admin.get(`/api/workspaces/${id}/diff`)).body, 'a.txt')).toBeUndefined();
    expect(stats().fullRecomputes).toBe(fullBefore);

    // A path staged, then edited: diffed against HEAD, not the index.
    await sh('git add e.txt');
    await expect.poll(() => stats().fullRecomputes, { timeout: 10_000 }).toBeGreaterThan(fullBefore);
    diff = await step(`printf 'three\\n' >> e.txt`, (d) => !!fileOf(d, 'e.txt')?.patch.includes('+three'));
    expect(fileOf(diff, 'e.txt').patch).toContain('+two');
    expect(stats().lastTimings).toMatchObject({ kind: 'paths' });

    // .gitignore changes what is untracked anywhere: the whole tree.
    diff = await step(`printf 'moved.txt\\n' > .gitignore`, (d) => !fileOf(d, 'moved.txt'));
    expect(fileOf(diff, 'c.txt')).toMatchObject({ status: 'deleted' });
    expect(stats().lastTimings).toMatchObject({ kind: 'full' });
    // So does .git/info/exclude (outside the tree's watch: the git state fingerprint).
    await step(`printf 'ünï.txt\\n' > .git/info/exclude`, (d) => !fileOf(d, 'ünï.txt'));
    expect(stats().lastTimings).toMatchObject({ kind: 'full' });
    await step('git reset -q --hard && git clean -fdxq', (d) => d.files.length === 0);
  });

  it('stops watching when the last subscriber leaves', async () => {
    const stream = await open(admin, `/api/workspaces/${id}/diff/events`);
    await stream.waitFor((e) => e.event === 'diff');
    for (const s of streams) s.close();
    // The GETs above hold a lease for polling clients; end it as its timer would.
    const live = (server.services.diff as unknown as { live: Map<string, { lease?: NodeJS.Timeout }> }).live;
    const lease = live.get(id)?.lease;
    expect(lease).toBeDefined();
    (lease as unknown as { _onTimeout: () => void })._onTimeout();
    await expect.poll(() => server.services.diff.stats(id).watching, { timeout: 10_000 }).toBe(false);
  });

  it('lets viewers read and refuses strangers and bad ids', async () => {
    const bob = await createMember(server, admin, 'bob');
    const carol = await createMember(server, admin, 'carol');
    const bobId = (await bob.get('/api/me')).body.id ?? (await bob.get('/api/me')).body.user?.id;
    expect(
      (await admin.request('PUT', `/api/workspaces/${id}/members/${bobId}`, { role: 'viewer' })).status,
    ).toBe(200);
    expect((await bob.get(`/api/workspaces/${id}/diff`)).status).toBe(200);
    const viewerStream = await open(bob, `/api/workspaces/${id}/diff/events`);
    expect(viewerStream.status).toBe(200);
    expect((await carol.get(`/api/workspaces/${id}/diff`)).status).toBe(404);
    expect((await open(carol, `/api/workspaces/${id}/diff/events`)).status).toBe(404);
    expect((await admin.get('/api/workspaces/nosuch/diff')).status).toBe(404);
    const bad = await admin.get(`/api/workspaces/${id}/diff?summary=maybe`);
    expect(bad.status).toBe(400);
    expect((await admin.get('/api/sessions/nosuch/turns/bad!turn/diff')).status).toBe(400);
  });

  it('runs none of a hostile repository’s hooks, filters, fsmonitor, textconv or pager', async () => {
    const markers = ['fsmonitor', 'pager', 'clean', 'smudge', 'process', 'textconv', 'external', 'hook'];
    const cmd = (name: string) => `touch /workspace/.pwned-${name} ${hostMarkers}/${name}`;
    await sh(`git config core.fsmonitor '${cmd('fsmonitor')}' && git config core.pager '${cmd('pager')}' &&
      git config filter.evil.clean '${cmd('clean')}; cat' && git config filter.evil.smudge '${cmd('smudge')}; cat' &&
      git config filter.evil.process '${cmd('process')}' && git config diff.evil.textconv '${cmd('textconv')}; cat' &&
      git config diff.external '${cmd('external')}' &&
      printf '* filter=evil diff=evil\\n' > .gitattributes &&
      for h in pre-commit post-checkout post-index-change reference-transaction fsmonitor-watchman; do
        printf '#!/bin/sh\\n${cmd('hook')}\\n' > .git/hooks/$h && chmod +x .git/hooks/$h; done`);
    const stream = await open(admin, `/api/workspaces/${id}/diff/events`);
    await stream.waitFor((e) => e.event === 'diff');
    const from = stream.events.length;
    await sh('echo hostile >> a.txt');
    const seen = await stream.waitFor((e) => e.event === 'diff' && !!fileOf(e.data, 'a.txt'), from);
    expect(fileOf(seen.data, 'a.txt').patch).toContain('+hostile');
    expect((await admin.get(`/api/workspaces/${id}/diff`)).status).toBe(200);

    // A turn's snapshots and diff, through the observer the session service calls.
    const { turns } = server.services.diff;
    const ref = { sessionId: 'hostilesession', workspaceId: id };
    await turns.beforeTurn(ref);
    turns.onEvent(ref, { type: EventType.RUN_STARTED, threadId: 't', runId: 'run1' });
    await sh('echo turn > turn.txt');
    turns.onEvent(ref, { type: EventType.RUN_FINISHED, threadId: 't', runId: 'run1' });
    const turn = await turns.get(id, 'hostilesession', 'run1');
    expect(turns.failures).toEqual([]);
    expect(turn?.files.map((f) => f.path)).toEqual(['turn.txt']);

    const work = workspacePaths(dataDir, id).work;
    const left = readdirSync(work).filter((n) => n.startsWith('.pwned'));
    expect(left).toEqual([]);
    expect(readdirSync(hostMarkers)).toEqual([]);
    for (const name of markers) expect(existsSync(join(hostMarkers, name)), name).toBe(false);
  });
});
