import { createHmac } from 'node:crypto';
import { safeEqual } from '../../common/crypto.js';

/** The X-Hangar-Signature-256 value of a body: `sha256=` and the hex HMAC-SHA256 under the secret. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** What a receiver does: recompute and compare in constant time. */
export function verifyBody(secret: string, body: string, header: string | undefined): boolean {
  return header !== undefined && safeEqual(signBody(secret, body), header);
}
