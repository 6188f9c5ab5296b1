import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isPrivateAddress } from './url-policy.js';

export interface DeliveryOptions {
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
  /** Refuse to connect to this machine or a private network, whatever the name resolves to. */
  publicOnly: boolean;
  /** Name resolution (tests resolve names of the outside world to a local receiver). */
  lookup?: typeof dnsLookup;
}

export class PrivateAddressError extends Error {
  readonly code = 'EPRIVATE';
}

/**
 * POSTs a webhook delivery and resolves with the receiver's status (redirects
 * are not followed). With `publicOnly`, the address is checked where the
 * connection is made, after resolution: a name that resolves (or is
 * re-pointed, DNS rebinding) to a private address is refused.
 */
export function postWebhook(url: URL, options: DeliveryOptions): Promise<number> {
  const resolve = options.lookup ?? dnsLookup;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (options.publicOnly && isIP(host) && isPrivateAddress(host))
    return Promise.reject(new PrivateAddressError(`${host} is a private address`));
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    resolve(hostname, { ...(lookupOptions as LookupOptions), all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const all = addresses as unknown as LookupAddress[];
      const refused = options.publicOnly ? all.find((a) => isPrivateAddress(a.address)) : undefined;
      if (refused)
        return callback(
          new PrivateAddressError(`${hostname} resolves to ${refused.address}, a private address`),
          '',
          0,
        );
      if ((lookupOptions as LookupOptions).all) return (callback as unknown as AllCallback)(null, all);
      const first = all[0];
      if (!first)
        return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolvePromise, reject) => {
    const request = send(
      url,
      {
        method: 'POST',
        headers: { ...options.headers, 'content-length': Buffer.byteLength(options.body) },
        lookup,
        // A fresh connection each time: a pooled one would skip the address check above.
        agent: false,
        signal: options.signal,
      },
      (response) => {
        response.resume(); // the body is not read
        response.once('end', () => resolvePromise(response.statusCode ?? 0));
        response.once('error', reject);
      },
    );
    request.once('error', reject);
    request.end(options.body);
  });
}

type AllCallback = (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void;
