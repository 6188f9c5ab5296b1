import type { Provider } from '../../api/providers';

const SOURCES = {
  admin: { text: 'set by admin', className: 'badge badge-ok' },
  environment: { text: 'from environment', className: 'badge' },
  none: { text: 'not set', className: 'badge badge-warn' },
} as const;

/** Where a provider's key comes from; the key itself never reaches the browser. */
export function KeySourceBadge({ provider }: { provider: Provider }) {
  if (provider.keyless) return <span className="badge badge-muted">no key needed</span>;
  const { text, className } = SOURCES[provider.keySource];
  return <span className={className}>{text}</span>;
}
