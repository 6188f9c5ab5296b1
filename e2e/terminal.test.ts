import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from './support/browser.js';
import { startHangar, type HangarProcess } from './support/hangar.js';

// The README's screenshots are refreshed with HANGAR_UPDATE_SCREENSHOTS=1; other runs keep theirs in test-results/.
const SCREENSHOTS = fileURLToPath(
  new URL(
    process.env.HANGAR_UPDATE_SCREENSHOTS === '1' ? '../docs/screenshots/' : '../test-results/screenshots/',
    import.meta.url,
  ),
);
const NAME = 'terminal-demo';
/** Creating, starting and deleting a real sandbox, in milliseconds. */
const STATE_TIMEOUT = 30_000;
/** A shell starting and answering a command, in milliseconds. */
const OUTPUT_TIMEOUT = 15_000;

/** The terminal's screen as text, one trimmed string per row (xterm.js's DOM renderer draws each row as a div). */
function screenLines(page: Page): Promise<string[]> {
  return page
    .locator('.terminal-screen .xterm-rows > div')
    .allTextContents()
    .then((rows) => rows.map((row) => row.trim()));
}

/** The connection badge reads "Connected" once the server's snapshot has been drawn. */
async function waitUntilConnected(page: Page): Promise<void> {
  await page
    .getByRole('status')
    .filter({ hasText: /^Connected$/ })
    .waitFor({ timeout: OUTPUT_TIMEOUT });
}

// With HANGAR_AUTH=none every request acts as the built-in admin, so there is no login and
// the API needs no cookie. Opening the Terminal tab never creates a terminal by itself: the
// test presses "New terminal", as a person would.
describe('terminals in the browser', () => {
  let hangar: HangarProcess;
  let testBrowser: TestBrowser;
  let page: Page;
  let workspaceId: string;

  const api = (path: string, method?: string, body?: unknown) => hangar.api(path, method, body);

  beforeAll(async () => {
    hangar = await startHangar({ HANGAR_AUTH: 'none' });
    const created = await api('/api/workspaces?wait=true', 'POST', { name: NAME });
    expect(created.status).toBe(201);
    const workspace = (await created.json()) as { id: string; state: string };
    expect(workspace.state).toBe('running');
    workspaceId = workspace.id;
    testBrowser = await launchBrowser();
    page = await testBrowser.browser.newPage({ viewport: { width: 1280, height: 800 } });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    await testBrowser?.close();
    // Terminals outlive the server (tmux in the sandbox): delete the workspace so none is left behind.
    if (workspaceId) {
      await api(`/api/workspaces/${workspaceId}`, 'DELETE', { confirm: NAME });
      const deadline = Date.now() + STATE_TIMEOUT;
      while ((await api(`/api/workspaces/${workspaceId}`)).status !== 404 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    await hangar?.stop();
  });

  it('opens a terminal, runs a command and shows its output', async () => {
    await page.goto(`${hangar.url}/workspaces/${workspaceId}`);
    await page.getByText(/^No terminals yet/).waitFor({ timeout: STATE_TIMEOUT });
    await page.getByRole('button', { name: 'New terminal', exact: true }).click();
    await page.getByRole('tab', { name: 'Terminal 1' }).waitFor();
    await waitUntilConnected(page);
    await page.locator('.terminal-screen').click();
    await page.keyboard.type('echo $((6*7))');
    await page.keyboard.press('Enter');
    await expect.poll(() => screenLines(page), { timeout: OUTPUT_TIMEOUT }).toContain('42');
    await page.screenshot({ path: `${SCREENSHOTS}terminal.png` });
  });

  it('shows the same screen after a reload (restored from the server)', async () => {
    await page.reload();
    await waitUntilConnected(page);
    await expect.poll(() => screenLines(page), { timeout: OUTPUT_TIMEOUT }).toContain('42');
    // The command line came back too, not just its output.
    expect((await screenLines(page)).some((line) => line.includes('echo $((6*7))'))).toBe(true);
  });

  it('renames the terminal, then closes it after confirming', async () => {
    await page.getByRole('button', { name: 'Rename terminal Terminal 1' }).click();
    const name = page.getByLabel('Terminal name');
    await name.fill('build');
    await name.press('Enter');
    await page.getByRole('tab', { name: 'build' }).waitFor();
    await page.getByRole('button', { name: 'Close terminal build' }).click();
    await page.getByRole('button', { name: 'Close', exact: true }).click();
    await page.getByText(/^No terminals yet/).waitFor();
    const listed = (await (await api(`/api/workspaces/${workspaceId}/terminals`)).json()) as {
      terminals: unknown[];
    };
    expect(listed.terminals).toEqual([]);
  });
});
