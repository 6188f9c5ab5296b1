import { isIP } from 'node:net';

/**
 * Whether a non-admin may point a webhook at this URL: not at this machine or
 * a private network by its literal address or `localhost` (admins may, for a
 * receiver beside the server). A name that resolves to such an address is
 * refused when delivering (deliver.ts checks every address it connects to).
 */
export function isPrivateTarget(url: URL): boolean {
  const host = url.hostname
    .replace(/^\[(.*)\]$/, '$1')
    .toLowerCase()
    .replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  return isIP(host) !== 0 && isPrivateAddress(host);
}

/** Loopback, private (RFC 1918, ULA), link-local (cloud metadata included), unspecified or IPv4-mapped. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) {
    const [a = 0, b = 0] = address.split('.').map(Number);
    return (
      a === 10 ||
      a === 127 ||
      a === 0 ||
      (a === 100 && b >= 64 && b < 128) || // carrier-grade NAT
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b < 32) ||
      (a === 192 && b === 168)
    );
  }
  if (family === 6) {
    const host = address.toLowerCase();
    return (
      host === '::1' ||
      host === '::' ||
      /^f[cd]/.test(host) ||
      /^fe[89ab]/.test(host) ||
      host.startsWith('::ffff:')
    );
  }
  return false;
}
