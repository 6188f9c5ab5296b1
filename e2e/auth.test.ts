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
const ADMIN = { username: 'ada', password: 'correct horse battery', displayName: 'Ada Lovelace' };

describe('first run, login and API tokens in the browser', () => {
  let hangar: HangarProcess;
  let testBrowser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    hangar = await startHangar();
    testBrowser = await launchBrowser();
    page = await testBrowser.browser.newPage({ viewport: { width: 1280, height: 800 } });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    await testBrowser?.close();
    await hangar?.stop();
  });

  it('sends a visitor to the setup page while no admin exists', async () => {
    await page.goto(hangar.url);
    await page.waitForURL(/\/setup/);
    await page.getByLabel('Setup token').waitFor();
  });

  it('creates the first admin from the printed setup link', async () => {
    expect(hangar.setupUrl).toBeDefined();
    await page.goto(hangar.setupUrl!);
    await page.getByLabel('Username').fill(ADMIN.username);
    await page.getByLabel('Display name').fill(ADMIN.displayName);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByLabel('Confirm password').fill(ADMIN.password);
    await page.screenshot({ path: `${SCREENSHOTS}setup.png` });
    await page.getByRole('button', { name: 'Create admin account' }).click();
    await page.getByRole('button', { name: 'Log out' }).waitFor();
    expect(await page.getByText(ADMIN.displayName).first().isVisible()).toBe(true);
  });

  it('logs out, and the app then asks to log in', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login/);
    const me = await page.evaluate(async () => (await fetch('/api/me')).status);
    expect(me).toBe(401);
  });

  it('logs in and creates an API token that is shown once and works', async () => {
    await page.getByLabel('Username').fill(ADMIN.username);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.screenshot({ path: `${SCREENSHOTS}login.png` });
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('button', { name: 'Log out' }).waitFor();

    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByLabel('Token name').fill('my laptop');
    await page.getByLabel('Expires in days').fill('30');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = page.getByText(/hgr_[A-Za-z0-9_-]{20,}/);
    await secret.waitFor();
    const token = /hgr_[A-Za-z0-9_-]+/.exec((await secret.textContent()) ?? '')![0];
    await page.screenshot({ path: `${SCREENSHOTS}account.png`, fullPage: true });

    const res = await fetch(`${hangar.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user: { username: string } }).user.username).toBe('ada');
    // Listed by name, and never shown again after a reload.
    await page.reload();
    await page.getByText('my laptop').waitFor();
    expect(await page.getByText(token).count()).toBe(0);
  });

  it('shows throttling after five wrong passwords', async () => {
    const context = await testBrowser.browser.newContext();
    const fresh = await context.newPage();
    await fresh.goto(`${hangar.url}/login`);
    for (let i = 1; i <= 5; i++) {
      await fresh.getByLabel('Username').fill(ADMIN.username);
      await fresh.getByLabel('Password').fill(`wrong password ${i}`);
      await fresh.getByRole('button', { name: 'Log in' }).click();
      await fresh.getByRole('alert').waitFor();
      if (i < 5)
        await expect(fresh.getByRole('alert').textContent()).resolves.toMatch(/wrong username or password/i);
    }
    await fresh
      .getByRole('alert')
      .filter({ hasText: /too many/i })
      .waitFor();
    expect(await fresh.getByRole('alert').textContent()).toMatch(/try again in \d+ seconds?/i);
    await fresh.screenshot({ path: `${SCREENSHOTS}login-throttled.png` });
    await context.close();
  });
});
