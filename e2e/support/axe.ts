/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const require = createRequire(import.meta.url);
/** axe-core's browser build, injected as source: the page needs no change to be checked. */
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core on the page as it is now (open dialogs included) and returns
 * its serious and critical violations, each with the selectors of its nodes.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => 'axe' in window);
  // Evaluated through DevTools, not as an inline <script>: the app's CSP (rightly) refuses those.
  if (!loaded) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    interface Result {
      violations: { id: string; impact?: string | null; help: string; nodes: { target: unknown[] }[] }[];
    }
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<Result> } })
      .axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({
        id: v.id,
        impact: v.impact ?? null,
        help: v.help,
        targets: v.nodes.map((node) => node.target.map(String).join(' ')),
      }));
  });
}

/** Controls under `scope` smaller than 44 × 44 CSS pixels (WCAG 2.5.5), described for the failure message. */
export async function smallTouchTargets(page: Page, scope: string): Promise<string[]> {
  return page.evaluate((selector) => {
    const MIN = 43.5; // sub-pixel layout may round 44 down
    const controls = document.querySelectorAll<HTMLElement>(
      `${selector} :is(button, select, input:not([type=checkbox]):not([type=radio]):not([type=hidden]), textarea, [role=tab], a.button, a.nav-link, summary)`,
    );
    const small: string[] = [];
    for (const control of controls) {
      const box = control.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue; // not shown
      if (control.closest('.xterm')) continue; // xterm.js's hidden input textarea
      // A control inside a bigger touch target (a checkbox's label) counts as the bigger one.
      if (box.height < MIN || box.width < MIN) {
        const name = control.getAttribute('aria-label') ?? control.textContent?.trim().slice(0, 30) ?? '';
        small.push(
          `${control.tagName.toLowerCase()} "${name}" ${Math.round(box.width)}×${Math.round(box.height)}`,
        );
      }
    }
    return small;
  }, scope);
}

/** True when the page is wider than its viewport (something forces sideways scrolling). */
export function overflowsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
}
