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
/** A made-up key, unique enough that finding it anywhere means it leaked. */
const KEY = `sk-ant-e2e-${Date.now().toString(36)}-never-shown`;

describe('usage, provider keys and budgets in the browser', () => {
  let hangar: HangarProcess;
  let testBrowser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    hangar = await startHangar();
    testBrowser = await launchBrowser();
    page = await testBrowser.browser.newPage({ viewport: { width: 1280, height: 800 } });
    mkdirSync(SCREENSHOTS, { recursive: true });

    // First run through the API, from the page, so the session cookie lands in the browser.
    expect(hangar.setupUrl).toBeDefined();
    const setupToken = new URL(hangar.setupUrl!).searchParams.get('token');
    await page.goto(`${hangar.url}/login`);
    const status = await page.evaluate(
      async (body) =>
        (
          await fetch('/api/auth/setup', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          })
        ).status,
      { setupToken, ...ADMIN },
    );
    expect(status).toBe(200);
  });
  afterAll(async () => {
    await testBrowser?.close();
    await hangar?.stop();
  });

  it('shows an empty usage page before any LLM call', async () => {
    await page.goto(hangar.url);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Usage' }).click();
    await page.waitForURL(/\/usage/);
    await page.getByRole('heading', { name: 'No LLM calls in this period' }).waitFor();
    // The period defaults to this month (UTC), and no CSV is offered for nothing.
    const from = await page.getByLabel('From').inputValue();
    expect(from).toBe(`${new Date().toISOString().slice(0, 7)}-01`);
    await expect(page.getByLabel('Group by').inputValue()).resolves.toBe('day');
    expect(await page.getByRole('link', { name: 'Download CSV' }).count()).toBe(0);
    await page.screenshot({ path: `${SCREENSHOTS}usage.png` });
  });

  it('sets a provider key that is never shown again', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Providers' }).click();
    await page.waitForURL(/\/admin\/providers/);
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'anthropic' }) });
    await row.getByText('not set').waitFor();

    const field = page.getByLabel('API key for Anthropic');
    await expect(field.getAttribute('type')).resolves.toBe('password');
    await field.fill(KEY);
    await page
      .getByRole('form', { name: 'Key for Anthropic' })
      .getByRole('button', { name: 'Save key' })
      .click();
    await row.getByText('set by admin').waitFor();
    await expect(field.inputValue()).resolves.toBe('');

    expect(await page.content()).not.toContain(KEY);
    const listed = await page.evaluate(async () => (await fetch('/api/admin/providers')).text());
    expect(listed).toContain('"keySource":"admin"');
    expect(listed).not.toContain(KEY);
    // Still nowhere after a reload, when the page is drawn from the server alone.
    await page.reload();
    await row.getByText('set by admin').waitFor();
    expect(await page.content()).not.toContain(KEY);
  });

  it('sets a user budget and lists it with what was spent', async () => {
    await page.getByText('No budgets set').waitFor();
    await page.getByLabel('Scope').selectOption('user');
    await page.getByLabel('User', { exact: true }).selectOption({ label: `${ADMIN.displayName} (ada)` });
    await page.getByLabel('Monthly budget (USD)').fill('25');
    await page.getByRole('button', { name: 'Set budget' }).click();

    const budget = page
      .getByRole('table', { name: 'Budgets that replace the defaults' })
      .getByRole('row')
      .filter({ hasText: ADMIN.displayName });
    await budget.waitFor();
    await budget.getByText('$25.00').waitFor();
    await budget.getByText('$0.00').waitFor();
    await budget.getByRole('progressbar', { name: `Budget used by ${ADMIN.displayName} (ada)` }).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}providers.png`, fullPage: true });
  });

  it('removes the key after a confirmation', async () => {
    const form = page.getByRole('form', { name: 'Key for Anthropic' });
    await form.getByRole('button', { name: 'Remove key' }).click();
    await form.getByRole('button', { name: 'Confirm remove' }).click();
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'anthropic' }) });
    await row.getByText('not set').waitFor();
    expect(await form.getByRole('button', { name: 'Remove key' }).count()).toBe(0);
  });
});
