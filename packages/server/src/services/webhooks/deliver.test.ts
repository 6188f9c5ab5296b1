import { lookup as dnsLookup } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivateAddressError, postWebhook } from './deliver.js';
import { isPrivateAddress, isPrivateTarget } from './url-policy.js';

/** Resolves names of the outside world as a DNS server would (this machine has no internet). */
const fakeDns = (table: Record<string, string[]>) =>
  ((hostname: string, options: unknown, callback: (...args: unknown[]) => void) => {
    const addresses = table[hostname];
    if (!addresses)
      return callback(Object.assign(new Error(`no such name ${hostname}`), { code: 'ENOTFOUND' }));
    const all = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    if ((options as { all?: boolean }).all) return callback(null, all);
    return callback(null, all[0]!.address, all[0]!.family);
  }) as unknown as typeof dnsLookup;

describe('webhook delivery', () => {
  let server: Server;
  let port: number;
  const received: string[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push(`${request.headers.host} ${request.headers['x-test']} ${body}`);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const post = (url: string, publicOnly: boolean, lookup = fakeDns({})) =>
    postWebhook(new URL(url), {
      headers: { 'x-test': 'yes' },
      body: '{"ping":1}',
      signal: AbortSignal.timeout(5000),
      publicOnly,
      lookup,
    });

  it('posts the body and headers and returns the status', async () => {
    const lookup = fakeDns({ 'hooks.example.com': ['127.0.0.1'] });
    expect(await post(`http://hooks.example.com:${port}/x`, false, lookup)).toBe(204);
    expect(received.at(-1)).toBe(`hooks.example.com:${port} yes {"ping":1}`);
  });

  it('refuses, for a non-admin’s webhook, a name resolving to a private address and a literal one', async () => {
    const before = received.length;
    const rebound = fakeDns({
      'hooks.example.com': ['127.0.0.1'],
      'mixed.example.com': ['93.184.216.34', '10.0.0.7'],
    });
    await expect(post(`http://hooks.example.com:${port}/x`, true, rebound)).rejects.toThrow(
      PrivateAddressError,
    );
    await expect(post(`http://mixed.example.com:${port}/x`, true, rebound)).rejects.toThrow(/10\.0\.0\.7/);
    await expect(post(`http://127.0.0.1:${port}/x`, true)).rejects.toThrow(PrivateAddressError);
    await expect(post(`http://[::ffff:127.0.0.1]:${port}/x`, true)).rejects.toThrow(PrivateAddressError);
    expect(received.length).toBe(before);
  });

  it('knows private addresses and names', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:10.0.0.1',
    ])
      expect(isPrivateAddress(address), address).toBe(true);
    for (const address of ['8.8.8.8', '93.184.216.34', '172.32.0.1', '2001:db8::1', 'not an address'])
      expect(isPrivateAddress(address), address).toBe(false);
    for (const url of [
      'http://localhost/',
      'http://localhost./',
      'http://a.localhost/',
      'http://[::1]/',
      'http://169.254.169.254/',
    ])
      expect(isPrivateTarget(new URL(url)), url).toBe(true);
    expect(isPrivateTarget(new URL('https://hooks.example.com/'))).toBe(false);
  });
});
