import type { PresenceMember, Session } from '@hangar/protocol';
import { describe, expect, it } from 'vitest';
import { stopQuestion } from './workspace-actions';

const bob: PresenceMember = {
  userId: 'bob1',
  username: 'bob',
  displayName: 'Bob',
  panel: 'terminal',
  tabs: 1,
  since: '2026-01-01T00:00:00.000Z',
};

function session(title: string): Session {
  return {
    id: `s-${title}`,
    workspaceId: 'w1',
    agent: 'claude-code',
    model: 'm',
    status: 'idle',
    stalled: false,
    title,
    permissionMode: 'ask',
    error: null,
    createdBy: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    lastEventAt: '2026-01-01T00:00:00.000Z',
  };
}

describe('the question before a workspace stops', () => {
  it('is not asked when nobody else is here and no agent session runs', () => {
    expect(stopQuestion([], [])).toBeUndefined();
  });

  it('names the sessions that will stop and says they resume', () => {
    expect(stopQuestion([], [session('Fix the build')])).toBe(
      '1 agent session (“Fix the build”) will stop, and resume when the workspace starts again. Every process in the sandbox ends; files stay.',
    );
  });

  it('names the people here now', () => {
    const asked = stopQuestion(
      [bob, { ...bob, userId: 'cy1', displayName: 'Cy' }],
      [session('a'), session('b')],
    );
    expect(asked).toContain('2 agent sessions (“a”, “b”) will stop');
    expect(asked).toContain('Bob, Cy are here now: their terminals and commands stop too.');
  });
});
