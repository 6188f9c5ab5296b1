import type { ScenarioInput } from '@hangar/llm-scripted';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bwrapMissing, startAgentTestbed, type AgentTestbed } from '../test/agent-testbed.js';
import { createMember, type TestClient } from '../test/server.js';
import { createWorkspace, settled } from '../test/workspaces.js';

const MODEL = 'scripted-1';
const PRICE = { input: 2, output: 10, cacheRead: 0.5, cacheWrite: 3 }; // $ per million tokens

const scenario: ScenarioInput = {
  model: MODEL,
  pace: { chunkChars: 16, intervalMs: 0 },
  turns: [
    {
      match: { lastUserText: '/say hello/i' },
      reply: { text: 'Hello!', usage: { input: 1000, output: 20 } },
    },
    {
      match: { lastUserText: '/member here/i' },
      reply: { text: 'Hello, member.', usage: { input: 3000, output: 70, cacheRead: 400 } },
    },
    {
      match: { lastUserText: '/creator again/i' },
      reply: { text: 'Hi again.', usage: { input: 500, output: 9 } },
    },
  ],
  fallback: { reply: { text: 'The script has no answer for that.', usage: { input: 10, output: 5 } } },
};

interface Stored {
  id: number;
  event: { type: string; name?: string; value?: { costUsd?: number; callId?: string } };
}
interface Row {
  key: string;
  label: string;
  calls: number;
  costUsd: number;
}

/** The cost a session's events carry: the sum of their `hangar.usage` events. */
const eventCost = (events: Stored[]) =>
  events
    .filter((e) => e.event.name === 'hangar.usage')
    .reduce((sum, e) => sum + (e.event.value?.costUsd ?? 0), 0);

const AGENTS = [
  { agent: 'claude-code', providers: ['anthropic'] as const, uidBase: 930_000 },
  { agent: 'codex', providers: ['openai'] as const, uidBase: 940_000 },
];

