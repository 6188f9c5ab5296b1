import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupAdmin, startTestServer, type TestClient, type TestServer } from '../../test/server.js';
import { createWorkspace, shellIn } from '../../test/workspaces.js';
import { teamUidBase } from '../../test/team.js';
import { bwrapMissing } from '../../test/requirements.js';

if (bwrapMissing && process.env.CI === 'true')
  throw new Error('CI requires bubblewrap: run scripts/setup-test-env.sh');

// Code inside a real bubblewrap sandbox (network policy `hangar`) posts to the chat through the bridge.
describe.skipIf(bwrapMissing)('posting to chat from inside the sandbox', () => {
  let server: TestServer;
  let admin: TestClient;
  let workspaceId: string;
  const run = (script: string, env: Record<string, string> = {}) =>
    shellIn(admin, workspaceId, script, { env });
  const messages = async () =>
    (await admin.get(`/api/workspaces/${workspaceId}/chat/messages?limit=200`)).body.messages as {
      type: string;
      text: string;
      botName: string | null;
      author: unknown;
    }[];

  beforeAll(async () => {
    server = await startTestServer({
      env: { HANGAR_SANDBOX_UID_BASE: teamUidBase(), HANGAR_SANDBOX_UID_COUNT: '100' },
      agents: new Map(),
    });
    admin = await setupAdmin(server);
    const ws = await createWorkspace(admin, { name: 'sandbox-chat' });
    expect(ws.body.state).toBe('running');
    expect(ws.body.isolated).toBe(true);
    workspaceId = ws.body.id;
  });
  afterAll(async () => {
    if (workspaceId)
      await admin?.request('DELETE', `/api/workspaces/${workspaceId}`, { confirm: 'sandbox-chat' });
    await server?.services.workspaces.settle();
    await server?.stop();
  });

  it('has hangar-chat on the PATH, read-only, and posts as a bot with the workspace token', async () => {
    const where = await run(
      'command -v hangar-chat && touch "$(command -v hangar-chat)" 2>/dev/null || echo ro',
    );
    expect(where.stdout).toContain('/hangar/bin/hangar-chat');
    expect(where.stdout).toContain('ro');

    const posted = await run('hangar-chat --name ci "tests **passed** ✅"');
    expect(posted.stderr).toBe('');
    expect(posted.exitCode).toBe(0);
    expect(posted.stdout).toMatch(/^posted message \d+/);
    const piped = await run('printf "line one\\nline two\\n" | hangar-chat');
    expect(piped.exitCode).toBe(0);

    const list = await messages();
    expect(list.at(-2)).toMatchObject({
      type: 'bot',
      botName: 'ci',
      text: 'tests **passed** ✅',
      author: null,
    });
    expect(list.at(-1)).toMatchObject({ type: 'bot', botName: 'workspace', text: 'line one\nline two' });
  });

  it('refuses a forged or missing token, and a token from elsewhere', async () => {
    const before = (await messages()).length;
    const forged = await run('hangar-chat "let me in"', {
      HANGAR_TOKEN: `hws_${workspaceId}.1.${'A'.repeat(43)}`,
    });
    expect(forged.exitCode).toBe(1);
    expect(forged.stderr).toContain('401');
    const raw = await run(
      'curl -s -o /dev/null -w "%{http_code}" -X POST -H "content-type: application/json" ' +
        '-d \'{"text":"no token"}\' "$HANGAR_URL/api/workspaces/$HANGAR_WORKSPACE_ID/chat/bot-messages"',
    );
    expect(raw.stdout).toBe('401');
    // A user's session is not a workspace token either.
    const asUser = await admin.post(`/api/workspaces/${workspaceId}/chat/bot-messages`, {
      text: 'as a user',
    });
    expect(asUser.status).toBe(401);
    expect(asUser.body.error.id).toBe('invalid_workspace_token');
    expect((await messages()).length).toBe(before);
  });

  it('stops accepting the token once the sandbox stops', async () => {
    const row = await server.services.workspaces.repo.find(workspaceId);
    const token = server.services.workspaces.lifecycle.tokens.tokenOf(row!);
    const path = `/api/workspaces/${workspaceId}/chat/bot-messages`;
    const post = () =>
      fetch(new URL(path, server.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hangar-token': token },
        body: JSON.stringify({ text: 'from outside, with the token' }),
      });
    expect((await post()).status).toBe(201);
    // The right token on another workspace's route is refused as not found.
    const other = await fetch(new URL('/api/workspaces/someotherworkspace/chat/bot-messages', server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hangar-token': token },
      body: JSON.stringify({ text: 'elsewhere' }),
    });
    expect(other.status).toBe(404);
    expect((await admin.post(`/api/workspaces/${workspaceId}/stop`)).status).toBeLessThan(300);
    await server.services.workspaces.settle();
    expect((await post()).status).toBe(401);
  });
});
