import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from './support/browser.js';
import { startHangar, type HangarProcess } from './support/hangar.js';

const SCREENSHOTS = fileURLToPath(new URL('../test-results/screenshots/', import.meta.url));
const NAME = 'terminal-viewers';
/** Creating and deleting a real sandbox, in milliseconds. */
/** A shell starting and answering a command, in milliseconds. */
const OUTPUT_TIMEOUT = 15_000;

const DESKTOP = { viewport: { width: 1440, height: 900 } };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

function screenText(page: Page): Promise<string> {
  return page
    .locator('.terminal-screen .xterm-rows > div')
    .allTextContents()
    .then((rows) => rows.map((row) => row.trim()).join('\n'));
}

/** The terminal's column count as this page's xterm.js has it (set from the server's frames). */
async function columns(page: Page): Promise<number> {
  return Number(await page.locator('.terminal-screen').getAttribute('data-cols'));
}

async function openTerminal(browser: Browser, options: typeof DESKTOP | typeof PHONE, url: string) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  await page.goto(url);
  await page
    .getByRole('status')
    .filter({ hasText: /^Connected$/ })
    .waitFor({ timeout: OUTPUT_TIMEOUT });
  return { context, page };
}

// One terminal seen by a desktop and a phone at once: the phone typing never resizes the
// desktop's terminal; the phone scrolls across the wider terminal, or takes it with "Fit to me".
describe('a terminal watched from a desktop and a phone', () => {
  let hangar: HangarProcess;
  let testBrowser: TestBrowser;
  const contexts: BrowserContext[] = [];
  let workspaceId: string;

  beforeAll(async () => {
    hangar = await startHangar({ HANGAR_AUTH: 'none' });
    const created = await hangar.api('/api/workspaces?wait=true', 'POST', { name: NAME });
    expect(created.status).toBe(201);
    workspaceId = ((await created.json()) as { id: string }).id;
    const terminal = await hangar.api(`/api/workspaces/${workspaceId}/terminals`, 'POST', { name: 'shared' });
    expect(terminal.status).toBe(201);
    testBrowser = await launchBrowser();
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await testBrowser?.close();
    if (workspaceId) await hangar.deleteWorkspace(workspaceId, NAME);
    await hangar?.stop();
  });

  it('keeps the desktop’s width while the phone types; the phone scrolls across, then fits it to itself', async () => {
    const url = `${hangar.url}/workspaces/${workspaceId}`;
    const desktop = await openTerminal(testBrowser.browser, DESKTOP, url);
    contexts.push(desktop.context);
    // The desktop holds the size: once its own size arrived, it has nothing to fit.
    await desktop.page.getByRole('button', { name: 'Fit to me' }).waitFor({ state: 'detached' });
    const desktopColumns = await columns(desktop.page);
    expect(desktopColumns).toBeGreaterThan(70);

    const phone = await openTerminal(testBrowser.browser, PHONE, url);
    contexts.push(phone.context);
    expect(await columns(phone.page)).toBe(desktopColumns);
    await phone.page.locator('.terminal-screen').click();
    await phone.page.keyboard.type('echo "cols=$(tput cols)"');
    await phone.page.keyboard.press('Enter');
    await expect
      .poll(() => screenText(desktop.page), { timeout: OUTPUT_TIMEOUT })
      .toMatch(new RegExp(`^cols=${desktopColumns}$`, 'm'));
    expect(await columns(desktop.page)).toBe(desktopColumns);
    expect(await columns(phone.page)).toBe(desktopColumns);

    // The phone reaches the whole width by scrolling the terminal, not the page.
    const screen = phone.page.locator('.terminal-screen');
    const scroll = await screen.evaluate((node) => {
      const before = { scrollWidth: node.scrollWidth, clientWidth: node.clientWidth };
      node.scrollLeft = node.scrollWidth;
      return { ...before, scrollLeft: node.scrollLeft };
    });
    expect(scroll.scrollWidth).toBeGreaterThan(scroll.clientWidth);
    expect(scroll.scrollLeft).toBeGreaterThan(0);
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.page.screenshot({ path: `${SCREENSHOTS}terminal-phone-scrolled.png` });

    // "Fit to me" is the one way the phone changes the size, for every viewer.
    await phone.page.getByRole('button', { name: 'Fit to me' }).click();
    await expect.poll(() => columns(desktop.page), { timeout: OUTPUT_TIMEOUT }).toBeLessThan(50);
    expect(await columns(phone.page)).toBe(await columns(desktop.page));
    await desktop.page.getByRole('button', { name: 'Fit to me' }).waitFor();
  });
});
