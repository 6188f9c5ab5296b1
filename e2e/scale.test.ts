/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from './support/browser.js';
import { startHangar, type HangarProcess } from './support/hangar.js';
import { longSession, openHangarStore, seedSession, seedWorkspaces } from './support/seed.js';

const ARTIFACTS = fileURLToPath(new URL('../test-results/screenshots/', import.meta.url));
const WORKSPACES = 500;
const EVENTS = 5_000;
const PREFIX = 'scale';
/** The seeded workspaces' names: scale-0001 (the most recently active) … scale-0500. */
const nameOf = (n: number) => `${PREFIX}-${String(n).padStart(4, '0')}`;
/**
 * The longest main-thread task allowed while scrolling, in milliseconds. Generous: this machine
 * runs other test suites too. A list that renders every row takes far longer on each frame.
 */
const LONG_TASK_MS = 200;
/** Elements in the whole document: a few screens of rows, not thousands. */
const MAX_ELEMENTS = 3_000;
const SLOW_MS = 120_000;

/** Records every long task (over 50 ms) of the page from its first script on. */
const OBSERVE_LONG_TASKS = () => {
  const tasks: number[] = [];
  (window as unknown as { longTasks: number[] }).longTasks = tasks;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) tasks.push(Math.round(entry.duration));
  }).observe({ type: 'longtask', buffered: true });
};

/** The long tasks seen since the last call, and forgets them. */
function takeLongTasks(page: Page): Promise<number[]> {
  return page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks.splice(0));
}

function elementCount(page: Page): Promise<number> {
  return page.evaluate(() => document.getElementsByTagName('*').length);
}

/**
 * Scrolls `target` (a selector, or the window) from end to end in steps of most of a screen,
 * two frames per step (the virtualiser renders on scroll, the browser paints).
 */
function scrollThrough(page: Page, target: string | null, direction: 'down' | 'up'): Promise<number> {
  return page.evaluate(
    async ({ target, direction }) => {
      const node = target ? document.querySelector<HTMLElement>(target)! : document.scrollingElement!;
      const view = target ? node.clientHeight : window.innerHeight;
      const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
      let steps = 0;
      for (;;) {
        const before = node.scrollTop;
        node.scrollTop = before + (direction === 'down' ? 0.8 : -0.8) * view;
        await frame();
        await frame();
        steps++;
        const atEnd =
          direction === 'down' ? node.scrollTop + view >= node.scrollHeight - 2 : node.scrollTop <= 0;
        // The virtualiser may adjust the position as rows are measured; stop once nothing moves.
        if (atEnd && node.scrollTop === before) break;
        if (steps > 5_000) throw new Error('scrolling never reached the end');
      }
      return steps;
    },
    { target, direction },
  );
}

