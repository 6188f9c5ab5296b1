import type { ScenarioInput } from '@hangar/llm-scripted';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bwrapMissing, startAgentTestbed, type AgentTestbed, type Stored } from '../../test/agent-testbed.js';

const MODEL = 'scripted-1';
const write = (path: string, content: string) => ({ name: 'write', input: { path, content } });
const turn = (name: string, text: RegExp, path: string, content: string) => [
  {
    name,
    match: { lastUserText: String(text), step: 1 },
    reply: { text: `Writing ${path}.`, toolCalls: [write(path, content)] },
  },
  {
    name: `${name}-done`,
    match: { lastUserText: String(text), step: 2, toolResult: true },
    reply: { text: 'Done.' },
  },
];

const scenario: ScenarioInput = {
  model: MODEL,
  turns: [
    ...turn('first', /first file/i, 'first.txt', 'one\ntwo\n'),
    ...turn('second', /second file/i, 'notes/second.txt', 'alpha\n'),
  ],
  fallback: { reply: { text: 'The script has no answer for that.' } },
};

describe.skipIf(bwrapMissing)('per-turn diffs of a Pi session', () => {
  let bed: AgentTestbed;

  beforeAll(async () => {
    bed = await startAgentTestbed({
      scenario,
      providers: ['anthropic', 'openai'],
      uidBase: 1_150_000,
      workspaceName: 'turns',
    });
  }, 60_000);
  afterAll(async () => {
    await bed?.close();
  });

  const runIds = (events: Stored[]) =>
    events
      .filter((e) => e.event.type === 'RUN_STARTED')
      .map((e) => (e.event as unknown as { runId: string }).runId);

  it('shows what each turn changed, and not what came before it', async () => {
    const { admin, workspaceId, waitFor, turnEnded, lastId, send } = bed;
    const exec = (script: string) =>
      admin.post(`/api/workspaces/${workspaceId}/exec`, { command: ['sh', '-c', script] });
    // A workspace without a repository: the snapshots go to a private one, outside its tree.
    expect((await exec('printf "before\\n" > old.txt')).body.exitCode).toBe(0);

    const created = await admin.post('/api/sessions', {
      workspaceId,
      agent: 'pi',
      model: MODEL,
      prompt: 'Write the first file',
      permissionMode: 'allow_all',
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const first = await waitFor(id, 0, turnEnded);
    const [run1] = runIds(first);
    expect(run1).toBeDefined();

    // A change by someone else between the turns belongs to neither. (The end of a turn is
    // recorded just after its RUN_FINISHED: the GET waits for it, so the change comes after.)
    expect((await admin.get(`/api/sessions/${id}/turns/${run1}/diff`)).status).toBe(200);
    expect((await exec('printf "by hand\\n" >> old.txt')).body.exitCode).toBe(0);
    const since = await lastId(id);
    await send(id, 'Now the second file');
    const second = await waitFor(id, since, turnEnded);
    const [run2] = runIds(second);
    expect(run2).toBeDefined();

    const diff1 = await admin.get(`/api/sessions/${id}/turns/${run1}/diff`);
    expect(diff1.status).toBe(200);
    expect(diff1.body.files).toEqual([
      expect.objectContaining({ path: 'first.txt', status: 'added', additions: 2, deletions: 0 }),
    ]);
    expect(diff1.body.files[0].patch).toContain('+one\n+two');

    const diff2 = await admin.get(`/api/sessions/${id}/turns/${run2}/diff`);
    expect(diff2.status).toBe(200);
    expect(diff2.body).toMatchObject({ sessionId: id, turnId: run2, additions: 1, deletions: 0 });
    expect(diff2.body.files.map((f: { path: string }) => f.path)).toEqual(['notes/second.txt']);

    const list = await admin.get(`/api/sessions/${id}/turns`);
    expect(list.body.turns.map((t: { turnId: string }) => t.turnId)).toEqual([run1, run2]);
    expect(list.body.turns[0].files[0]).not.toHaveProperty('patch');

    expect((await admin.get(`/api/sessions/${id}/turns/nosuchturn/diff`)).status).toBe(404);
    expect(bed.server.services.diff.turns.failures).toEqual([]);
    await admin.post(`/api/sessions/${id}/stop`);
  }, 90_000);

  it('shares snapshots among turns that start at once in one workspace', async () => {
    const turns = bed.server.services.diff.turns;
    const before = turns.snapshotsTaken;
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        turns.beforeTurn({ sessionId: `together-${i}`, workspaceId: bed.workspaceId }),
      ),
    );
    // One at most running, the rest sharing the next: never six in a row.
    expect(turns.snapshotsTaken - before).toBeGreaterThanOrEqual(1);
    expect(turns.snapshotsTaken - before).toBeLessThanOrEqual(2);
    expect(turns.failures).toEqual([]);
  });
});
