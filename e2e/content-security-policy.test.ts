import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from './support/browser.js';
import { startHangar, type HangarProcess } from './support/hangar.js';

const ADMIN = { username: 'ada', password: 'correct horse battery', displayName: 'Ada Lovelace' };
const NAME = 'csp-check';
/** Creating, starting and deleting a real sandbox, in milliseconds. */
const STATE_TIMEOUT = 30_000;
/** A shell starting and answering a command, in milliseconds. */
const OUTPUT_TIMEOUT = 15_000;

declare global {
  interface Window {
    cspViolations: string[];
  }
}

/**
 * The web app under its Content-Security-Policy: every page a person opens on the way from setup
 * to a terminal (scripts, styles, xterm.js, the API, the terminal's WebSocket, the service
 * worker) must run without one violation or console error; and no other site may frame it.
 */
describe('the web app under its Content-Security-Policy', () => {
  let hangar: HangarProcess;
  let testBrowser: TestBrowser;
  let page: Page;
  let workspaceId: string | undefined;
  const consoleErrors: string[] = [];

  const violations = () => page.evaluate(() => window.cspViolations);

  beforeAll(async () => {
    hangar = await startHangar();
    testBrowser = await launchBrowser();
    page = await testBrowser.browser.newPage({ viewport: { width: 1280, height: 800 } });
    // Before any script of the page: a violation by the app's first script counts too.
    await page.addInitScript(() => {
      window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) =>
        window.cspViolations.push(`${event.effectiveDirective} ${event.blockedURI} ${event.sourceFile}`),
      );
    });
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
  });
  afterAll(async () => {
    // Terminals outlive the server (tmux in the sandbox): delete the workspace so none is left behind.
    if (workspaceId) {
      const status = (id: string, method = 'GET') =>
        page.evaluate(
          async ([path, verb, name]) =>
            (
              await fetch(path, {
                method: verb,
                headers: { 'content-type': 'application/json' },
                ...(verb === 'DELETE' && { body: JSON.stringify({ confirm: name }) }),
              })
            ).status,
          [`/api/workspaces/${id}`, method, NAME] as const,
        );
      await status(workspaceId, 'DELETE');
      const deadline = Date.now() + STATE_TIMEOUT;
      while ((await status(workspaceId)) !== 404 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await testBrowser?.close();
    await hangar?.stop();
  });

  it('sets up the admin and logs in with no violation', async () => {
    await page.goto(hangar.setupUrl!);
    await page.getByLabel('Username').fill(ADMIN.username);
    await page.getByLabel('Display name').fill(ADMIN.displayName);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByLabel('Confirm password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create admin account' }).click();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login/);
    await page.getByLabel('Username').fill(ADMIN.username);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('button', { name: 'Log out' }).waitFor();
    await page.goto(`${hangar.url}/account`);
    await page.getByRole('heading', { name: 'Password' }).waitFor();
    expect(await violations()).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it('opens a workspace and a terminal (xterm.js, the WebSocket) with no violation', async () => {
    const created = await page.evaluate(async (name) => {
      const res = await fetch('/api/workspaces?wait=true', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
      return { status: res.status, body: (await res.json()) as { id: string; state: string } };
    }, NAME);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    workspaceId = created.body.id;
    await page.goto(`${hangar.url}/workspaces/${workspaceId}`);
    await page.getByText(/^No terminals yet/).waitFor({ timeout: STATE_TIMEOUT });
    await page.getByRole('button', { name: 'New terminal', exact: true }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Connected$/ })
      .waitFor({ timeout: OUTPUT_TIMEOUT });
    await page.locator('.terminal-screen').click();
    await page.keyboard.type('echo $((6*7))');
    await page.keyboard.press('Enter');
    await expect
      .poll(
        async () =>
          (await page.locator('.terminal-screen .xterm-rows > div').allTextContents()).map((row) =>
            row.trim(),
          ),
        { timeout: OUTPUT_TIMEOUT },
      )
      .toContain('42');
    expect(await violations()).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it('cannot be framed by another site', async () => {
    const other = await testBrowser.browser.newPage();
    try {
      // about:blank is another origin than Hangar's.
      await other.setContent(`<iframe src="${hangar.url}/login" width="600" height="400"></iframe>`);
      const frame = other.frames()[1]!;
      await frame.waitForLoadState().catch(() => undefined);
      // A blocked frame shows the browser's error page, never Hangar's app.
      expect(await frame.locator('#root').count()).toBe(0);
    } finally {
      await other.close();
    }
  });
});
