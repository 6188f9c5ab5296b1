import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from './support/browser.js';
import { startHangar, type HangarProcess } from './support/hangar.js';

const SCREENSHOTS = fileURLToPath(
  new URL(
    process.env.HANGAR_UPDATE_SCREENSHOTS === '1' ? '../docs/screenshots/' : '../test-results/screenshots/',
    import.meta.url,
  ),
);
const NAME = 'agent-demo';
const AGENT = 'claude-code';
/** Creating and deleting a real sandbox, in milliseconds. */
const STATE_TIMEOUT = 30_000;
/** An agent starting and the scripted model streaming a reply, in milliseconds. */
const REPLY_TIMEOUT = 45_000;

/** The transcript's text, for polling. */
function transcript(page: Page): Promise<string> {
  return page.getByRole('log', { name: 'Transcript' }).innerText();
}

// HANGAR_DEMO=true points every provider at the scripted demo model (packages/llm-scripted/src/demo-scenario.ts):
// it answers a greeting, and for any other request runs `ls -la`, writes HELLO_FROM_HANGAR.md and sums up.
describe('agent sessions in the browser', () => {
  let hangar: HangarProcess;
  let testBrowser: TestBrowser;
  let page: Page;
  let workspaceId: string;

  const api = (path: string, method?: string, body?: unknown) => hangar.api(path, method, body);

  beforeAll(async () => {
    hangar = await startHangar({ HANGAR_AUTH: 'none', HANGAR_DEMO: 'true' });
    const created = await api('/api/workspaces?wait=true', 'POST', { name: NAME });
    expect(created.status).toBe(201);
    const workspace = (await created.json()) as { id: string; state: string };
    expect(workspace.state).toBe('running');
    workspaceId = workspace.id;
    testBrowser = await launchBrowser();
    page = await testBrowser.browser.newPage({ viewport: { width: 1280, height: 900 } });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    await testBrowser?.close();
    // Stopping the sessions ends their agent processes; deleting the workspace removes the sandbox.
    if (workspaceId) {
      const listed = (await (await api(`/api/sessions?workspace=${workspaceId}`)).json()) as {
        sessions?: { id: string }[];
      };
      for (const session of listed.sessions ?? []) await api(`/api/sessions/${session.id}/stop`, 'POST', {});
      await api(`/api/workspaces/${workspaceId}`, 'DELETE', { confirm: NAME });
      const deadline = Date.now() + STATE_TIMEOUT;
      while ((await api(`/api/workspaces/${workspaceId}`)).status !== 404 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    await hangar?.stop();
  });

  it('lists the agent with the demo model', async () => {
    const { agents } = (await (await api('/api/agents')).json()) as {
      agents: { name: string; unavailable: string | null; models: { id: string }[] }[];
    };
    const agent = agents.find((a) => a.name === AGENT);
    expect(agent, `${AGENT} is listed by /api/agents`).toBeDefined();
    expect(agent?.unavailable).toBeNull();
    expect(agent?.models.map((m) => m.id)).toContain('hangar-demo');
  });

  it('starts a session and renders the streamed reply', async () => {
    await page.goto(`${hangar.url}/workspaces/${workspaceId}`);
    await page.getByRole('tab', { name: 'Agent' }).click();
    // With no sessions yet, the form is open at once (the tab panel is labelled "Agent" too, hence the role).
    await page.getByRole('combobox', { name: 'Agent' }).selectOption(AGENT);
    await page.getByLabel('Model').selectOption('hangar-demo');
    await page.getByLabel('Permission mode').selectOption('ask');
    await page.getByLabel('Prompt').fill('hello');
    await page.getByRole('button', { name: 'Start session' }).click();

    await page.getByRole('log', { name: 'Transcript' }).waitFor({ timeout: REPLY_TIMEOUT });
    await expect
      .poll(() => transcript(page), { timeout: REPLY_TIMEOUT })
      .toContain("Hello! I'm Hangar's demo model");
    await page.getByRole('status').filter({ hasText: /idle/ }).waitFor({ timeout: REPLY_TIMEOUT });
  });

  it('asks before running a tool, runs it once allowed, and shows the result', async () => {
    // The agent's composer, not the workspace chat's beside it.
    const composer = page.locator('form.composer');
    const message = composer.getByLabel('Message', { exact: true });
    await message.fill('look around and leave a note');
    await composer.getByRole('button', { name: 'Send' }).click();

    // The demo runs two tools (a listing, then a file write): allow each as its card appears.
    const allow = page.getByRole('button', { name: 'Allow', exact: true });
    await allow.first().waitFor({ timeout: REPLY_TIMEOUT });
    await page.screenshot({ path: `${SCREENSHOTS}agent-approval.png` });
    const deadline = Date.now() + REPLY_TIMEOUT;
    while (!(await transcript(page)).includes('Done!') && Date.now() < deadline) {
      if (
        await allow
          .first()
          .isEnabled({ timeout: 100 })
          .catch(() => false)
      )
        // The card re-renders as events stream in; a click that misses is simply tried again.
        await allow
          .first()
          .click({ timeout: 1_000 })
          .catch(() => undefined);
      else await page.waitForTimeout(200);
    }
    const text = await transcript(page);
    expect(text).toContain('Done!');
    expect(text).toContain('Allowed');
    // The summary's `ls -la` is rendered as inline code, not shown as Markdown source.
    expect(text).not.toContain('`ls -la`');
    await page.locator('.markdown code', { hasText: 'ls -la' }).first().waitFor();
    // The tool card shows the call's result.
    const results = page.locator('.tool-card').filter({ has: page.getByText('Result', { exact: true }) });
    expect(await results.count()).toBeGreaterThan(0);
    await page.screenshot({ path: `${SCREENSHOTS}agent.png` });

    // ↑ in the empty composer recalls the last message.
    await message.click();
    await message.press('ArrowUp');
    expect(await message.inputValue()).toBe('look around and leave a note');
  });
});
