import type { Price } from '../config/index.js';
import type { Usage } from './usage.js';

/**
 * List prices in US dollars per million tokens (cache writes at the 5-minute
 * rate). Configuration adds to and overrides these; update them as providers do.
 */
export const BUILTIN_PRICES: Record<string, Price> = {
  'claude-opus-4*': { input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75 },
  'claude-sonnet-4*': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  'claude-haiku-4*': { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 },
  'claude-3-5-haiku*': { input: 0.8, output: 4, cacheRead: 0.08, cacheWrite: 1 },
  'gpt-5*': { input: 1.25, output: 10, cacheRead: 0.125 },
  'gpt-5-mini*': { input: 0.25, output: 2, cacheRead: 0.025 },
  'gpt-5-nano*': { input: 0.05, output: 0.4, cacheRead: 0.005 },
  'gpt-4.1*': { input: 2, output: 8, cacheRead: 0.5 },
  'gpt-4o*': { input: 2.5, output: 10, cacheRead: 1.25 },
  'o4-mini*': { input: 1.1, output: 4.4, cacheRead: 0.275 },
  'gemini-2.5-pro*': { input: 1.25, output: 10, cacheRead: 0.31 },
  'gemini-2.5-flash*': { input: 0.3, output: 2.5, cacheRead: 0.075 },
};

/** Prices by model pattern; the longest matching pattern wins. */
export class PriceTable {
  private readonly entries: [string, Price][];

  constructor(overrides: Record<string, Price>) {
    this.entries = Object.entries({ ...BUILTIN_PRICES, ...overrides }).sort(
      (a, b) => b[0].length - a[0].length,
    );
  }

  priceOf(model: string): Price | undefined {
    return this.entries.find(([pattern]) => matchesModel(pattern, model))?.[1];
  }

  /** US dollars; 0 for a model without a price (it is still metered in tokens). */
  cost(model: string, usage: Usage): number {
    const price = this.priceOf(model);
    if (!price) return 0;
    const dollars =
      usage.input * price.input +
      usage.output * price.output +
      usage.cacheRead * (price.cacheRead ?? price.input) +
      usage.cacheWrite * (price.cacheWrite ?? price.input);
    return dollars / 1_000_000;
  }
}

/** `claude-sonnet-4*` matches any model starting so; without `*` the name must match exactly. */
export function matchesModel(pattern: string, model: string): boolean {
  return pattern.endsWith('*') ? model.startsWith(pattern.slice(0, -1)) : model === pattern;
}
