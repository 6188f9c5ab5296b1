import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from './support/browser.js';
import { startHangar, type HangarProcess } from './support/hangar.js';

const SCREENSHOTS = fileURLToPath(
  new URL(
    process.env.HANGAR_UPDATE_SCREENSHOTS === '1' ? '../docs/screenshots/' : '../test-results/screenshots/',
    import.meta.url,
  ),
);
const NAME = 'team-demo';
const PASSWORD = 'correct horse battery';
/** An agent starting and the scripted demo model answering, in milliseconds. */
const REPLY_TIMEOUT = 45_000;
const LIVE_TIMEOUT = 10_000;
const XSS = 'see <img src=x onerror="window.__xss=1"> and [this](javascript:window.__xss=2)';

/** Records browser notifications instead of showing them (headless Chromium has no notification centre). */
const RECORD_NOTIFICATIONS = () => {
  const shown: { title: string; body: string }[] = [];
  Object.assign(globalThis, { __shown: shown });
  class RecordingNotification {
    static permission = 'granted';
    static requestPermission = async () => 'granted';
    onclick: (() => void) | null = null;
    constructor(title: string, options?: { body?: string }) {
      shown.push({ title, body: options?.body ?? '' });
    }
    close() {}
  }
  Object.defineProperty(globalThis, 'Notification', { value: RecordingNotification, configurable: true });
};

interface Person {
  username: string;
  displayName: string;
}
const ANA: Person = { username: 'ana', displayName: 'Ana Lima' };
const BEN: Person = { username: 'ben', displayName: 'Ben Okafor' };
const VIC: Person = { username: 'vic', displayName: 'Vic Viewer' };

