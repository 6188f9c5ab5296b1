import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SseReader, startTeamBed, type TeamBed } from '../../test/team.js';
import { PRESENCE_TIMEOUT_MS } from './presence-service.js';
import { TestClock } from '../../test/clock.js';

// Presence is kept in the database (so other replicas see it; see replicas-live.test.ts): SQLite here.
describe('presence', () => {
  let bed: TeamBed;
  const clock = new TestClock(Date.now());
  const readers: SseReader[] = [];
  let base: string;
  const open = async (client: TeamBed['bob'], tab: string, panel?: string) => {
    const reader = await SseReader.open(client, `${base}/stream?tab=${tab}${panel ? `&panel=${panel}` : ''}`);
    readers.push(reader);
    expect(reader.status).toBe(200);
    await reader.waitFor((events) => events.some((e) => e.event === 'snapshot'));
    return reader;
  };
  const members = async () =>
    (await bed.admin.get(base)).body.members as { username: string; tabs: number; panel: string | null }[];

  beforeAll(async () => {
    bed = await startTeamBed({ clock });
    base = `/api/workspaces/${bed.workspaceId}/presence`;
  });
  afterAll(async () => {
    for (const reader of readers) reader.close();
    await bed?.close();
  });

  it('broadcasts joins, counts several tabs of one person once, and leaves with the last tab', async () => {
    const ada = await open(bed.admin, 'ada-tab-000001', 'terminal');
    expect(ada.named('snapshot')[0]?.data).toMatchObject({
      members: [{ username: 'ada', panel: 'terminal', tabs: 1 }],
    });
    const bob1 = await open(bed.bob, 'bob-tab-000001', 'agent');
    await ada.waitFor((events) => events.some((e) => e.event === 'join'));
    expect(ada.named('join')[0]?.data).toMatchObject({ username: 'bob', panel: 'agent', tabs: 1 });
    expect(bob1.named('snapshot')[0]?.data).toMatchObject({
      members: [{ username: 'ada' }, { username: 'bob' }],
    });

    const bob2 = await open(bed.bob, 'bob-tab-000002', 'chat');
    await ada.waitFor((events) => events.some((e) => e.event === 'update'));
    expect(ada.named('join')).toHaveLength(1); // a second tab is not a second join
    expect(await members()).toMatchObject([
      { username: 'ada', tabs: 1 },
      { username: 'bob', tabs: 2, panel: 'chat' },
    ]);

    // A heartbeat says which panel the tab shows now.
    const beat = await bed.bob.post(`${base}/heartbeat`, { tab: 'bob-tab-000001', panel: 'files' });
    expect(beat.status).toBe(200);
    expect((await members()).find((m) => m.username === 'bob')?.panel).toBe('files');
    // Another person cannot beat for bob's tab; a viewer can be present.
    expect((await bed.cat.post(`${base}/heartbeat`, { tab: 'bob-tab-000001', panel: 'x' })).status).toBe(404);
    const bad = await bed.bob.post(`${base}/heartbeat`, { tab: 'short', panel: 'x' });
    expect(bad.status).toBe(400);

    bob1.close();
    await until(async () => (await members()).find((m) => m.username === 'bob')?.tabs === 1);
    expect(ada.named('leave')).toHaveLength(0);
    bob2.close();
    await ada.waitFor((events) => events.some((e) => e.event === 'leave'));
    expect(ada.named('leave')[0]?.data).toEqual({ userId: bed.ids.bob });
    expect((await members()).map((m) => m.username)).toEqual(['ada']);
  });

  it('carries new chat messages, edits and the tab owner’s notifications on the same connection', async () => {
    const ada = await open(bed.admin, 'ada-tab-000003', 'chat');
    const posted = (
      await bed.bob.post(`/api/workspaces/${bed.workspaceId}/chat/messages`, { text: 'hi @ada' })
    ).body;
    await bed.bob.patch(`/api/workspaces/${bed.workspaceId}/chat/messages/${posted.id}`, {
      text: 'hello @ada',
    });
    await ada.waitFor((events) => events.some((e) => e.event === 'message_updated'));
    await ada.waitFor((events) => events.some((e) => e.event === 'notification'));
    expect(ada.named('message')[0]?.data).toMatchObject({ id: posted.id, text: 'hi @ada' });
    expect(ada.named('message_updated')[0]?.data).toMatchObject({ id: posted.id, text: 'hello @ada' });
    expect(ada.named('notification')[0]?.data).toMatchObject({ notification: { kind: 'mention' } });
    ada.close();
  });

  it('lets a tab that stopped beating (a closed laptop) leave after the timeout', async () => {
    const ada = await open(bed.admin, 'ada-tab-000002');
    await open(bed.cat, 'cat-tab-000001', 'chat');
    await ada.waitFor((events) =>
      events.some((e) => e.event === 'join' && (e.data as { username: string }).username === 'cat'),
    );
    // Ada keeps beating; cat's laptop is shut, its connection left hanging.
    clock.advance(PRESENCE_TIMEOUT_MS / 2);
    await bed.admin.post(`${base}/heartbeat`, { tab: 'ada-tab-000001', panel: 'terminal' });
    await bed.admin.post(`${base}/heartbeat`, { tab: 'ada-tab-000002', panel: null });
    clock.advance(PRESENCE_TIMEOUT_MS / 2 + 1000);
    await bed.server.services.team.presence.sweep();
    await ada.waitFor((events) =>
      events.some((e) => e.event === 'leave' && (e.data as { userId: string }).userId === bed.ids.cat),
    );
    expect((await members()).map((m) => m.username)).toEqual(['ada']);
    // The timed-out tab must open its stream again before it can beat.
    expect((await bed.cat.post(`${base}/heartbeat`, { tab: 'cat-tab-000001', panel: 'chat' })).status).toBe(
      404,
    );
  });
});

async function until(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
