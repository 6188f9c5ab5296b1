const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

const formats = UNITS.map(
  (unit) =>
    new Intl.NumberFormat(undefined, {
      style: 'unit',
      unit,
      unitDisplay: unit === 'byte' ? 'long' : 'short',
      maximumFractionDigits: 1,
    }),
);

/** A size in bytes as people read it ("1.4 GB"), in decimal (SI) units like `df -H`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let index = 0;
  while (value >= 1000 && index < UNITS.length - 1) {
    value /= 1000;
    index++;
  }
  return formats[index]!.format(value);
}

const usdCents = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD' });
// LLM calls often cost fractions of a cent; four decimals keep them from reading as $0.00.
const usdSmall = new Intl.NumberFormat(undefined, {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 4,
});

/** An amount in US dollars ("$12.40", "$0.0031"). */
export function formatUsd(usd: number): string {
  return Math.abs(usd) > 0 && Math.abs(usd) < 1 ? usdSmall.format(usd) : usdCents.format(usd);
}

const whole = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

/** A count with digit grouping ("12,345"). */
export function formatCount(count: number): string {
  return whole.format(count);
}

/** A count shortened for tight spaces ("12K", "1.4M"). */
export function formatCompact(count: number): string {
  return compact.format(count);
}