describe('long lists in the browser stay light (virtualised)', () => {
  let hangar: HangarProcess;
  let testBrowser: TestBrowser;
  let page: Page;
  let workspaceIds: string[];
  let sessionId: string;

  beforeAll(async () => {
    const uidBase = 2_200_000 + Math.floor(Math.random() * 190) * 500;
    hangar = await startHangar({
      HANGAR_AUTH: 'none',
      HANGAR_SANDBOX_UID_BASE: String(uidBase),
      HANGAR_SANDBOX_UID_COUNT: '500',
    });
    const me = (await (await hangar.api('/api/me')).json()) as { user: { id: string } };
    const store = openHangarStore(hangar.dataDir);
    try {
      workspaceIds = await seedWorkspaces(store, me.user.id, WORKSPACES, PREFIX, uidBase);
      sessionId = await seedSession(
        store,
        workspaceIds[0]!,
        me.user.id,
        'A long session',
        longSession(EVENTS, me.user.id),
      );
    } finally {
      await store.close();
    }
    testBrowser = await launchBrowser();
    const context = await testBrowser.browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(OBSERVE_LONG_TASKS);
    page = await context.newPage();
    mkdirSync(ARTIFACTS, { recursive: true });
  }, SLOW_MS);
  afterAll(async () => {
    await testBrowser?.close();
    await hangar?.stop();
  });

  it(
    `the workspace list with ${WORKSPACES} workspaces`,
    async () => {
      const listed = (await (await hangar.api('/api/workspaces')).json()) as { workspaces: unknown[] };
      expect(listed.workspaces.length).toBeGreaterThanOrEqual(WORKSPACES);

      await page.goto(`${hangar.url}/`);
      await page.getByRole('link', { name: nameOf(1) }).waitFor();
      const loading = await takeLongTasks(page);
      const rendered = await elementCount(page);
      expect(rendered, 'elements with the list open').toBeLessThan(MAX_ELEMENTS);
      expect(await page.getByRole('link', { name: nameOf(WORKSPACES) }).count()).toBe(0);

      const steps = await scrollThrough(page, null, 'down');
      const scrolling = await takeLongTasks(page);
      await page.getByRole('link', { name: nameOf(WORKSPACES) }).waitFor();
      expect(await elementCount(page), 'elements at the end of the list').toBeLessThan(MAX_ELEMENTS);
      console.log(
        `workspace list: ${WORKSPACES} rows, ${rendered} elements, ${steps} scroll steps; long tasks loading [${loading.join(', ')}] ms, scrolling [${scrolling.join(', ')}] ms`,
      );
      expect(Math.max(0, ...scrolling), 'longest task while scrolling the list, ms').toBeLessThan(
        LONG_TASK_MS,
      );
      await page.screenshot({ path: `${ARTIFACTS}scale-workspaces.png` });
    },
    SLOW_MS,
  );

  it(
    `a transcript of ${EVENTS} events`,
    async () => {
      await page.goto(`${hangar.url}/workspaces/${workspaceIds[0]}?tab=agent&session=${sessionId}`);
      const log = page.getByRole('log', { name: 'Transcript' });
      await log.waitFor();
      // It opens at the end: the last turn's message is in view.
      const lastTurn = Math.ceil(EVENTS / 16);
      await log.getByText(`Step ${lastTurn}: look at file ${lastTurn}.ts`).waitFor();
      const loading = await takeLongTasks(page);
      const rows = log.getByRole('listitem');
      const total = Number(await rows.first().getAttribute('aria-setsize'));
      expect(total, 'rows of the transcript').toBeGreaterThan(1_000);
      const rendered = await rows.count();
      expect(rendered).toBeLessThan(60);
      expect(await elementCount(page), 'elements with the transcript open').toBeLessThan(MAX_ELEMENTS);

      const steps = await scrollThrough(page, '.transcript-log', 'up');
      const scrolling = await takeLongTasks(page);
      await log.getByText('Step 1: look at file 1.ts').waitFor();
      expect(await rows.first().getAttribute('aria-posinset')).toBe('1');
      expect(await elementCount(page), 'elements at the start of the transcript').toBeLessThan(MAX_ELEMENTS);
      console.log(
        `transcript: ${EVENTS} events, ${total} rows (${rendered} rendered), ${steps} scroll steps; long tasks loading [${loading.join(', ')}] ms, scrolling [${scrolling.join(', ')}] ms`,
      );
      expect(Math.max(0, ...scrolling), 'longest task while scrolling the transcript, ms').toBeLessThan(
        LONG_TASK_MS,
      );
      await page.screenshot({ path: `${ARTIFACTS}scale-transcript.png` });

      // Scrolled up, the log stays put; back at the bottom it follows again.
      await scrollThrough(page, '.transcript-log', 'down');
      await log.getByText(`Step ${lastTurn}: look at file ${lastTurn}.ts`).waitFor();
      expect(await takeLongTasks(page).then((tasks) => Math.max(0, ...tasks))).toBeLessThan(LONG_TASK_MS);
    },
    SLOW_MS,
  );
});
