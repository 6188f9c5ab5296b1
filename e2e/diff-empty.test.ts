import type { Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from './support/browser.js';
import { startHangar, type HangarProcess } from './support/hangar.js';

/** A git command in the sandbox and the live diff noticing it, in milliseconds. */
const OUTPUT_TIMEOUT = 15_000;

/** Every 4xx/5xx the page's own API calls got, as "409 GET /api/…", and its console errors. */
function watchFailures(page: Page): { failures: string[] } {
  const failures: string[] = [];
  page.on('response', (response: Response) => {
    const url = new URL(response.url());
    if (url.pathname.startsWith('/api/') && response.status() >= 400)
      failures.push(`${response.status()} ${response.request().method()} ${url.pathname}`);
  });
  page.on('console', (message) => {
    if (message.type() === 'error') failures.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => failures.push(`page error: ${error.message}`));
  return { failures };
}

// A workspace made without git (source "empty"), as a first-time user makes one. Under
// HANGAR_AUTH=none every request acts as the built-in admin, an owner of what it creates.
describe('the Diff tab of a workspace without git', () => {
  let hangar: HangarProcess;
  let testBrowser: TestBrowser;
  let workspaceId: string;
  let sessionId: string | undefined;

  beforeAll(async () => {
    hangar = await startHangar({
      HANGAR_AUTH: 'none',
      // Agents talk to the scripted demo model (a session's title is all the phone test needs).
      HANGAR_DEMO: 'true',
      // A uid range of its own, so that another server on this host (a parallel run) does not collide.
      HANGAR_SANDBOX_UID_BASE: String(1_800_000 + Math.floor(Math.random() * 999) * 100),
      HANGAR_SANDBOX_UID_COUNT: '100',
    });
    const created = await hangar.api('/api/workspaces?wait=true', 'POST', {
      name: 'no-git',
      source: { type: 'empty' },
    });
    const workspace = (await created.json()) as { id: string; state: string };
    expect(created.status, JSON.stringify(workspace)).toBe(201);
    expect(workspace.state).toBe('running');
    workspaceId = workspace.id;
    testBrowser = await launchBrowser();
  });
  afterAll(async () => {
    await testBrowser?.close();
    if (sessionId) await hangar.api(`/api/sessions/${sessionId}/stop`, 'POST', {});
    if (workspaceId) await hangar?.api(`/api/workspaces/${workspaceId}`, 'DELETE', { confirm: 'no-git' });
    await hangar?.stop();
  });

  it('shows one state at 1440×900, asks nothing that needs a repository, and git init makes one', async () => {
    const page = await testBrowser.browser.newPage({ viewport: { width: 1440, height: 900 } });
    const { failures } = watchFailures(page);
    await page.goto(`${hangar.url}/workspaces/${workspaceId}?tab=diff`);
    await page.getByRole('tab', { name: 'Diff' }).click();
    const panel = page.getByRole('tabpanel');
    await panel.getByText(/has no git repository yet/).waitFor({ timeout: OUTPUT_TIMEOUT });
    // One state: not also "no changes" against a HEAD that does not exist, nor a green "Live".
    await expect(panel.getByText(/matches HEAD/).count()).resolves.toBe(0);
    await expect(
      panel
        .getByRole('status')
        .filter({ hasText: /^Live$/ })
        .count(),
    ).resolves.toBe(0);
    await expect(panel.getByRole('heading', { name: 'Pull requests' }).count()).resolves.toBe(0);
    expect(failures).toEqual([]);

    await panel.getByRole('button', { name: 'Create a git repository' }).click();
    await panel
      .getByTestId('current-branch')
      .filter({ hasText: 'main' })
      .waitFor({ timeout: OUTPUT_TIMEOUT });
    await panel.getByText('No changes: the working tree matches HEAD.').waitFor({ timeout: OUTPUT_TIMEOUT });
    await panel.getByText(/This repository has no remote/).waitFor({ timeout: OUTPUT_TIMEOUT });
    await expect(panel.getByText(/has no git repository/).count()).resolves.toBe(0);
    expect(failures).toEqual([]);
    const again = await hangar.api(`/api/workspaces/${workspaceId}/git/init`, 'POST', {});
    expect(again.status).toBe(409);
    await page.close();
  });

  it('fits a phone at 390×844 with a long session title in the "Show" picker', async () => {
    const session = await hangar.api('/api/sessions', 'POST', {
      workspaceId,
      agent: 'claude-code',
      prompt:
        'Please write a short note about this project, its parts and everything else a newcomer should know',
    });
    expect(session.status).toBe(201);
    sessionId = ((await session.json()) as { id: string }).id;
    const context = await testBrowser.browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    await page.goto(`${hangar.url}/workspaces/${workspaceId}?tab=diff`);
    await page.getByRole('tab', { name: 'Diff' }).click();
    await page
      .getByLabel('Show')
      .locator('option', { hasText: /^Agent session: Please write a short note/ })
      .waitFor({ state: 'attached', timeout: OUTPUT_TIMEOUT });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await context.close();
  });
});
