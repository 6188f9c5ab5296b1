import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from './support/browser.js';
import { startHangar, type HangarProcess } from './support/hangar.js';

const NAME = 'stop-demo';
/** A real sandbox starting or stopping, in milliseconds. */
const STATE_TIMEOUT = 30_000;
/** An agent starting (or resuming) and the scripted model streaming a reply, in milliseconds. */
const REPLY_TIMEOUT = 45_000;
const GREETING = "Hello! I'm Hangar's demo model";

function transcript(page: Page): Promise<string> {
  return page.getByRole('log', { name: 'Transcript' }).innerText();
}

function occurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}

// Issue 17, item 3: a stop by a person is a stop (no "ended unexpectedly", no failure), the page
// asks before it stops agents, and on Start the sessions resume and answer.
describe('stopping and starting a workspace with an agent session, at 1440×900', () => {
  let hangar: HangarProcess;
  let testBrowser: TestBrowser;
  let page: Page;
  let workspaceId: string;
  let sessionId: string;

  const api = (path: string, method?: string, body?: unknown) => hangar.api(path, method, body);
  const sessionStatus = async () =>
    ((await (await api(`/api/sessions/${sessionId}`)).json()) as { session: { status: string } }).session
      .status;

  beforeAll(async () => {
    hangar = await startHangar({ HANGAR_AUTH: 'none', HANGAR_DEMO: 'true' });
    const created = await api('/api/workspaces?wait=true', 'POST', { name: NAME });
    expect(created.status).toBe(201);
    workspaceId = ((await created.json()) as { id: string }).id;
    const session = await api('/api/sessions', 'POST', {
      workspaceId,
      agent: 'claude-code',
      model: 'hangar-demo',
      prompt: 'hello',
      permissionMode: 'ask',
    });
    expect(session.status).toBe(201);
    sessionId = ((await session.json()) as { id: string }).id;
    testBrowser = await launchBrowser();
    page = await testBrowser.browser.newPage({ viewport: { width: 1440, height: 900 } });
  });
  afterAll(async () => {
    await testBrowser?.close();
    if (workspaceId) {
      if (sessionId) await api(`/api/sessions/${sessionId}/stop`, 'POST', {});
      await api(`/api/workspaces/${workspaceId}`, 'DELETE', { confirm: NAME });
      const deadline = Date.now() + STATE_TIMEOUT;
      while ((await api(`/api/workspaces/${workspaceId}`)).status !== 404 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await hangar?.stop();
  });

  it('asks before stopping an idle session, stops it as a stop, and resumes it on Start', async () => {
    await page.goto(`${hangar.url}/workspaces/${workspaceId}`);
    await page.getByRole('tab', { name: 'Agent' }).click();
    await expect.poll(() => transcript(page), { timeout: REPLY_TIMEOUT }).toContain(GREETING);
    await expect.poll(sessionStatus, { timeout: REPLY_TIMEOUT }).toBe('idle');

    const actions = page.getByRole('group', { name: 'Workspace actions' });
    await actions.getByRole('button', { name: 'Stop', exact: true }).click();
    const dialog = page.getByRole('alertdialog', { name: `Stop ${NAME}?` });
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('1 agent session (“hello”) will stop');
    await dialog.getByRole('button', { name: 'Stop workspace' }).click();

    const header = page.locator('.workspace-head');
    await header.getByRole('status').filter({ hasText: 'stopped' }).waitFor({ timeout: STATE_TIMEOUT });
    await expect.poll(sessionStatus, { timeout: STATE_TIMEOUT }).toBe('stopped');
    const chat = page.locator('section.chat');
    await chat.getByRole('status').filter({ hasText: 'stopped' }).waitFor({ timeout: STATE_TIMEOUT });
    // Nor in the workspace chat ("The Claude Code session failed: …").
    const body = await page.locator('body').innerText();
    expect(body).not.toMatch(/ended unexpectedly|SIGKILL|session failed:/i);

    await actions.getByRole('button', { name: 'Start', exact: true }).click();
    await header.getByRole('status').filter({ hasText: 'running' }).waitFor({ timeout: STATE_TIMEOUT });
    // The session that was live resumes by itself: no Restart, one by one.
    await chat.getByRole('status').filter({ hasText: 'idle' }).waitFor({ timeout: REPLY_TIMEOUT });

    const composer = page.locator('form.composer');
    await composer.getByLabel('Message', { exact: true }).fill('hello again');
    await composer.getByRole('button', { name: 'Send' }).click();
    await expect
      .poll(async () => occurrences(await transcript(page), GREETING), { timeout: REPLY_TIMEOUT })
      .toBe(2);
    await expect.poll(sessionStatus, { timeout: REPLY_TIMEOUT }).toBe('idle');
    expect(await page.locator('body').innerText()).not.toMatch(/ended unexpectedly/i);
  });
});
