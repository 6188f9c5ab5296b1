const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A timestamp from the API in the reader's locale; `fallback` when there is none. */
export function DateTime({ value, fallback = '—' }: { value: string | null; fallback?: string }) {
  if (value === null) return <>{fallback}</>;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return <>{value}</>;
  return <time dateTime={value}>{dateFormat.format(date)}</time>;
}

export function isPast(value: string | null): boolean {
  return value !== null && new Date(value).getTime() <= Date.now();
}
