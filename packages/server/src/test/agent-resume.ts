import type { ScenarioInput } from '@hangar/llm-scripted';
import { expect } from 'vitest';
import type { AgentTestbed, Stored } from './agent-testbed.js';

type ScenarioTurnInput = NonNullable<ScenarioInput['turns']>[number];

/** What the scripted model answers to "Recall round <n>" (RESUME_TURNS). */
export const RECALL_REPLY = 'I remember everything we said so far.';

/** Turns every agent's resume contract adds to its scenario: one reply per round, and a slow one to kill. */
export const RESUME_TURNS: ScenarioTurnInput[] = [
  { name: 'resume-recall', match: { lastUserText: '/recall round/i' }, reply: { text: RECALL_REPLY } },
  {
    name: 'resume-slow',
    match: { lastUserText: '/talk slowly/i' },
    reply: {
      text: 'A slow answer, to be cut by a kill -9 of the agent.',
      pace: { chunkChars: 4, intervalMs: 300 },
    },
  },
];

/** How the agent's process goes away before a round's message: stopped, killed, or with the server. */
export type ResumeBreak = 'stop' | 'kill' | 'server-restart';

export interface ResumeContractOptions {
  agent: string;
  model: string;
  /** The scenario's reply to "Say hello" (a 'greeting' turn). */
  greeting: string;
  /** A regular expression (grep -E) for the agent's command line, for the kill -9 round. */
  processPattern: string;
  /** The rounds, in order (default: stop, kill, stop; a server restart where the bed can restart). */
  rounds?: ResumeBreak[];
}

/**
 * Resume, any number of times: a session answers, then in each round its agent process goes away
 * (a stop, a kill -9 inside the sandbox, a server restart) and the next message starts it again
 * through the agent's own resume. Every round's turn ends without an error and the model's request
 * carries the whole conversation of before: the first turn and every earlier round.
 */
export async function expectResumeEveryTime(
  bed: AgentTestbed,
  options: ResumeContractOptions,
): Promise<void> {
  const rounds = options.rounds ?? ['stop', 'kill', 'stop'];
  const created = await bed.admin.post('/api/sessions', {
    workspaceId: bed.workspaceId,
    agent: options.agent,
    model: options.model,
    prompt: 'Say hello',
    permissionMode: 'allow_all',
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.id as string;
  const first = await bed.settle(id, 0, 60_000);
  expect(errorsOf(first), JSON.stringify(first)).toEqual([]);
  expect(bed.text(first)).toBe(options.greeting);

  const earlier = ['Say hello', options.greeting];
  for (const [index, how] of rounds.entries()) {
    const round = `Recall round ${index + 1} (after ${how})`;
    await breakAgent(bed, id, how, options.processPattern);
    const since = await bed.lastId(id);
    const sent = await bed.admin.post(`/api/sessions/${id}/messages`, { text: round });
    expect(sent.status, `${round}: ${JSON.stringify(sent.body)}`).toBe(200);
    const turn = await bed.settle(id, since, 60_000);
    expect(errorsOf(turn), `${round}: ${JSON.stringify(turn)}`).toEqual([]);
    expect(bed.text(turn), round).toBe(RECALL_REPLY);
    expect(await bed.status(id), round).toBe('idle');
    const request = JSON.stringify(
      bed.provider.requests.filter((r) => r.turn?.name === 'resume-recall').at(-1)?.body,
    );
    for (const said of [...earlier, round]) expect(request, `${round} sees "${said}"`).toContain(said);
    // The history the agent replays on resume is not stored again as new turns.
    expect(
      turn.filter((e) => e.event.type === 'RUN_STARTED'),
      round,
    ).toHaveLength(1);
    earlier.push(round, RECALL_REPLY);
  }
  expect((await bed.admin.post(`/api/sessions/${id}/stop`)).status).toBe(200);
}

function errorsOf(events: Stored[]): Stored[] {
  return events.filter((e) => e.event.type === 'RUN_ERROR');
}

async function breakAgent(bed: AgentTestbed, id: string, how: ResumeBreak, pattern: string): Promise<void> {
  if (how === 'stop') {
    expect((await bed.admin.post(`/api/sessions/${id}/stop`)).status).toBe(200);
    expect(await bed.status(id)).toBe('stopped');
    return;
  }
  if (how === 'kill') {
    // Mid-turn, so that the session must notice: one RUN_ERROR. (Whether the cut turn stays in the
    // agent's history is the agent's business; the rounds before it must.)
    const since = await bed.lastId(id);
    expect(await bed.message(id, 'Talk slowly please')).toBe('sent');
    await bed.firstText(id, since);
    expect((await bed.killInSandbox(pattern)).length).toBeGreaterThan(0);
    const cut = await bed.settle(id, since);
    expect(errorsOf(cut), JSON.stringify(cut)).toHaveLength(1);
    return;
  }
  if (!bed.restartServer) throw new Error('this test bed cannot restart its server');
  await bed.restartServer();
  // resumeAll started the agent again: idle once it loaded its session.
  const deadline = Date.now() + 60_000;
  while ((await bed.status(id)) !== 'stopped' && (await bed.status(id)) !== 'idle') {
    if (Date.now() > deadline) throw new Error(`still ${await bed.status(id)} after the server restart`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
