/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { overflowsSideways, seriousViolations, smallTouchTargets } from './support/axe.js';
import { launchBrowser, type TestBrowser } from './support/browser.js';
import { startHangar, type HangarProcess } from './support/hangar.js';

// Every screenshot is a test artifact in test-results/; with HANGAR_UPDATE_SCREENSHOTS=1 the
// ones the README shows go to docs/screenshots/ instead.
const ARTIFACTS = fileURLToPath(new URL('../test-results/screenshots/', import.meta.url));
const DOCS = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const README_SHOTS = new Set([
  'phone-workspaces',
  'phone-agent-approval',
  'phone-diff',
  'phone-terminal',
  'desktop-command-palette',
  'desktop-workspace-agent',
  'desktop-workspaces',
  'desktop-agent-approval',
  'desktop-terminal',
  'desktop-diff',
]);
function screenshotPath(name: string): string {
  const toDocs = process.env.HANGAR_UPDATE_SCREENSHOTS === '1' && README_SHOTS.has(name);
  return `${toDocs ? DOCS : ARTIFACTS}${name}.png`;
}
const ADMIN = { username: 'grace', password: 'correct horse battery', displayName: 'Grace Hopper' };
const NAME = 'pages-demo';
/** Creating and deleting a real sandbox, in milliseconds. */
const STATE_TIMEOUT = 30_000;
/** An agent starting and the scripted model streaming a reply, in milliseconds. */
const REPLY_TIMEOUT = 45_000;

/** Per test: several pages each, on a machine other test suites may be loading too, in milliseconds. */
const SLOW_MS = 180_000;

const SIZES = {
  desktop: { viewport: { width: 1280, height: 800 } },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
} as const;
type Size = keyof typeof SIZES;

interface CheckOptions {
  /** The page's level-1 heading, waited for before checking. */
  heading?: string | RegExp;
  /** Where every control must be a 44 px touch target on the phone. */
  touchScope?: string;
  fullPage?: boolean;
}

/** axe-core (no serious or critical violation), no sideways scrolling on a phone, touch targets, a screenshot. */
async function checkPage(page: Page, size: Size, name: string, options: CheckOptions = {}): Promise<void> {
  if (options.heading) {
    await page
      .getByRole('heading', { level: 1, name: options.heading })
      .first()
      .waitFor({ timeout: STATE_TIMEOUT });
  }
  // Let lazy chunks and first queries settle: "Loading…" states are checked too, but not mid-swap.
  await page.waitForTimeout(300);
  const violations = await seriousViolations(page);
  expect(violations, `${name} at ${size}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
  if (size === 'phone') {
    expect(await overflowsSideways(page), `${name} scrolls sideways on a phone`).toBe(false);
    if (options.touchScope) {
      const small = await smallTouchTargets(page, options.touchScope);
      expect(small, `${name}: touch targets under 44 px`).toEqual([]);
    }
  }
  await page.screenshot({ path: screenshotPath(`${size}-${name}`), fullPage: options.fullPage ?? false });
}

/** A same-origin API call from the page: its session cookie and Origin header come along. */
async function api<T>(
  page: Page,
  path: string,
  method = 'GET',
  body?: unknown,
): Promise<{ status: number; body: T }> {
  return page.evaluate(
    async ({ path, method, body }) => {
      const response = await fetch(path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
    },
    { path, method, body },
  );
}

function screenLines(page: Page): Promise<string[]> {
  return page
    .locator('.terminal-screen .xterm-rows > div')
    .allTextContents()
    .then((rows) => rows.map((row) => row.trim()));
}

async function logIn(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/login`);
  await page.getByLabel('Username').fill(ADMIN.username);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Workspaces' }).waitFor();
}

