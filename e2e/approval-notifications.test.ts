import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from './support/browser.js';
import { startHangar, type HangarProcess } from './support/hangar.js';

/** An agent starting and the scripted model asking for a tool, in milliseconds. */
const REPLY_TIMEOUT = 45_000;
/** A pushed notification (or the bell's next refresh) reaching the page, in milliseconds. */
const LIVE_TIMEOUT = 20_000;
const PASSWORD = 'correct horse battery';
const NAME = 'approvals';
const OWNER = { username: 'ana', displayName: 'Ana Owner' };
const EDITOR = { username: 'ben', displayName: 'Ben Editor' };

/** The bell's accessible name, which carries the unread count ("Notifications, 2 unread"). */
function bell(page: Page) {
  return page.getByRole('button', { name: /^Notifications(, \d+ unread)?$/ });
}

// The owner starts a session that asks before every tool (HANGAR_DEMO=true: the scripted model runs
// `ls -la`, then writes a file); the editor of the workspace, who may answer, is told, answers in the
// browser at 1440×900, and the answered approvals stop counting as unread, for both of them.
describe('approval notifications in the browser', () => {
  let hangar: HangarProcess;
  let testBrowser: TestBrowser;
  let workspaceId: string;
  let sessionId: string | undefined;
  const cookies = new Map<string, string>();

  const as = async (who: string | null, path: string, method = 'GET', body?: unknown) => {
    const headers: Record<string, string> = {
      origin: hangar.url,
      cookie: who ? (cookies.get(who) ?? '') : '',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${hangar.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('hangar_session='));
    if (who && cookie) cookies.set(who, cookie.split(';')[0]!);
    return res;
  };
  const unreadApprovals = async (who: string) => {
    const list = (await (await as(who, '/api/notifications?unread=true')).json()) as {
      notifications: { kind: string }[];
    };
    return list.notifications.filter((n) => n.kind === 'approval').length;
  };

  beforeAll(async () => {
    hangar = await startHangar({
      HANGAR_DEMO: 'true',
      HANGAR_SANDBOX_UID_BASE: String(1_900_000 + Math.floor(Math.random() * 999) * 100),
      HANGAR_SANDBOX_UID_COUNT: '100',
    });
    const setupToken = new URL(hangar.setupUrl!).searchParams.get('token');
    expect(
      (await as(OWNER.username, '/api/auth/setup', 'POST', { setupToken, ...OWNER, password: PASSWORD }))
        .status,
    ).toBe(200);
    const editor = await as(OWNER.username, '/api/users', 'POST', {
      ...EDITOR,
      password: PASSWORD,
      role: 'member',
    });
    expect(editor.status).toBe(201);
    const editorId = ((await editor.json()) as { id: string }).id;
    const login = await as(EDITOR.username, '/api/auth/login', 'POST', {
      username: EDITOR.username,
      password: PASSWORD,
    });
    expect(login.status).toBe(200);
    const created = await as(OWNER.username, '/api/workspaces?wait=true', 'POST', { name: NAME });
    const workspace = (await created.json()) as { id: string; state: string };
    expect(created.status, JSON.stringify(workspace)).toBe(201);
    workspaceId = workspace.id;
    const member = await as(OWNER.username, `/api/workspaces/${workspaceId}/members/${editorId}`, 'PUT', {
      role: 'editor',
    });
    expect(member.status).toBe(200);
    testBrowser = await launchBrowser();
  });
  afterAll(async () => {
    await testBrowser?.close();
    if (sessionId) await as(OWNER.username, `/api/sessions/${sessionId}/stop`, 'POST', {});
    if (workspaceId) {
      await as(OWNER.username, `/api/workspaces/${workspaceId}`, 'DELETE', { confirm: NAME });
      const deadline = Date.now() + 30_000;
      while (
        (await as(OWNER.username, `/api/workspaces/${workspaceId}`)).status !== 404 &&
        Date.now() < deadline
      )
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await hangar?.stop();
  });

  it("tells the workspace's editor of an approval, and the count drops once it is answered", async () => {
    const context = await testBrowser.browser.newContext({ viewport: { width: 1440, height: 900 } });
    const [name, value] = cookies.get(EDITOR.username)!.split('=') as [string, string];
    await context.addCookies([{ name, value, url: hangar.url }]);
    const page = await context.newPage();
    await page.goto(`${hangar.url}/workspaces/${workspaceId}`);
    await bell(page).waitFor();
    await expect(bell(page).getAttribute('aria-label')).resolves.toBe('Notifications');

    const started = await as(OWNER.username, '/api/sessions', 'POST', {
      workspaceId,
      agent: 'claude-code',
      model: 'hangar-demo',
      prompt: 'look around and leave a note',
      permissionMode: 'ask',
    });
    expect(started.status).toBe(201);
    sessionId = ((await started.json()) as { id: string }).id;

    // The editor, who did not start the session, hears of the approval.
    await page
      .getByRole('button', { name: 'Notifications, 1 unread' })
      .waitFor({ timeout: REPLY_TIMEOUT + LIVE_TIMEOUT });
    await bell(page).click();
    const centre = page.getByRole('region', { name: 'Notification centre' });
    await centre.getByText('An agent awaits your approval').first().waitFor();
    await bell(page).click();

    // The editor answers each approval the session asks for, until it is done.
    await page.goto(`${hangar.url}/workspaces/${workspaceId}?session=${sessionId}`);
    const allow = page.getByRole('button', { name: 'Allow', exact: true });
    const done = () =>
      page
        .getByRole('log', { name: 'Transcript' })
        .innerText()
        .catch(() => '');
    const deadline = Date.now() + REPLY_TIMEOUT;
    while (!(await done()).includes('Done!') && Date.now() < deadline) {
      if (
        await allow
          .first()
          .isEnabled({ timeout: 100 })
          .catch(() => false)
      )
        // The card re-renders as events stream in; a click that misses is simply tried again.
        await allow
          .first()
          .click({ timeout: 1_000 })
          .catch(() => undefined);
      else await page.waitForTimeout(200);
    }
    expect(await done()).toContain('Done!');

    // Answered: no approval counts as unread any more, for the editor nor for the owner.
    await page.getByRole('button', { name: 'Notifications', exact: true }).waitFor({ timeout: LIVE_TIMEOUT });
    expect(await unreadApprovals(EDITOR.username)).toBe(0);
    expect(await unreadApprovals(OWNER.username)).toBe(0);
    await context.close();
  });
});
