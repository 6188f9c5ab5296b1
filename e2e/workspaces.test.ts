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
const NAME = 'hello-world';
/** Creating, starting and stopping a real sandbox, in milliseconds. */
const STATE_TIMEOUT = 30_000;

/** Waits for the workspace page's state badge, which reads "State: <state>" to assistive technology. */
async function waitForState(page: Page, state: string): Promise<void> {
  await page
    .getByRole('status')
    .filter({ hasText: new RegExp(`^State: ${state}$`) })
    .waitFor({ timeout: STATE_TIMEOUT });
}

// With HANGAR_AUTH=none every request acts as the built-in admin, so there is no login;
// the bubblewrap driver is the default template wherever bwrap is installed.
describe('workspaces in the browser', () => {
  let hangar: HangarProcess;
  let testBrowser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    hangar = await startHangar({ HANGAR_AUTH: 'none' });
    testBrowser = await launchBrowser();
    page = await testBrowser.browser.newPage({ viewport: { width: 1280, height: 800 } });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    await testBrowser?.close();
    await hangar?.stop();
  });

  it('starts with an empty list that invites creating a workspace', async () => {
    await page.goto(hangar.url);
    await page.getByRole('heading', { name: 'No workspaces yet' }).waitFor();
  });

  it('shows an invalid name inline, at the Name field', async () => {
    await page.getByRole('button', { name: 'New workspace' }).click();
    const dialog = page.getByRole('dialog', { name: 'New workspace' });
    await dialog.waitFor();
    // Focus starts in the dialog, on its first field.
    await expect(dialog.getByLabel('Name').evaluate((el) => el.matches(':focus'))).resolves.toBe(true);
    await dialog.getByLabel('Name').fill('Bad Name!');
    await dialog.getByRole('button', { name: 'Create workspace' }).click();
    const name = dialog.getByLabel('Name');
    await expect(name.getAttribute('aria-invalid')).resolves.toBe('true');
    const errorId = (await name.getAttribute('aria-describedby'))?.split(' ').find((id) => /error/.test(id));
    expect(errorId).toBeDefined();
    await expect(dialog.locator(`[id="${errorId}"]`).textContent()).resolves.toMatch(/lowercase letters/i);
  });

  it('creates a workspace from the dialog and waits until it runs', async () => {
    const dialog = page.getByRole('dialog', { name: 'New workspace' });
    await dialog.getByLabel('Name').fill(NAME);
    await dialog.getByLabel('Empty').check();
    const template = dialog.getByLabel('Template');
    await expect.poll(() => template.isEnabled(), { timeout: 10_000 }).toBe(true); // once the templates have loaded
    await page.screenshot({ path: `${SCREENSHOTS}create-workspace.png` });
    await dialog.getByRole('button', { name: 'Create workspace' }).click();
    await page.waitForURL(/\/workspaces\/[A-Za-z0-9_-]+$/);
    await page.getByRole('heading', { level: 1, name: NAME }).waitFor();
    await waitForState(page, 'running');
  });

  it('runs a command in the workspace and shows its output', async () => {
    await page.getByLabel('Command', { exact: true }).fill('echo hello');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.getByText('Exit code 0').waitFor({ timeout: STATE_TIMEOUT });
    await expect(page.getByLabel('Standard output').textContent()).resolves.toBe('hello\n');
    await page.screenshot({ path: `${SCREENSHOTS}workspace.png`, fullPage: true });
  });

  it('stops and starts the workspace', async () => {
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await waitForState(page, 'stopped');
    await expect(page.getByRole('button', { name: 'Run', exact: true }).isDisabled()).resolves.toBe(true);
    // The header's Start (the Terminal tab offers one too while the workspace is stopped).
    const actions = page.getByRole('group', { name: 'Workspace actions' });
    await actions.getByRole('button', { name: 'Start', exact: true }).click();
    await waitForState(page, 'running');
  });

  it('lists the workspace with its state and disk use', async () => {
    await page.getByRole('link', { name: 'Workspaces', exact: true }).first().click();
    const item = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: NAME }) });
    // The list may show what it cached first, then refresh.
    await item.filter({ hasText: 'State: running' }).waitFor();
    await page.getByText(/on disk in total/).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}workspaces.png` });
    await item.getByRole('link', { name: NAME }).click();
    await waitForState(page, 'running');
  });

  it('deletes the workspace only after its name is typed, then the list is empty again', async () => {
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const confirm = page.getByRole('button', { name: 'Delete workspace' });
    await expect(confirm.isDisabled()).resolves.toBe(true);
    await page.getByLabel('Type the workspace name to confirm').fill(NAME);
    await expect.poll(() => confirm.isEnabled()).toBe(true);
    await confirm.click();
    await page.waitForURL(`${hangar.url}/`);
    await page.getByRole('heading', { name: 'No workspaces yet' }).waitFor({ timeout: STATE_TIMEOUT });
  });
});
