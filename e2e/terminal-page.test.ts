import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from './support/browser.js';
import { startHangar, type HangarProcess } from './support/hangar.js';

const NAME = 'terminal-page';
/** Creating and deleting a real sandbox, in milliseconds. */
/** A shell starting and answering a command, in milliseconds. */
const OUTPUT_TIMEOUT = 15_000;

function screenText(page: Page): Promise<string> {
  return page
    .locator('.terminal-screen .xterm-rows > div')
    .allTextContents()
    .then((rows) => rows.map((row) => row.trim()).join('\n'));
}

// The terminal as part of the workspace page at 1440×900: working in it leaves the page where it is.
describe('the terminal on the workspace page', () => {
  let hangar: HangarProcess;
  let testBrowser: TestBrowser;
  let page: Page;
  let workspaceId: string;

  beforeAll(async () => {
    hangar = await startHangar({ HANGAR_AUTH: 'none' });
    const created = await hangar.api('/api/workspaces?wait=true', 'POST', { name: NAME });
    expect(created.status).toBe(201);
    workspaceId = ((await created.json()) as { id: string }).id;
    const terminal = await hangar.api(`/api/workspaces/${workspaceId}/terminals`, 'POST', { name: 'main' });
    expect(terminal.status).toBe(201);
    testBrowser = await launchBrowser();
    page = await testBrowser.browser.newPage({ viewport: { width: 1440, height: 900 } });
  });
  afterAll(async () => {
    await testBrowser?.close();
    if (workspaceId) await hangar.deleteWorkspace(workspaceId, NAME);
    await hangar?.stop();
  });

  it('keeps the page (and its top bar) where it is when a person clicks into the terminal and types', async () => {
    await page.goto(`${hangar.url}/workspaces/${workspaceId}`);
    await page
      .getByRole('status')
      .filter({ hasText: /^Connected$/ })
      .waitFor({ timeout: OUTPUT_TIMEOUT });
    // Output down to the last row: the cursor, and xterm.js's input box with it, sit at the screen's foot.
    await page.locator('.terminal-screen').click();
    await page.keyboard.type('seq 1 80');
    await page.keyboard.press('Enter');
    await expect.poll(() => screenText(page), { timeout: OUTPUT_TIMEOUT }).toMatch(/^80$/m);
    await page.locator('h1').click();
    await page.evaluate(() => window.scrollTo(0, 0));
    // A click where the person sees the terminal: the mouse, not locator.click(), which scrolls first.
    const box = (await page.locator('.terminal-screen').boundingBox())!;
    // The terminal starts on screen and ends below the fold, with its cursor there.
    expect([box.y < 850, box.y + box.height > 900]).toEqual([true, true]);
    await page.mouse.click(box.x + box.width / 2, Math.min(box.y + 40, 880));
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    await page.keyboard.type('echo $((6*7))');
    await page.keyboard.press('Enter');
    await expect.poll(() => screenText(page), { timeout: OUTPUT_TIMEOUT }).toMatch(/^42$/m);
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
  });

  it('shows an exited terminal as one state with its code, and Restart runs its command again', async () => {
    const made = await hangar.api(`/api/workspaces/${workspaceId}/terminals`, 'POST', {
      name: 'job',
      command: ['sh', '-c', 'echo job-ran; read line; exit 3'],
    });
    expect(made.status).toBe(201);
    const first = ((await made.json()) as { id: string }).id;
    await page.reload();
    await page.getByRole('tab', { name: /^job/ }).click();
    await expect.poll(() => screenText(page), { timeout: OUTPUT_TIMEOUT }).toMatch(/^job-ran$/m);
    await page.locator('.terminal-screen').click();
    await page.keyboard.press('Enter');
    const exited = page.getByRole('status').filter({ hasText: 'Exited (code 3)' });
    await exited.waitFor({ timeout: OUTPUT_TIMEOUT });
    await page.getByText('The process exited with code 3.').waitFor();
    const noise = () =>
      page
        .getByRole('button', { name: 'Reconnect' })
        .or(page.getByText(/^Disconnected$/))
        .count();
    expect(await noise()).toBe(0);

    // After a reload, the same single state: not "Disconnected" with a Reconnect that cannot work.
    await page.reload();
    await page.getByRole('tab', { name: /^job/ }).click();
    await exited.waitFor({ timeout: OUTPUT_TIMEOUT });
    expect(await noise()).toBe(0);

    await page.getByRole('button', { name: 'Restart', exact: true }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Connected$/ })
      .waitFor({ timeout: OUTPUT_TIMEOUT });
    await expect.poll(() => screenText(page), { timeout: OUTPUT_TIMEOUT }).toMatch(/^job-ran$/m);
    const listed = (await (await hangar.api(`/api/workspaces/${workspaceId}/terminals`)).json()) as {
      terminals: { id: string; name: string; state: string }[];
    };
    const jobs = listed.terminals.filter((t) => t.name === 'job');
    expect(jobs.map((t) => [t.id === first, t.state])).toEqual([[false, 'running']]);
  });
});
