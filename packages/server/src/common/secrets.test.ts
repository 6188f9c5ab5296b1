import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ServerSecrets } from './secrets.js';

describe('the secret key from HANGAR_SECRET_KEY_FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-secrets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const key = randomBytes(32);
  const file = (name: string, content: string | Buffer, mode = 0o600) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    chmodSync(path, mode); // whatever the umask
    return path;
  };

  it('reads raw bytes, hex and base64 alike, and seals for each other', () => {
    const dataDir = mkdtempSync(join(dir, 'data-'));
    const raw = new ServerSecrets({ dataDir, keyFile: file('raw', key) });
    const hex = new ServerSecrets({ dataDir, keyFile: file('hex', `${key.toString('hex')}\n`) });
    const base64 = new ServerSecrets({ dataDir, keyFile: file('b64', key.toString('base64')) });
    const sealed = raw.seal('test', 'the value');
    expect(hex.open('test', sealed)).toBe('the value');
    expect(base64.open('test', sealed)).toBe('the value');
    // The data dir gets no key of its own.
    expect(existsSync(join(dataDir, 'secret.key'))).toBe(false);
    // Another data dir's own key opens nothing of it.
    expect(() => new ServerSecrets(mkdtempSync(join(dir, 'other-'))).open('test', sealed)).toThrow();
  });

  it('refuses a missing file, a short key, and a file others may write, saying what to do', () => {
    const dataDir = mkdtempSync(join(dir, 'data-'));
    expect(() => new ServerSecrets({ dataDir, keyFile: join(dir, 'none') })).toThrow(
      /does not exist; make one with: openssl rand -hex 32/,
    );
    expect(() => new ServerSecrets({ dataDir, keyFile: file('short', 'abcd') })).toThrow(
      /must hold 32 bytes, or 64 hex digits, or their base64/,
    );
    const open = file('open', key.toString('hex'), 0o666);
    expect(() => new ServerSecrets({ dataDir, keyFile: open })).toThrow(
      /writable by other users; chmod go-w/,
    );
  });
});
