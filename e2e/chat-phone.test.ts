import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from './support/browser.js';
import { startHangar, type HangarProcess } from './support/hangar.js';

const NAME = 'chat-on-a-phone';
/** Creating and deleting a real sandbox, in milliseconds. */
const STATE_TIMEOUT = 30_000;
/** A message posted through the API reaching the page over the live stream, in milliseconds. */
const LIVE_TIMEOUT = 15_000;

// On a phone the chat is a tab beside the tools, so its panel mounts after the page's shared
// live stream (opened by presence) is already open: it must still say "live", not "offline".
describe('the workspace chat on a phone', () => {
  let hangar: HangarProcess;
  let testBrowser: TestBrowser;
  let context: BrowserContext;
  let page: Page;
  let workspaceId: string;

  beforeAll(async () => {
    hangar = await startHangar({ HANGAR_AUTH: 'none' });
    const created = await hangar.api('/api/workspaces?wait=true', 'POST', { name: NAME });
    expect(created.status).toBe(201);
    workspaceId = ((await created.json()) as { id: string }).id;
    testBrowser = await launchBrowser();
    context = await testBrowser.browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    page = await context.newPage();
  });
  afterAll(async () => {
    await testBrowser?.close();
    if (workspaceId) await hangar.deleteWorkspace(workspaceId, NAME);
    await hangar?.stop();
  });

  it('says live in the Chat tab opened after the stream, and shows a message as it arrives', async () => {
    await page.goto(`${hangar.url}/workspaces/${workspaceId}`);
    await page.getByRole('heading', { level: 1, name: NAME }).waitFor({ timeout: STATE_TIMEOUT });
    // The page's live stream is open (presence shows this tab) before the Chat tab is opened.
    await page.getByRole('list', { name: 'Here now' }).waitFor({ timeout: LIVE_TIMEOUT });
    await page.getByRole('tab', { name: /^Chat/ }).click();
    const chat = page.locator('.chat-panel');
    await chat.getByRole('log', { name: 'Workspace chat' }).waitFor();
    await expect.poll(() => chat.locator('.chat-live').textContent(), { timeout: LIVE_TIMEOUT }).toBe('live');

    const posted = await hangar.api(`/api/workspaces/${workspaceId}/chat/messages`, 'POST', {
      text: 'sent while the phone watches',
    });
    expect(posted.status).toBe(201);
    await chat.getByText('sent while the phone watches').waitFor({ timeout: LIVE_TIMEOUT });
    expect(await chat.locator('.chat-live').textContent()).toBe('live');
  });
});
