import { spawn, type ChildProcess } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestClient } from '../../test/server.js';
import { bwrapMissing, fetchBytes, FilesTestbed, filesUrl, unzip, upload } from '../../test/files.js';
import { resolverHooks } from './path-resolver.js';

/**
 * Escapes through the files API: traversal, links to /etc/passwd and to
 * another workspace, and links swapped in between check and use. Nothing
 * outside the workspace folder may ever be read or written.
 */
/** What each kind of request answers: JSON, or bytes for downloads. */
interface Result {
  status: number;
  body?: { error?: { id?: string } };
  bytes?: Buffer;
}

describe.skipIf(bwrapMissing)('workspace files API refuses every way out (bubblewrap, SQLite)', () => {
  const bed = new FilesTestbed();
  const outside = mkdtempSync(join(tmpdir(), 'hangar-outside-'));
  const passwd = readFileSync('/etc/passwd', 'utf8');
  let admin: TestClient;
  let id: string;
  let work: string;
  let otherWork: string;

  /** Every kind of request, aimed at one path. */
  const everyRequest = async (path: string): Promise<Record<string, Result>> => ({
    list: await admin.get(filesUrl(id, '', { path })),
    read: await admin.get(filesUrl(id, '/content', { path })),
    write: await admin.request(
      'PUT',
      filesUrl(id, '/content', { path }),
      { content: 'PWNED' },
      { headers: { 'if-match': '*' } },
    ),
    create: await admin.request(
      'PUT',
      filesUrl(id, '/content', { path }),
      { content: 'PWNED' },
      { headers: { 'if-none-match': '*' } },
    ),
    createDirectory: await admin.post(filesUrl(id), { path: `${path}/pwned-dir`, type: 'directory' }),
    createFile: await admin.post(filesUrl(id), { path: `${path}/pwned.txt`, type: 'file' }),
    moveOut: await admin.post(filesUrl(id, '/move'), { from: 'bait.txt', to: `${path}/bait.txt` }),
    moveIn: await admin.post(filesUrl(id, '/move'), { from: `${path}/secret.txt`, to: 'stolen.txt' }),
    deleteThrough: await admin.delete(filesUrl(id, '', { path: `${path}/secret.txt` })),
    upload: await upload(admin, filesUrl(id, '/upload', { path }), { 'pwned.txt': 'PWNED' }),
    download: await fetchBytes(admin, filesUrl(id, '/download', { path })),
  });

  const expectNothingLeaked = (results: Record<string, Result>) => {
    for (const [name, res] of Object.entries(results)) {
      expect(res.status, name).toBeGreaterThanOrEqual(400);
      expect(res.status, name).toBeLessThan(500);
      const text = res.bytes ? String(res.bytes) : JSON.stringify(res.body);
      expect(text, name).not.toContain('root:x:0:0');
      expect(text, name).not.toContain('OTHER SECRET');
    }
  };

  const errorId = (res: Result): unknown =>
    res.bytes ? JSON.parse(String(res.bytes)).error.id : res.body?.error?.id;

  const expectOutsideUntouched = () => {
    expect(readFileSync('/etc/passwd', 'utf8')).toBe(passwd);
    expect(readdirSync(outside).sort()).toEqual(['secret.txt']);
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('OTHER SECRET');
    expect(readdirSync(otherWork).sort()).toEqual(['secret.txt']);
    expect(readFileSync(join(otherWork, 'secret.txt'), 'utf8')).toBe('OTHER SECRET');
  };

  beforeAll(async () => {
    await bed.start();
    admin = bed.admin;
    id = await bed.workspace('mine');
    const other = await bed.workspace('other');
    work = bed.work(id);
    otherWork = bed.work(other);
    writeFileSync(join(otherWork, 'secret.txt'), 'OTHER SECRET');
    writeFileSync(join(outside, 'secret.txt'), 'OTHER SECRET');
    writeFileSync(join(work, 'bait.txt'), 'bait');
  });
  afterEach(() => {
    delete resolverHooks.beforeLeaf;
  });
  afterAll(async () => {
    await bed.stop();
    rmSync(outside, { recursive: true, force: true });
  });

  it.each([
    ['parent', '../'],
    ['parent of a subdirectory', 'a/../../other'],
    ['absolute', '/etc/passwd'],
    ['absolute directory', '/etc'],
    ['NUL', 'bait.txt\0.png'],
    ['.git', '.git/config'],
  ])('refuses a %s path on every route', async (_, path) => {
    const results = await everyRequest(path);
    for (const [name, res] of Object.entries(results))
      expect([name, res.status, errorId(res)]).toEqual([name, 400, 'invalid_path']);
    expectNothingLeaked(results);
    expectOutsideUntouched();
  });

  it('decodes an encoded path once, and refuses it; a double-encoded one is just a name', async () => {
    const encoded = await admin.get(
      `/api/workspaces/${id}/files/content?path=%2e%2e%2f%2e%2e%2fetc%2fpasswd`,
    );
    expect([encoded.status, encoded.body.error.id]).toEqual([400, 'invalid_path']);
    const nul = await admin.get(`/api/workspaces/${id}/files/content?path=bait.txt%00`);
    expect([nul.status, nul.body.error.id]).toEqual([400, 'invalid_path']);
    const twice = await admin.get(`/api/workspaces/${id}/files/content?path=%252e%252e%252fetc%252fpasswd`);
    expect([twice.status, twice.body.error.id]).toEqual([404, 'file_not_found']);
  });

  it.each([
    ['/etc/passwd', () => '/etc/passwd'],
    ['/etc', () => '/etc'],
    ["another workspace's folder", () => otherWork],
    ["another workspace's file", () => join(otherWork, 'secret.txt')],
    ['a folder outside by a relative link', () => '../../../../../../../../../../etc'],
  ])('refuses a link to %s on every route', async (_, target) => {
    rmSync(join(work, 'link'), { force: true });
    symlinkSync(target(), join(work, 'link'));
    const results = await everyRequest('link');
    expectNothingLeaked(results);
    expect(errorId(results.read!)).toBe('symlink_refused');
    expect(errorId(results.write!)).toBe('symlink_refused');
    expectOutsideUntouched();
    // Deleting the link removes the link, never what it points at.
    expect((await admin.delete(filesUrl(id, '', { path: 'link' }))).status).toBe(200);
    expectOutsideUntouched();
  });

  it('leaves links out of a zipped directory', async () => {
    mkdirSync(join(work, 'pack'));
    writeFileSync(join(work, 'pack/own.txt'), 'own');
    symlinkSync('/etc/passwd', join(work, 'pack/passwd'));
    symlinkSync('/etc', join(work, 'pack/etc'));
    symlinkSync(otherWork, join(work, 'pack/other'));
    const zip = await fetchBytes(admin, filesUrl(id, '/download', { path: 'pack' }));
    expect(zip.status).toBe(200);
    expect(Object.fromEntries(await unzip(zip.bytes))).toEqual({ 'pack/own.txt': 'own' });
  });

  it('refuses a file swapped for a link between the check and the open (deterministic)', async () => {
    writeFileSync(join(work, 'swap.txt'), 'mine');
    const swap = (path: string) => {
      if (path !== 'swap.txt') return;
      rmSync(join(work, 'swap.txt'), { force: true });
      symlinkSync('/etc/passwd', join(work, 'swap.txt'));
    };
    resolverHooks.beforeLeaf = swap;
    const read = await admin.get(filesUrl(id, '/content', { path: 'swap.txt' }));
    expect([read.status, read.body.error.id]).toEqual([403, 'symlink_refused']);
    const download = await fetchBytes(admin, filesUrl(id, '/download', { path: 'swap.txt' }));
    expect(download.status).toBe(403);
    expect(String(download.bytes)).not.toContain('root:x:0:0');
    // A write checks the ETag of what it opened: the link is refused, /etc/passwd untouched.
    rmSync(join(work, 'swap.txt'));
    writeFileSync(join(work, 'swap.txt'), 'mine');
    const etag = (await admin.get(filesUrl(id, '/content', { path: 'swap.txt' }))).body.etag;
    resolverHooks.beforeLeaf = swap;
    const write = await admin.request(
      'PUT',
      filesUrl(id, '/content', { path: 'swap.txt' }),
      { content: 'PWNED' },
      { headers: { 'if-match': etag } },
    );
    expect([write.status, write.body.error.id]).toEqual([403, 'symlink_refused']);
    expectOutsideUntouched();
  });

  it('never reads or writes outside while a directory is swapped with a link in a loop', async () => {
    mkdirSync(join(work, 'race'));
    writeFileSync(join(work, 'race/secret.txt'), 'mine');
    symlinkSync(outside, join(work, 'race.link'));
    // Swaps race/ and a link to the outside folder as fast as it can (rename is atomic).
    const swapper: ChildProcess = spawn(
      'bash',
      [
        '-c',
        'while :; do mv -T race race.real; mv -T race.link race; mv -T race race.link; mv -T race.real race; done',
      ],
      { cwd: work, stdio: 'ignore' },
    );
    const statuses = new Map<string, number>();
    const count = (key: string) => statuses.set(key, (statuses.get(key) ?? 0) + 1);
    try {
      for (let i = 0; i < 150; i++) {
        const read = await admin.get(filesUrl(id, '/content', { path: 'race/secret.txt' }));
        count(`read ${read.status}`);
        if (read.status === 200) expect(read.body.content).toBe('mine');
        expect(JSON.stringify(read.body)).not.toContain('OTHER SECRET');
        const write = await admin.request(
          'PUT',
          filesUrl(id, '/content', { path: `race/new-${i}.txt` }),
          { content: 'PWNED' },
          { headers: { 'if-none-match': '*' } },
        );
        count(`write ${write.status}`);
        const made = await admin.post(filesUrl(id), { path: `race/dir-${i}`, type: 'directory' });
        count(`mkdir ${made.status}`);
        const uploaded = await upload(admin, filesUrl(id, '/upload', { path: 'race' }), { [`up-${i}`]: 'x' });
        count(`upload ${uploaded.status}`);
        const removed = await admin.delete(filesUrl(id, '', { path: `race/dir-${i}` }));
        count(`delete ${removed.status}`);
      }
    } finally {
      swapper.kill('SIGKILL');
      await new Promise((resolve) => swapper.once('exit', resolve));
    }
    expectOutsideUntouched();
    // Both outcomes happened: some requests landed inside, some met the link and were refused.
    expect(statuses.get('write 201') ?? 0).toBeGreaterThan(0);
    expect([...statuses.keys()].some((k) => k.endsWith(' 403') || k.endsWith(' 404'))).toBe(true);
    for (const key of statuses.keys()) expect(Number(key.split(' ')[1])).toBeLessThan(500);
  });
});
