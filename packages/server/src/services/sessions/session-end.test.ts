import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bwrapMissing, type Stored } from '../../test/agent-testbed.js';
import { ProbeAdapter } from '../../test/probe-agent.js';
import { setupAdmin, startTestServer, type TestClient, type TestServer } from '../../test/server.js';
import { createWorkspace, settled } from '../../test/workspaces.js';

type Value = Record<string, unknown>;

/** The session's status events (hangar.status values), in order. */
function statuses(events: Stored[]): Value[] {
  return events.filter((e) => e.event.name === 'hangar.status').map((e) => e.event.value as Value);
}

function types(events: Stored[]): string[] {
  return events.map((e) => e.event.type);
}

function text(events: Stored[]): string {
  return events
    .filter((e) => e.event.type === 'TEXT_MESSAGE_CONTENT')
    .map((e) => e.event.delta)
    .join('|');
}

/**
 * A session's status follows its agent (the protocol, and the whole process tree Hangar
 * started), with exactly one terminal status per run, and a stop by a person is a stop.
 * Driven through the probe agent (test/probe-agent.ts): a real process tree in a real
 * bubblewrap sandbox, a shell waiting for a Node script.
 */
describe.skipIf(bwrapMissing)('the end of an agent session', () => {
  const probe = new ProbeAdapter();
  let server: TestServer;
  let admin: TestClient;
  let adminId: string;
  let workspaceId: string;

  beforeAll(async () => {
    server = await startTestServer({
      env: { HANGAR_DEFAULT_TEMPLATE: 'default' },
      agents: new Map([['probe', probe]]),
    });
    admin = await setupAdmin(server);
    adminId = (await admin.get('/api/me')).body.user.id as string;
    const ws = await createWorkspace(admin, { name: 'session-ends' });
    expect(ws.body.state).toBe('running');
    workspaceId = ws.body.id as string;
  });
  afterAll(async () => {
    if (workspaceId)
      await admin.request('DELETE', `/api/workspaces/${workspaceId}`, { confirm: 'session-ends' });
    await server?.services.workspaces.settle();
    await server?.stop();
  });

  const events = async (id: string): Promise<Stored[]> =>
    (await admin.get(`/api/sessions/${id}`)).body.events as Stored[];
  const session = async (id: string) => (await admin.get(`/api/sessions/${id}`)).body.session;
  const waitFor = async (id: string, done: (list: Stored[]) => boolean, what: string) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const list = await events(id);
      if (done(list)) return list;
      if (Date.now() > deadline)
        throw new Error(`${what}: timed out; events: ${JSON.stringify(list.map((e) => e.event))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const exec = async (script: string) => {
    const res = await admin.post(`/api/workspaces/${workspaceId}/exec`, {
      command: ['/bin/sh', '-c', script],
    });
    expect(res.body.exitCode, JSON.stringify(res.body)).toBe(0);
  };
  const create = async () => {
    const res = await admin.post('/api/sessions', { workspaceId, agent: 'probe', model: 'probe-1' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  const message = async (id: string, text: string) => {
    const res = await admin.post(`/api/sessions/${id}/messages`, { text });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.delivery as string;
  };
  const finishedTurns = (list: Stored[]) => list.filter((e) => e.event.type === 'RUN_FINISHED').length;
  /** Sends a message that finishes at once and waits for its turn's end. */
  const answered = async (id: string, text: string) => {
    const before = finishedTurns(await events(id));
    expect(await message(id, text)).toBe('sent');
    // Finished, and the status that follows the turn's end (idle) stored too: it comes a moment later.
    return waitFor(
      id,
      (l) => finishedTurns(l) > before && statuses(l).at(-1)?.status === 'idle',
      `the turn "${text}" to finish`,
    );
  };

  it('follows the agent, not its wrapper: the turn goes on and finishes, with no RUN_ERROR and no error', async () => {
    const id = await create();
    await answered(id, 'warm up');
    expect(await message(id, 'hold w1')).toBe('sent');
    await waitFor(id, (l) => text(l).includes('turn: hold w1'), 'the held turn to start');

    // The shell Hangar's command runs (the agent's parent) dies; the agent works on, its input gone.
    const { wrapper } = probe.latest(id);
    await exec(`kill -9 ${wrapper}`);
    await waitFor(id, (l) => text(l).includes('[input closed]'), 'the agent to see its input close');
    await exec('touch /workspace/.release-w1');
    await waitFor(id, (l) => finishedTurns(l) === 2, 'the held turn to finish');

    // The next message reaches an agent (started again, resuming its session) and is answered.
    const list = await answered(id, 'after the wrapper');
    expect(text(list)).toContain('turn: after the wrapper');
    expect(types(list).filter((t) => t === 'RUN_ERROR')).toEqual([]);
    expect(statuses(list).map((s) => s.status)).not.toContain('error');
    expect(types(list).filter((t) => t === 'RUN_STARTED')).toHaveLength(3);
    expect(finishedTurns(list)).toBe(3);
    expect((await session(id)).status).toBe('idle');
    expect(probe.started.get(id)).toHaveLength(2);
    expect((await admin.post(`/api/sessions/${id}/stop`)).status).toBe(200);
  });

  it('reports a kill of the agent mid-turn once: one RUN_ERROR, one error status, then resumes', async () => {
    const id = await create();
    expect(await message(id, 'hold k1')).toBe('sent');
    await waitFor(id, (l) => text(l).includes('turn: hold k1'), 'the held turn to start');
    await exec(`kill -9 ${probe.latest(id).pid}`);
    await waitFor(id, (l) => statuses(l).some((s) => s.status === 'error'), 'the error status');

    const list = await answered(id, 'after the kill');
    const killed = list.slice(list.findIndex((e) => e.event.type === 'RUN_STARTED'));
    const errors = killed.filter((e) => e.event.type === 'RUN_ERROR');
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors[0]!.event)).toMatch(/SIGKILL|ended/);
    const sequence = statuses(killed).map((s) => s.status);
    expect(sequence.filter((s) => s === 'error')).toHaveLength(1);
    // After the error: the agent starts again (idle), runs the message and finishes it.
    expect(sequence.slice(sequence.indexOf('error'))).toEqual(['error', 'idle', 'working', 'idle']);
    expect(text(list)).toContain('turn: after the kill');
    expect((await admin.post(`/api/sessions/${id}/stop`)).status).toBe(200);
  });

  it('a stop of the session by a person is a stop: status stopped, saying who, and a RUN_ERROR only for a turn it cut', async () => {
    const id = await create();
    expect(await message(id, 'hold s1')).toBe('sent');
    await waitFor(id, (l) => text(l).includes('turn: hold s1'), 'the held turn to start');
    expect((await admin.post(`/api/sessions/${id}/stop`)).status).toBe(200);
    const list = await events(id);
    const cut = list.filter((e) => e.event.type === 'RUN_ERROR');
    expect(cut).toHaveLength(1);
    expect(cut[0]!.event).toMatchObject({ code: 'stopped' });
    expect(statuses(list).at(-1)).toMatchObject({ status: 'stopped', stoppedBy: adminId });
    expect(statuses(list).map((s) => s.status)).not.toContain('error');
    expect((await session(id)).status).toBe('stopped');
  });

  it('stopping the workspace stops its sessions as a stop (no failure said anywhere), and starting it resumes them', async () => {
    const idle = await create();
    await answered(idle, 'before the stop');
    const since = (await events(idle)).at(-1)!.id;

    const stopped = await admin.post(`/api/workspaces/${workspaceId}/stop`);
    expect(stopped.status, JSON.stringify(stopped.body)).toBe(200);
    expect((await session(idle)).status).toBe('stopped');
    const atStop = (await events(idle)).filter((e) => e.id > since);
    expect(types(atStop)).not.toContain('RUN_ERROR');
    expect(statuses(atStop)).toEqual([
      expect.objectContaining({ status: 'stopped', stoppedBy: adminId, withWorkspace: true }),
    ]);
    expect(JSON.stringify(atStop)).not.toMatch(/unexpected|SIGKILL/);

    // No failure notification, no chat post of a failure.
    await server.services.team.settle();
    const notifications = (await admin.get('/api/notifications')).body.notifications as Value[];
    const failures = notifications.filter((n) => n.kind === 'failed' && String(n.link).includes(idle));
    expect(failures).toEqual([]);
    const chat = (await admin.get(`/api/workspaces/${workspaceId}/chat/messages`)).body.messages as Value[];
    const posts = chat.filter((m) => m.sessionId === idle).map((m) => m.text);
    expect(posts.length).toBeGreaterThan(0); // "Ada started a Probe session": chat does hear of it
    expect(posts.join('\n')).not.toMatch(/failed|unexpected/);

    // Start: the session that was live resumes, and answers.
    const started = await admin.post(`/api/workspaces/${workspaceId}/start`);
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    expect((await settled(admin, workspaceId)).body.state).toBe('running');
    await waitFor(idle, (l) => statuses(l).at(-1)?.status === 'idle', 'the session to resume');
    const list = await answered(idle, 'after the start');
    expect(text(list)).toContain('turn: after the start');
    expect((await session(idle)).status).toBe('idle');
    const after = list.filter((e) => e.id > since);
    expect(statuses(after).map((s) => s.status)).not.toContain('error');
    expect((await admin.post(`/api/sessions/${idle}/stop`)).status).toBe(200);
  });
});
