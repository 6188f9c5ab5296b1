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

/** Where the master key is read: the data dir's own file, or a file every replica shares. */
export type SecretKeySource = string | { dataDir: string; keyFile?: string | undefined };

/**
 * The secret key (32 bytes), from which every server secret is derived: sealing provider keys at
 * rest, and signing workspace tokens. By default `<data dir>/secret.key` (mode 0600, made on the
 * first start); with a key file (HANGAR_SECRET_KEY_FILE, say a mounted Kubernetes Secret) that
 * file, which is never created nor changed here, so that replicas with data dirs of their own
 * share one key. Losing the key makes sealed values unreadable; it is never logged or sent.
 */
export class ServerSecrets {
  private readonly master: Buffer;
  private readonly subkeys = new Map<string, Buffer>();

  constructor(source: SecretKeySource) {
    const { dataDir, keyFile } = typeof source === 'string' ? { dataDir: source } : source;
    this.master = keyFile ? readSharedKey(keyFile) : readDataDirKey(join(dataDir, KEY_FILE));
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

function readDataDirKey(path: string): Buffer {
  if (!existsSync(path)) writeFileSync(path, randomBytes(KEY_BYTES), { mode: 0o600, flag: 'wx' });
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const key = readFileSync(path);
  if (key.length !== KEY_BYTES)
    throw new Error(`${path} must hold ${KEY_BYTES} bytes; restore it from a backup`);
  return key;
}

/**
 * A key file given in the configuration: 32 raw bytes, or their 64 hex digits or base64 as text
 * (what `openssl rand -hex 32` or `-base64 32` prints). Refused when others may write it.
 */
function readSharedKey(path: string): Buffer {
  const made = `make one with: openssl rand -hex 32 > ${path}; chmod 600 ${path}`;
  if (!existsSync(path)) throw new Error(`HANGAR_SECRET_KEY_FILE: ${path} does not exist; ${made}`);
  if ((statSync(path).mode & 0o022) !== 0)
    throw new Error(`HANGAR_SECRET_KEY_FILE: ${path} is writable by other users; chmod go-w ${path}`);
  const raw = readFileSync(path);
  if (raw.length === KEY_BYTES) return raw;
  const text = raw.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  const decoded = /^[A-Za-z0-9+/_-]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : undefined;
  if (decoded?.length === KEY_BYTES) return decoded;
  throw new Error(
    `HANGAR_SECRET_KEY_FILE: ${path} must hold ${KEY_BYTES} bytes, or 64 hex digits, or their base64; ${made}`,
  );
}