// Password authentication (so the setup, login and invitation pages are real), the demo
// model (so an agent asks before running a tool), a real bubblewrap workspace.
describe('every page at desktop and phone sizes, with axe-core', () => {
  let hangar: HangarProcess;
  let testBrowser: TestBrowser;
  const contexts = {} as Record<Size, BrowserContext>;
  const pages = {} as Record<Size, Page>;
  let workspaceId: string | undefined;

  beforeAll(async () => {
    hangar = await startHangar({
      HANGAR_DEMO: 'true',
      HANGAR_SANDBOX_UID_BASE: String(1_900_000 + Math.floor(Math.random() * 999) * 100),
    });
    testBrowser = await launchBrowser();
    for (const size of ['desktop', 'phone'] as const) {
      contexts[size] = await testBrowser.browser.newContext(SIZES[size]);
      pages[size] = await contexts[size].newPage();
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    mkdirSync(DOCS, { recursive: true });
  });
  afterAll(async () => {
    // Stopping the sessions ends their agent processes; deleting the workspace removes the sandbox.
    const page = pages.desktop;
    if (workspaceId && page) {
      const listed = await api<{ sessions?: { id: string }[] }>(
        page,
        `/api/sessions?workspace=${workspaceId}`,
      );
      for (const session of listed.body?.sessions ?? []) {
        await api(page, `/api/sessions/${session.id}/stop`, 'POST', {});
      }
      await api(page, `/api/workspaces/${workspaceId}`, 'DELETE', { confirm: NAME });
      const deadline = Date.now() + STATE_TIMEOUT;
      while ((await api(page, `/api/workspaces/${workspaceId}`)).status !== 404 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    await testBrowser?.close();
    await hangar?.stop();
  }, SLOW_MS);

  it(
    'setup page',
    async () => {
      for (const size of ['desktop', 'phone'] as const) {
        await pages[size].goto(hangar.setupUrl!);
        await checkPage(pages[size], size, 'setup', { heading: 'Set up Hangar', touchScope: 'main' });
      }
    },
    SLOW_MS,
  );

  it(
    'phone: creates the admin from the setup link',
    async () => {
      const page = pages.phone;
      await page.getByLabel('Username').fill(ADMIN.username);
      await page.getByLabel('Display name').fill(ADMIN.displayName);
      await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
      await page.getByLabel('Confirm password').fill(ADMIN.password);
      await page.getByRole('button', { name: 'Create admin account' }).click();
      await page.getByRole('heading', { level: 1, name: 'Workspaces' }).waitFor();
    },
    SLOW_MS,
  );

  it(
    'login page, then logged in on both',
    async () => {
      for (const size of ['desktop', 'phone'] as const) {
        const page = pages[size];
        if (size === 'phone') {
          await page.getByRole('button', { name: 'Log out' }).click();
          await page.waitForURL(/\/login/);
        } else {
          await page.goto(`${hangar.url}/login`);
        }
        await checkPage(page, size, 'login', { heading: /Log in/i, touchScope: 'main' });
        await logIn(page, hangar.url);
      }
    },
    SLOW_MS,
  );

  it(
    'invitation page, for a visitor with a link',
    async () => {
      const created = await api<{ url: string; token: string }>(pages.desktop, '/api/invitations', 'POST', {
        role: 'member',
      });
      expect(created.status).toBe(201);
      for (const size of ['desktop', 'phone'] as const) {
        const visitor = await testBrowser.browser.newContext(SIZES[size]);
        const page = await visitor.newPage();
        await page.goto(`${hangar.url}/invite?token=${encodeURIComponent(created.body.token)}`);
        await page.getByLabel('Username').waitFor();
        await checkPage(page, size, 'invite', { touchScope: 'main' });
        await visitor.close();
      }
    },
    SLOW_MS,
  );

  it(
    'workspace list (empty), usage, account, people, providers, not found',
    async () => {
      const visits: [string, string, string | RegExp][] = [
        ['/', 'workspaces-empty', 'Workspaces'],
        ['/usage', 'usage', 'Usage'],
        ['/account', 'account', 'Account'],
        ['/admin/people', 'people', 'People'],
        ['/admin/providers', 'providers', /Providers/],
        ['/no-such-page', 'not-found', 'Page not found'],
      ];
      for (const size of ['desktop', 'phone'] as const) {
        for (const [path, name, heading] of visits) {
          await pages[size].goto(`${hangar.url}${path}`);
          await checkPage(pages[size], size, name, { heading, touchScope: '.app' });
        }
      }
    },
    SLOW_MS,
  );

  it(
    'new workspace dialog, command palette and shortcuts help',
    async () => {
      for (const size of ['desktop', 'phone'] as const) {
        const page = pages[size];
        await page.goto(`${hangar.url}/?new=1`);
        await page.getByRole('dialog', { name: 'New workspace' }).waitFor();
        // The link opened the dialog once; the URL no longer asks for it.
        await expect.poll(() => new URL(page.url()).search).toBe('');
        await checkPage(page, size, 'new-workspace', { touchScope: 'dialog' });
        await page.keyboard.press('Escape');
        await page.getByRole('dialog', { name: 'New workspace' }).waitFor({ state: 'detached' });

        await page.getByRole('button', { name: /^Search/ }).click();
        const palette = page.getByRole('dialog', { name: 'Command palette' });
        await palette.waitFor();
        await checkPage(page, size, 'command-palette', { touchScope: 'dialog' });
        await page.keyboard.press('Escape');
        await palette.waitFor({ state: 'detached' });
      }
      const page = pages.desktop;
      await page.keyboard.press('?');
      await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
      await checkPage(page, 'desktop', 'shortcuts');
      await page.keyboard.press('Escape');
      // Ctrl-K, "usage", Enter: the palette goes to the page.
      await page.keyboard.press('Control+k');
      await page.getByRole('combobox', { name: 'Go to or do' }).fill('usage');
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/usage$/);
      // "g a": to the account page.
      await page.keyboard.press('g');
      await page.keyboard.press('a');
      await page.waitForURL(/\/account$/);
    },
    SLOW_MS,
  );

  it(
    'is installable: manifest with 192 and 512 px icons, service worker that never caches the API',
    async () => {
      const page = pages.desktop;
      const manifest = await api<{
        start_url: string;
        display: string;
        icons: { src: string; sizes: string; type: string }[];
      }>(page, '/manifest.webmanifest');
      expect(manifest.body.start_url).toBe('/');
      expect(manifest.body.display).toBe('standalone');
      for (const size of ['192x192', '512x512']) {
        const icon = manifest.body.icons.find((i) => i.sizes === size && i.type === 'image/png');
        expect(icon, `a ${size} PNG icon`).toBeDefined();
        const fetched = await page.evaluate(async (src) => {
          const response = await fetch(src);
          const bitmap = await createImageBitmap(await response.blob());
          return { status: response.status, width: bitmap.width };
        }, icon!.src);
        expect(fetched).toEqual({ status: 200, width: Number(size.split('x')[0]) });
      }

      // The production build registers /sw.js; once it controls the page, the app's own requests go through it.
      await page.goto(`${hangar.url}/`);
      await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
      await page.reload();
      await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
      await page.getByRole('heading', { level: 1, name: 'Workspaces' }).waitFor();
      await page.evaluate(() =>
        Promise.all([fetch('/api/me'), fetch('/api/workspaces'), fetch('/llm/v1/models')]),
      );
      const cached = await page.evaluate(async () => {
        const urls: string[] = [];
        for (const key of await caches.keys()) {
          for (const request of await (await caches.open(key)).keys())
            urls.push(new URL(request.url).pathname);
        }
        return urls;
      });
      expect(cached).toContain('/index.html');
      expect(cached.some((path) => /^\/assets\/index-[\w-]+\.js$/.test(path))).toBe(true);
      expect(cached.filter((path) => path.startsWith('/api') || path.startsWith('/llm'))).toEqual([]);

      // Chromium's own verdict on installability (DevTools protocol).
      const cdp = await contexts.desktop.newCDPSession(page);
      const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as {
        installabilityErrors: { errorId: string }[];
      };
      // Every test browser context is a fresh incognito-like profile, which Chromium never installs into.
      expect(installabilityErrors.map((e) => e.errorId).filter((id) => id !== 'in-incognito')).toEqual([]);
      await cdp.detach();
    },
    SLOW_MS,
  );

  it(
    'phone: opens the new workspace from the list',
    async () => {
      const created = await api<{ id: string; state: string }>(
        pages.phone,
        '/api/workspaces?wait=true',
        'POST',
        {
          name: NAME,
        },
      );
      expect(created.status).toBe(201);
      expect(created.body.state).toBe('running');
      workspaceId = created.body.id;
      // A repository with one commit, so the Diff tab has something to compare the agent's work with.
      const init = await api<{ exitCode: number }>(
        pages.phone,
        `/api/workspaces/${workspaceId}/exec`,
        'POST',
        {
          command: [
            'sh',
            '-c',
            'git init -q && git -c user.name=Hangar -c user.email=hangar@localhost commit -q --allow-empty -m start',
          ],
        },
      );
      expect(init.body.exitCode).toBe(0);
      const page = pages.phone;
      await page.goto(`${hangar.url}/`);
      await page.getByRole('link', { name: NAME }).waitFor();
      await checkPage(page, 'phone', 'workspaces', { heading: 'Workspaces', touchScope: '.app' });
      await page.getByRole('link', { name: NAME }).click();
      await page.getByRole('heading', { level: 1, name: NAME }).waitFor();
      await checkPage(page, 'phone', 'workspace', { touchScope: '[role=tablist]' });
    },
    SLOW_MS,
  );

  it(
    'phone: approves a tool call in the agent chat',
    async () => {
      const page = pages.phone;
      await page.getByRole('tab', { name: 'Agent' }).click();
      await expect.poll(() => new URL(page.url()).searchParams.get('tab')).toBe('agent');
      await page.getByRole('combobox', { name: 'Agent' }).selectOption('claude-code');
      await page.getByLabel('Model').selectOption('hangar-demo');
      await page.getByLabel('Permission mode').selectOption('ask');
      await page.getByLabel('Prompt').fill('look around and leave a note');
      await page.getByRole('button', { name: 'Start session' }).click();
      const transcript = page.getByRole('log', { name: 'Transcript' });
      await transcript.waitFor({ timeout: REPLY_TIMEOUT });
      const allow = page.getByRole('button', { name: 'Allow', exact: true });
      await allow.first().waitFor({ timeout: REPLY_TIMEOUT });
      await allow.first().scrollIntoViewIfNeeded();
      await checkPage(page, 'phone', 'agent-approval');
      const deadline = Date.now() + REPLY_TIMEOUT;
      while (!(await transcript.innerText()).includes('Done!') && Date.now() < deadline) {
        // The card re-renders as events stream in; a tap that misses is simply tried again.
        if (
          await allow
            .first()
            .isEnabled({ timeout: 100 })
            .catch(() => false)
        ) {
          await allow
            .first()
            .tap({ timeout: 1_000 })
            .catch(() => undefined);
        } else await page.waitForTimeout(200);
      }
      expect(await transcript.innerText()).toContain('Done!');
      // A link to the session opens it again (and the Agent tab) after a reload.
      expect(new URL(page.url()).searchParams.get('session')).toBeTruthy();
    },
    SLOW_MS,
  );

  it(
    'phone: reads the diff of what the agent wrote, Back returns to the chat',
    async () => {
      const page = pages.phone;
      await page.getByRole('tab', { name: 'Diff' }).click();
      await page
        .locator('.diff-panel')
        .getByText('HELLO_FROM_HANGAR.md')
        .filter({ visible: true })
        .first()
        .waitFor({ timeout: STATE_TIMEOUT });
      await checkPage(page, 'phone', 'diff', { fullPage: true });
      await page.goBack();
      await expect.poll(() => new URL(page.url()).searchParams.get('tab')).toBe('agent');
      await page.getByRole('log', { name: 'Transcript' }).waitFor();
    },
    SLOW_MS,
  );

  it(
    'phone: types in the terminal with the extra-keys bar',
    async () => {
      const page = pages.phone;
      await page.getByRole('tab', { name: 'Terminal' }).click();
      await page.getByRole('button', { name: 'New terminal', exact: true }).tap();
      await page
        .getByRole('status')
        .filter({ hasText: /^Connected$/ })
        .waitFor({ timeout: STATE_TIMEOUT });
      const keys = page.getByRole('toolbar', { name: 'Extra keys' });
      await keys.waitFor();
      await page.locator('.terminal-screen').tap();

      // ← moves the cursor: "echo hello", three lefts, "X" → "echo heXllo".
      await page.keyboard.type('echo hello');
      for (let i = 0; i < 3; i++) await keys.getByRole('button', { name: 'Left arrow' }).tap();
      await page.keyboard.type('X');
      await page.keyboard.press('Enter');
      await expect.poll(() => screenLines(page), { timeout: STATE_TIMEOUT }).toContain('heXllo');

      // Ctrl then "u" is ^U, which erases the line typed so far.
      await page.keyboard.type('echo gone');
      await keys.getByRole('button', { name: 'Ctrl' }).tap();
      expect(await keys.getByRole('button', { name: 'Ctrl' }).getAttribute('aria-pressed')).toBe('true');
      await page.keyboard.type('u');
      expect(await keys.getByRole('button', { name: 'Ctrl' }).getAttribute('aria-pressed')).toBe('false');
      await page.keyboard.type('echo kept');
      await page.keyboard.press('Enter');
      await expect.poll(() => screenLines(page), { timeout: STATE_TIMEOUT }).toContain('kept');
      expect((await screenLines(page)).some((line) => line.includes('gone'))).toBe(false);

      // ↑ recalls the last command from the shell's history.
      await keys.getByRole('button', { name: 'Up arrow' }).tap();
      await expect
        .poll(async () => (await screenLines(page)).filter((l) => l.endsWith('echo kept')).length)
        .toBe(2);
      await page.keyboard.press('Enter');
      await expect.poll(async () => (await screenLines(page)).filter((l) => l === 'kept').length).toBe(2);

      // Tab completes a command name: "ech", Tab → "echo ".
      await page.keyboard.type('ech');
      await keys.getByRole('button', { name: 'Tab' }).tap();
      await page.keyboard.type('tabbed');
      await page.keyboard.press('Enter');
      await expect.poll(() => screenLines(page), { timeout: STATE_TIMEOUT }).toContain('tabbed');
      await checkPage(page, 'phone', 'terminal', { touchScope: '.terminal-extra-keys' });
    },
    SLOW_MS,
  );

  it(
    'desktop: the workspace page and each tab, by deep link',
    async () => {
      const page = pages.desktop;
      for (const tab of ['terminal', 'agent', 'files', 'diff']) {
        await page.goto(`${hangar.url}/workspaces/${workspaceId}?tab=${tab}`);
        await page.getByRole('heading', { level: 1, name: NAME }).waitFor();
        const selected = page.getByRole('tab', { selected: true });
        await expect.poll(() => selected.first().textContent()).toBe(tab[0]!.toUpperCase() + tab.slice(1));
        await checkPage(page, 'desktop', `workspace-${tab}`);
      }
      // A file's link opens the Files tab on it.
      await page.goto(`${hangar.url}/workspaces/${workspaceId}?file=HELLO_FROM_HANGAR.md`);
      await expect.poll(() => page.getByRole('tab', { selected: true }).first().textContent()).toBe('Files');
      await page.getByText('HELLO_FROM_HANGAR.md').first().waitFor();
      await checkPage(page, 'desktop', 'workspace-file');
      await page.goto(`${hangar.url}/`);
      await checkPage(page, 'desktop', 'workspaces', { heading: 'Workspaces' });
    },
    SLOW_MS,
  );

  it(
    'desktop: adds a webhook, then an agent asks before a tool call (tool card and approval card)',
    async () => {
      const page = pages.desktop;
      // A receiver for the webhook: the turn that ends below is delivered to it.
      const received: string[] = [];
      const receiver: Server = createServer((request, response) => {
        request.resume();
        request.on('end', () => {
          received.push(String(request.headers['x-hangar-event'] ?? ''));
          response.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      try {
        const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
        await page.goto(`${hangar.url}/workspaces/${workspaceId}?tab=agent&session=new`);
        const section = page.getByRole('region', { name: 'Webhooks' });
        await section.getByLabel('Receiver URL').fill(hook);
        await section.getByRole('button', { name: 'Add webhook' }).click();
        await section.locator('.secret-value').waitFor();
        await section.scrollIntoViewIfNeeded();
        await checkPage(page, 'desktop', 'webhook-secret');
        await section.getByRole('button', { name: 'Done' }).click();

        await page.getByRole('combobox', { name: 'Agent' }).selectOption('claude-code');
        await page.getByLabel('Model').selectOption('hangar-demo');
        await page.getByLabel('Permission mode').selectOption('ask');
        await page.getByLabel('Prompt').fill('look around and leave a note');
        await page.getByRole('button', { name: 'Start session' }).click();
        const transcript = page.getByRole('log', { name: 'Transcript' });
        const allow = page.getByRole('button', { name: 'Allow', exact: true });
        await allow.first().waitFor({ timeout: REPLY_TIMEOUT });
        // The tool the agent asks to run has its card above the question.
        const tool = transcript.locator('.tool-card').last();
        await tool.waitFor();
        await page.locator('.agent-panel').scrollIntoViewIfNeeded();
        // The whole tool card and the question below it; then back to the bottom, where the log follows the stream.
        await tool.evaluate((card) => {
          const log = card.closest<HTMLElement>('[role=log]')!;
          log.scrollTop += card.getBoundingClientRect().top - log.getBoundingClientRect().top - 8;
        });
        await checkPage(page, 'desktop', 'agent-approval');
        await transcript.evaluate((log) => (log.scrollTop = log.scrollHeight));
        const deadline = Date.now() + REPLY_TIMEOUT;
        while (!(await transcript.innerText()).includes('Done!') && Date.now() < deadline) {
          if (
            await allow
              .first()
              .isEnabled({ timeout: 100 })
              .catch(() => false)
          ) {
            await allow
              .first()
              .click({ timeout: 1_000 })
              .catch(() => undefined);
          } else await page.waitForTimeout(200);
        }
        expect(await transcript.innerText()).toContain('Done!');

        // The webhook's delivery log, with the turn's delivery in it.
        await expect.poll(() => received.length, { timeout: STATE_TIMEOUT }).toBeGreaterThan(0);
        await section.getByText(hook).click();
        await section
          .getByRole('table', { name: 'Deliveries' })
          .getByText('succeeded')
          .first()
          .waitFor({ timeout: STATE_TIMEOUT });
        await section.scrollIntoViewIfNeeded();
        // The table scrolls inside the narrow side column; the page does not grow sideways.
        expect(await overflowsSideways(page), 'the delivery log widens the page').toBe(false);
        await checkPage(page, 'desktop', 'webhooks');
      } finally {
        await new Promise<void>((resolve) => receiver.close(() => resolve()));
      }
    },
    SLOW_MS,
  );

  it(
    'desktop: the diff of a change, and the terminal',
    async () => {
      const page = pages.desktop;
      await page.goto(`${hangar.url}/workspaces/${workspaceId}?tab=diff`);
      await page
        .locator('.diff-panel')
        .getByText('HELLO_FROM_HANGAR.md')
        .filter({ visible: true })
        .first()
        .waitFor({ timeout: STATE_TIMEOUT });
      await page.locator('.diff-panel').scrollIntoViewIfNeeded();
      await checkPage(page, 'desktop', 'diff');

      await page.goto(`${hangar.url}/workspaces/${workspaceId}?tab=terminal`);
      await page
        .getByRole('status')
        .filter({ hasText: /^Connected$/ })
        .waitFor({ timeout: STATE_TIMEOUT });
      await page.locator('.terminal-screen').click();
      await page.keyboard.type('ls -la');
      await page.keyboard.press('Enter');
      await expect
        .poll(async () => (await screenLines(page)).some((line) => line.endsWith('HELLO_FROM_HANGAR.md')), {
          timeout: STATE_TIMEOUT,
        })
        .toBe(true);
      await page.locator('.terminal-screen').scrollIntoViewIfNeeded();
      await checkPage(page, 'desktop', 'terminal');
    },
    SLOW_MS,
  );

  it(
    'notification centre, workspace chat and an open file, at both sizes',
    async () => {
      for (const size of ['desktop', 'phone'] as const) {
        const page = pages[size];
        await page.goto(`${hangar.url}/workspaces/${workspaceId}`);
        await page.getByRole('heading', { level: 1, name: NAME }).waitFor();

        await page.getByRole('button', { name: /^Notifications/ }).click();
        const centre = page.getByRole('region', { name: 'Notification centre' });
        await centre.waitFor();
        // Wholly on screen (a panel anchored to the bell could run off the left edge of a phone).
        const panel = (await centre.boundingBox())!;
        const width = SIZES[size].viewport.width;
        expect([panel.x >= 0, panel.x + panel.width <= width], `panel at ${panel.x}+${panel.width}`).toEqual([
          true,
          true,
        ]);
        await checkPage(page, size, 'notifications', { touchScope: '.notification-panel' });
        await page.keyboard.press('Escape');
        await page.getByRole('region', { name: 'Notification centre' }).waitFor({ state: 'detached' });

        // On a phone the chat is a tab beside the tools; on a desktop it sits beside them.
        if (size === 'phone') await page.getByRole('tab', { name: /^Chat/ }).click();
        const box = page.getByRole('combobox', { name: 'Chat message' });
        await box.fill(`Hello from the ${size}, @grace`);
        await page.getByRole('button', { name: 'Send', exact: true }).last().click();
        await page
          .getByRole('log', { name: 'Workspace chat' })
          .getByText(`Hello from the ${size}`)
          .waitFor({ timeout: STATE_TIMEOUT });
        await checkPage(page, size, 'workspace-chat', { touchScope: '.chat-panel' });

        await page.goto(`${hangar.url}/workspaces/${workspaceId}?file=HELLO_FROM_HANGAR.md`);
        await expect
          .poll(() => page.getByRole('tab', { selected: true }).first().textContent())
          .toMatch(/Files|Tools/);
        await page.getByText('HELLO_FROM_HANGAR.md').filter({ visible: true }).first().waitFor();
        await checkPage(page, size, 'file-open');
      }
    },
    SLOW_MS,
  );
});