for (const { agent, providers, uidBase } of AGENTS) {
  describe.skipIf(bwrapMissing)(`${agent}: a session's cost, charged to the person who acted`, () => {
    let bed: AgentTestbed;
    let member: TestClient;
    let memberId: string;
    let adminId: string;

    const report = async (by: string): Promise<Row[]> => {
      const res = await bed.admin.get(`/api/usage?by=${by}&workspace=${bed.workspaceId}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.rows as Row[];
    };
    const costOf = (rows: Row[], key: string) => rows.find((r) => r.key === key)?.costUsd ?? 0;
    /** What the proxy recorded for the session, read from the store. */
    const recorded = async (sessionId: string) =>
      bed.server.store.db
        .selectFrom('llm_calls')
        .select(['id', 'user_id', 'cost_usd'])
        .where('session_id', '=', sessionId)
        .orderBy('created_at')
        .execute();

    beforeAll(async () => {
      bed = await startAgentTestbed({
        scenario,
        providers: [...providers],
        uidBase,
        workspaceName: `cost-${agent}`,
        env: { HANGAR_PRICING: JSON.stringify({ 'scripted-*': PRICE }) },
      });
      member = await createMember(bed.server, bed.admin, 'bea');
      const users = (await bed.admin.get('/api/users')).body.users as { id: string; username: string }[];
      memberId = users.find((u) => u.username === 'bea')!.id;
      adminId = users.find((u) => u.username !== 'bea')!.id;
      const added = await bed.admin.request('PUT', `/api/workspaces/${bed.workspaceId}/members/${memberId}`, {
        role: 'editor',
      });
      expect(added.status, JSON.stringify(added.body)).toBe(200);
    }, 120_000);
    afterAll(async () => {
      await bed?.close();
    }, 60_000);

    it('carries in its events the cost the proxy recorded, and charges each turn to who sent it', async () => {
      const created = await bed.admin.post('/api/sessions', {
        workspaceId: bed.workspaceId,
        agent,
        model: MODEL,
        prompt: 'Say hello',
        permissionMode: 'allow_all',
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const id = created.body.id as string;
      const first = await bed.settle(id, 0);
      const firstCost = eventCost(first);
      expect(firstCost).toBeGreaterThan(0);
      // Every usage event comes before the run's end: the turn's cost is known when it ends.
      const usageAt = first.findLastIndex((e) => e.event.name === 'hangar.usage');
      expect(usageAt).toBeLessThan(first.findIndex((e) => e.event.type === 'RUN_FINISHED'));
      expect(firstCost).toBeCloseTo(
        (await recorded(id)).reduce((sum, r) => sum + r.cost_usd, 0),
        12,
      );
      expect(costOf(await report('user'), adminId)).toBeCloseTo(firstCost, 12);

      // The second member sends the next message: that turn is theirs, not the workspace creator's.
      const since = await bed.lastId(id);
      const sent = await member.post(`/api/sessions/${id}/messages`, { text: 'Member here' });
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
      const second = await bed.settle(id, since);
      const secondCost = eventCost(second);
      expect(secondCost).toBeGreaterThan(firstCost);
      const byUser = await report('user');
      expect(costOf(byUser, memberId)).toBeCloseTo(secondCost, 12);
      expect(costOf(byUser, adminId)).toBeCloseTo(firstCost, 12);
      const calls = await recorded(id);
      expect(new Set(calls.map((c) => c.user_id))).toEqual(new Set([adminId, memberId]));

      // The events of the whole session add up to what it was charged, and ?by=session says so.
      const all = (await bed.admin.get(`/api/sessions/${id}`)).body.events as Stored[];
      const charged = calls.reduce((sum, r) => sum + r.cost_usd, 0);
      expect(eventCost(all)).toBeCloseTo(charged, 12);
      const bySession = await report('session');
      const row = bySession.find((r) => r.key === id);
      expect(row).toMatchObject({ label: 'Say hello', calls: calls.length });
      expect(row!.costUsd).toBeCloseTo(charged, 12);
      // The member sees the sessions of the workspace they belong to.
      const seen = await member.get(`/api/usage?by=session&workspace=${bed.workspaceId}`);
      expect((seen.body.rows as Row[]).map((r) => r.key)).toEqual([id]);
    }, 120_000);

    it("holds a member's calls to the member's own budget, not the creator's", async () => {
      const created = await bed.admin.post('/api/sessions', {
        workspaceId: bed.workspaceId,
        agent,
        model: MODEL,
        permissionMode: 'allow_all',
      });
      const id = created.body.id as string;
      let since = await bed.lastId(id);
      await member.post(`/api/sessions/${id}/messages`, { text: 'Member here' });
      await bed.settle(id, since);
      const spent = await recorded(id);
      expect(spent.length).toBeGreaterThan(0);
      // Below what the member has spent this month: their next call is refused.
      const tiny = await bed.admin.request('PUT', `/api/budgets/user/${memberId}`, { monthlyUsd: 0.000001 });
      expect(tiny.status).toBe(200);
      try {
        since = await bed.lastId(id);
        await member.post(`/api/sessions/${id}/messages`, { text: 'Member here' });
        const refused = await bed.settle(id, since);
        expect(refused.map((e) => e.event.type)).toContain('RUN_ERROR');
        expect(await recorded(id)).toEqual(spent);

        // The creator, whose budget is not spent, goes on in the same session.
        since = await bed.lastId(id);
        await bed.admin.post(`/api/sessions/${id}/messages`, { text: 'Creator again' });
        const after = await bed.settle(id, since);
        expect(after.map((e) => e.event.type)).toContain('RUN_FINISHED');
        const calls = (await recorded(id)).slice(spent.length);
        expect(calls.length).toBeGreaterThan(0);
        expect(calls.every((c) => c.user_id === adminId)).toBe(true);
      } finally {
        await bed.admin.request('DELETE', `/api/budgets/user/${memberId}`);
      }
    }, 120_000);

    if (agent === 'claude-code')
      it('lets no process in the sandbox charge a session of another workspace, or name a person', async () => {
        const ownSession = (await bed.server.store.db
          .selectFrom('agent_sessions')
          .select(['id', 'acting_user_id'])
          .where('workspace_id', '=', bed.workspaceId)
          .where('acting_user_id', '=', memberId)
          .executeTakeFirstOrThrow())!;
        // A session of another workspace (made directly in the store: only its id matters here).
        const other = await createWorkspace(bed.admin, { name: 'elsewhere' });
        expect(other.status, JSON.stringify(other.body)).toBe(200);
        const now = new Date().toISOString();
        await bed.server.store.db
          .insertInto('agent_sessions')
          .values({
            id: 'elsewhere-session-1',
            workspace_id: other.body.id,
            agent,
            model: MODEL,
            status: 'idle',
            title: 'elsewhere',
            permission_mode: 'ask',
            agent_session_id: null,
            error: null,
            created_by: adminId,
            acting_user_id: adminId,
            created_at: now,
            updated_at: now,
            last_event_at: now,
          })
          .execute();
        const callFromSandbox = async (headers: Record<string, string>) => {
          const script = `const r = await fetch(process.env.ANTHROPIC_BASE_URL + '/v1/messages', {
            method: 'POST',
            headers: { 'x-api-key': process.env.HANGAR_TOKEN, 'anthropic-version': '2023-06-01',
              'content-type': 'application/json', ...JSON.parse(process.argv[1]) },
            body: JSON.stringify({ model: '${MODEL}', max_tokens: 50, messages: [{ role: 'user', content: 'Say hello' }] }),
          });
          console.log(JSON.stringify({ status: r.status, body: await r.json() }));`;
          const ran = await bed.admin.post(`/api/workspaces/${bed.workspaceId}/exec`, {
            command: ['/usr/bin/node', '--input-type=module', '-e', script, JSON.stringify(headers)],
          });
          expect(ran.body.exitCode, JSON.stringify(ran.body)).toBe(0);
          return JSON.parse(String(ran.body.stdout)) as {
            status: number;
            body: { error?: { type?: string } };
          };
        };
        const count = async () =>
          (await bed.server.store.db.selectFrom('llm_calls').select('id').execute()).length;

        const before = await count();
        const foreign = await callFromSandbox({ 'x-hangar-session': 'elsewhere-session-1' });
        expect(foreign.status).toBe(403);
        expect(JSON.stringify(foreign.body)).toContain('llm_session_refused');
        expect(await count()).toBe(before);

        // A session of its own workspace is charged to whoever last acted in it, whatever else is sent.
        const own = await callFromSandbox({ 'x-hangar-session': ownSession.id, 'x-hangar-user': adminId });
        expect(own.status).toBe(200);
        const last = await bed.server.store.db
          .selectFrom('llm_calls')
          .select(['session_id', 'user_id'])
          .orderBy('created_at', 'desc')
          .executeTakeFirstOrThrow();
        expect(last).toEqual({ session_id: ownSession.id, user_id: memberId });
        await bed.admin.request('DELETE', `/api/workspaces/${other.body.id}`, { confirm: 'elsewhere' });
        await settled(bed.admin, other.body.id);
      }, 120_000);
  });
}