// Two people in two browser contexts share a workspace: presence, live chat with a mention that
// notifies, `@agent` answered by the scripted demo model, and a viewer who can read but not post.
describe('working together in a workspace', () => {
  let hangar: HangarProcess;
  let testBrowser: TestBrowser;
  const contexts: BrowserContext[] = [];
  const cookies = new Map<string, string>();
  let workspaceId: string;
  let ana: Page;
  let ben: Page;

  /** A request as one person (their session cookie, and the Origin the CSRF check wants). */
  const as = async (who: Person | null, path: string, method = 'GET', body?: unknown) => {
    const headers: Record<string, string> = { origin: hangar.url };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (who) headers.cookie = cookies.get(who.username) ?? '';
    const res = await fetch(`${hangar.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('hangar_session='));
    return { res, cookie: cookie?.split(';')[0] };
  };
  const login = async (who: Person) => {
    const { res, cookie } = await as(null, '/api/auth/login', 'POST', {
      username: who.username,
      password: PASSWORD,
    });
    expect(res.status).toBe(200);
    cookies.set(who.username, cookie!);
  };
  const openAs = async (who: Person): Promise<Page> => {
    const context = await testBrowser.browser.newContext({ viewport: { width: 1400, height: 900 } });
    contexts.push(context);
    const [name, value] = cookies.get(who.username)!.split('=') as [string, string];
    await context.addCookies([{ name, value, url: hangar.url }]);
    await context.addInitScript(RECORD_NOTIFICATIONS);
    const page = await context.newPage();
    page.on('pageerror', (error) => console.error(`page error (${who.username}): ${error.message}`));
    page.on('dialog', (dialog) => {
      throw new Error(`a dialog opened: ${dialog.message()}`);
    });
    await page.goto(`${hangar.url}/workspaces/${workspaceId}`);
    await page.getByRole('log', { name: 'Workspace chat' }).waitFor();
    return page;
  };
  const chatText = (page: Page) => page.getByRole('log', { name: 'Workspace chat' }).innerText();
  const here = (page: Page) =>
    page
      .getByRole('list', { name: 'Here now' })
      .innerText()
      .catch(() => '');
  const say = async (page: Page, text: string) => {
    const box = page.getByRole('combobox', { name: 'Chat message' });
    await box.fill(text);
    await page.getByRole('button', { name: 'Send', exact: true }).last().click();
    // Sent once the server answers: for `@agent`, after the agent's session has started.
    await expect.poll(() => box.inputValue(), { timeout: REPLY_TIMEOUT }).toBe('');
  };

  beforeAll(async () => {
    hangar = await startHangar({
      HANGAR_DEMO: 'true',
      HANGAR_SANDBOX_UID_BASE: String(1_500_000 + Math.floor(Math.random() * 1000) * 100),
      HANGAR_SANDBOX_UID_COUNT: '100',
    });
    const token = new URL(hangar.setupUrl!).searchParams.get('token');
    const setup = await as(null, '/api/auth/setup', 'POST', {
      setupToken: token,
      ...ANA,
      password: PASSWORD,
    });
    expect(setup.res.status).toBe(200);
    cookies.set(ANA.username, setup.cookie!);
    for (const who of [BEN, VIC]) {
      const created = await as(ANA, '/api/users', 'POST', { ...who, password: PASSWORD, role: 'member' });
      expect(created.res.status).toBe(201);
      await login(who);
    }
    const created = await as(ANA, '/api/workspaces?wait=true', 'POST', { name: NAME });
    expect(created.res.status).toBe(201);
    const workspace = (await created.res.json()) as { id: string; state: string };
    expect(workspace.state).toBe('running');
    workspaceId = workspace.id;
    const users = (await (await as(ANA, '/api/users')).res.json()) as {
      users: { id: string; username: string }[];
    };
    const idOf = (who: Person) => users.users.find((u) => u.username === who.username)!.id;
    for (const [who, role] of [
      [BEN, 'editor'],
      [VIC, 'viewer'],
    ] as const) {
      const res = await as(ANA, `/api/workspaces/${workspaceId}/members/${idOf(who)}`, 'PUT', { role });
      expect(res.res.status).toBe(200);
    }
    testBrowser = await launchBrowser();
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await testBrowser?.close();
    if (workspaceId) {
      const listed = (await (await as(ANA, `/api/sessions?workspace=${workspaceId}`)).res.json()) as {
        sessions?: { id: string }[];
      };
      for (const session of listed.sessions ?? [])
        await as(ANA, `/api/sessions/${session.id}/stop`, 'POST', {});
      await as(ANA, `/api/workspaces/${workspaceId}`, 'DELETE', { confirm: NAME });
      const deadline = Date.now() + 30_000;
      while ((await as(ANA, `/api/workspaces/${workspaceId}`)).res.status !== 404 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    await hangar?.stop();
  });

  it('shows each person to the other in presence', async () => {
    ana = await openAs(ANA);
    ben = await openAs(BEN);
    await expect.poll(() => here(ana), { timeout: LIVE_TIMEOUT }).toContain(`${BEN.displayName} is here`);
    await expect.poll(() => here(ben), { timeout: LIVE_TIMEOUT }).toContain(`${ANA.displayName} is here`);
  });

  it('delivers a message with an @mention live and notifies the one mentioned', async () => {
    const box = ben.getByRole('combobox', { name: 'Chat message' });
    // Autocomplete: "@an" offers Ana; Enter takes it.
    await box.fill('');
    await box.pressSequentially('@an');
    await ben.getByRole('option', { name: /@ana/ }).waitFor();
    await box.press('Enter');
    expect(await box.inputValue()).toBe('@ana ');
    await box.pressSequentially(`please review, ${XSS}`);
    await ben.getByRole('button', { name: 'Send', exact: true }).last().click();

    await expect.poll(() => chatText(ana), { timeout: LIVE_TIMEOUT }).toContain('@ana please review');
    await ana.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor({ timeout: LIVE_TIMEOUT });
    await expect
      .poll(() => ana.evaluate(() => (globalThis as unknown as { __shown: { title: string }[] }).__shown), {
        timeout: LIVE_TIMEOUT,
      })
      .toEqual([
        {
          title: `${BEN.displayName} mentioned you in ${NAME}`,
          body: expect.stringContaining('please review'),
        },
      ]);
    await ana.getByRole('button', { name: 'Notifications, 1 unread' }).click();
    await ana
      .getByRole('region', { name: 'Notification centre' })
      .getByText(`${BEN.displayName} mentioned you`)
      .waitFor();
    await ana.screenshot({ path: `${SCREENSHOTS}team-chat.png` });
    await ana.keyboard.press('Escape');

    // The message's HTML is text, and its javascript: link is not a link, on both sides.
    for (const page of [ana, ben]) {
      const log = page.getByRole('log', { name: 'Workspace chat' });
      expect(await log.locator('img').count()).toBe(0);
      expect(await log.locator('a[href^="javascript:"]').count()).toBe(0);
      expect(await log.innerText()).toContain('<img src=x onerror=');
      expect(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss)).toBeUndefined();
    }
  });

  it('sends @agent to the agent, whose reply both see', async () => {
    await say(ana, '@agent hello');
    for (const page of [ana, ben]) {
      await expect
        .poll(() => chatText(page), { timeout: REPLY_TIMEOUT })
        .toContain("Hello! I'm Hangar's demo model");
      expect(await chatText(page)).toContain(`${ANA.displayName} started a`);
    }
    await ben.screenshot({ path: `${SCREENSHOTS}team-agent.png` });
    // The chat message and the agent's reply are linked to the session it started.
    const sessions = (await (await as(ANA, `/api/sessions?workspace=${workspaceId}`)).res.json()) as {
      sessions: { id: string; createdBy: string }[];
    };
    expect(sessions.sessions).toHaveLength(1);
    const page = (await (await as(BEN, `/api/workspaces/${workspaceId}/chat/messages`)).res.json()) as {
      messages: { type: string; text: string; sessionId: string | null }[];
    };
    const asked = page.messages.find((m) => m.text === '@agent hello');
    const reply = page.messages.find((m) => m.type === 'agent');
    expect(asked?.sessionId).toBe(sessions.sessions[0]!.id);
    expect(reply?.sessionId).toBe(sessions.sessions[0]!.id);
  });

  it('lets a viewer read but not post', async () => {
    const vic = await openAs(VIC);
    await expect
      .poll(() => chatText(vic), { timeout: LIVE_TIMEOUT })
      .toContain("Hello! I'm Hangar's demo model");
    const box = vic.getByRole('combobox', { name: 'Chat message' });
    expect(await box.isDisabled()).toBe(true);
    expect(await box.getAttribute('placeholder')).toContain('Viewers can read the chat');
    const refused = await as(VIC, `/api/workspaces/${workspaceId}/chat/messages`, 'POST', { text: 'sneaky' });
    expect(refused.res.status).toBe(403);
    // Vic is present too, as the others see.
    await expect.poll(() => here(ana), { timeout: LIVE_TIMEOUT }).toContain(`${VIC.displayName} is here`);
  });

  it('lets an owner add a webhook, shows its secret once, and logs its signed deliveries', async () => {
    const received: { signature: string; body: string }[] = [];
    const receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ signature: String(request.headers['x-hangar-signature-256']), body });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const section = ana.getByRole('region', { name: 'Webhooks' });
      await section.getByLabel('Receiver URL').fill(url);
      await section.getByLabel('Chat mention').check();
      await section.getByRole('button', { name: 'Add webhook' }).click();
      const secret = (await section.locator('.secret-value').innerText()).trim();
      expect(secret).toMatch(/^whsec_/);

      await say(ben, '@ana one more thing');
      await expect.poll(() => received.length, { timeout: LIVE_TIMEOUT }).toBe(1);
      const expected = `sha256=${createHmac('sha256', secret).update(received[0]!.body).digest('hex')}`;
      expect(received[0]!.signature).toBe(expected);

      await section.getByText(url).click();
      await section
        .getByRole('table', { name: 'Deliveries' })
        .getByText('succeeded')
        .waitFor({ timeout: LIVE_TIMEOUT });
      await ana.screenshot({ path: `${SCREENSHOTS}team-webhooks.png`, fullPage: true });
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});
