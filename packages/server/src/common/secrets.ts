import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const KEY_FILE = 'secret.key';
const KEY_BYTES = 32;

/**
 * The data dir's secret key (mode 0600), from which every server secret is
 * derived: sealing provider keys at rest, and signing workspace tokens.
 * Losing the file makes sealed values unreadable; it is never logged or sent.
 */
export class ServerSecrets {
  private readonly master: Buffer;
  private readonly subkeys = new Map<string, Buffer>();

  constructor(dataDir: string) {
    const path = join(dataDir, KEY_FILE);
    if (!existsSync(path)) writeFileSync(path, randomBytes(KEY_BYTES), { mode: 0o600, flag: 'wx' });
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    this.master = readFileSync(path);
    if (this.master.length !== KEY_BYTES)
      throw new Error(`${path} must hold ${KEY_BYTES} bytes; restore it from a backup`);
  }

  /** A key for one purpose only (HKDF-SHA256), so no two uses share one. */
  subkey(purpose: string): Buffer {
    let key = this.subkeys.get(purpose);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', this.master, Buffer.alloc(0), `hangar:${purpose}`, KEY_BYTES));
      this.subkeys.set(purpose, key);
    }
    return key;
  }

  /** AES-256-GCM: iv.tag.ciphertext, base64url. */
  seal(purpose: string, plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.subkey(purpose), iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
  }

  open(purpose: string, sealed: string): string {
    const [iv, tag, body] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
    if (!iv || !tag || !body) throw new Error('malformed sealed value');
    const decipher = createDecipheriv('aes-256-gcm', this.subkey(purpose), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  }

  sign(purpose: string, message: string): string {
    return createHmac('sha256', this.subkey(purpose)).update(message).digest('base64url');
  }

  verify(purpose: string, message: string, signature: string): boolean {
    const expected = Buffer.from(this.sign(purpose, message));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
