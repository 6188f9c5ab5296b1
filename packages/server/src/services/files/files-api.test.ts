import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FILE_READ_BYTES, MAX_UPLOAD_BYTES } from '@hangar/protocol';
import { createMember, type TestClient } from '../../test/server.js';
import { bwrapMissing, fetchBytes, FilesTestbed, filesUrl, unzip, upload } from '../../test/files.js';

describe.skipIf(bwrapMissing)('workspace files API (bubblewrap, SQLite)', () => {
  const bed = new FilesTestbed();
  let admin: TestClient;
  let id: string;
  let work: string;
  const put = (client: TestClient, path: string, content: string, headers: Record<string, string> = {}) =>
    client.request('PUT', filesUrl(id, '/content', { path }), { content }, { headers });

  beforeAll(async () => {
    await bed.start();
    admin = bed.admin;
    id = await bed.workspace('files');
    work = bed.work(id);
  });
  afterAll(() => bed.stop());

  it('creates, reads and overwrites a file with optimistic concurrency', async () => {
    const created = await put(admin, 'src/app.ts', 'export const a = 1;\n', { 'if-none-match': '*' });
    expect(created.status).toBe(404); // the directory does not exist yet
    expect(created.body.error.id).toBe('file_not_found');
    expect((await admin.post(filesUrl(id), { path: 'src', type: 'directory' })).status).toBe(201);
    const first = await put(admin, 'src/app.ts', 'export const a = 1;\n', { 'if-none-match': '*' });
    expect(first.status).toBe(201);

    const read = await admin.get(filesUrl(id, '/content', { path: 'src/app.ts' }));
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      content: 'export const a = 1;\n',
      binary: false,
      language: 'typescript',
    });
    expect(read.headers.get('etag')).toBe(read.body.etag);
    expect(read.body.etag).toBe(first.body.etag);

    const again = await put(admin, 'src/app.ts', 'x', { 'if-none-match': '*' });
    expect([again.status, again.body.error.id]).toEqual([412, 'file_exists']);
    const blind = await put(admin, 'src/app.ts', 'x');
    expect([blind.status, blind.body.error.id]).toEqual([428, 'if_match_required']);

    const saved = await put(admin, 'src/app.ts', 'export const a = 2;\n', { 'if-match': read.body.etag });
    expect(saved.status).toBe(200);
    expect(saved.body.etag).not.toBe(read.body.etag);
    // A second editor still holding the first ETag is told, not silently overwritten.
    const stale = await put(admin, 'src/app.ts', 'export const a = 3;\n', { 'if-match': read.body.etag });
    expect([stale.status, stale.body.error.id]).toEqual([412, 'file_changed']);
    expect(readFileSync(join(work, 'src/app.ts'), 'utf8')).toBe('export const a = 2;\n');

    const notModified = await admin.request(
      'GET',
      filesUrl(id, '/content', { path: 'src/app.ts' }),
      undefined,
      {
        headers: { 'if-none-match': saved.body.etag },
      },
    );
    expect(notModified.status).toBe(304);
  });

  it('gives what it creates to the sandbox uid, with sane modes, and leaves no temporary files', async () => {
    const uid = await bed.uidOf(id);
    await admin.post(filesUrl(id), { path: 'owned', type: 'directory' });
    await put(admin, 'owned/a.txt', 'a');
    await admin.post(filesUrl(id), { path: 'owned/empty.txt', type: 'file' });
    expect((await upload(admin, filesUrl(id, '/upload', { path: 'owned' }), { 'up.bin': 'u' })).status).toBe(
      200,
    );
    for (const [name, mode] of [
      ['', 0o755],
      ['a.txt', 0o644],
      ['empty.txt', 0o644],
      ['up.bin', 0o644],
    ] as const) {
      const stats = statSync(join(work, 'owned', name));
      if (process.getuid?.() === 0) expect([name, stats.uid, stats.gid]).toEqual([name, uid, uid]);
      expect([name, stats.mode & 0o777]).toEqual([name, mode]);
    }
    expect(readdirSync(join(work, 'owned')).sort()).toEqual(['a.txt', 'empty.txt', 'up.bin']);
    // The sandbox user can change what Hangar wrote.
    const exec = await admin.post(`/api/workspaces/${id}/exec`, {
      command: ['sh', '-c', 'echo more >> owned/a.txt && cat owned/a.txt'],
    });
    expect(exec.body).toMatchObject({ exitCode: 0, stdout: 'amore\n' });
  });

  it('lists one directory: directories first, sizes, links as links, .git hidden', async () => {
    mkdirSync(join(work, 'listing/sub'), { recursive: true });
    mkdirSync(join(work, 'listing/.git'));
    writeFileSync(join(work, 'listing/b.txt'), '12345');
    symlinkSync('/etc/passwd', join(work, 'listing/link'));
    const res = await admin.get(filesUrl(id, '', { path: 'listing' }));
    expect(res.status).toBe(200);
    expect(res.body.truncated).toBe(false);
    expect(res.body.entries.map((e: { name: string; type: string }) => [e.name, e.type])).toEqual([
      ['sub', 'directory'],
      ['b.txt', 'file'],
      ['link', 'symlink'],
    ]);
    expect(res.body.entries[1]).toMatchObject({ path: 'listing/b.txt', size: 5, target: null });
    expect(res.body.entries[2].target).toBe('/etc/passwd');
    const root = await admin.get(filesUrl(id));
    expect(root.body.entries.map((e: { name: string }) => e.name)).toContain('listing');
  });

  it('tells binary files from text', async () => {
    writeFileSync(join(work, 'nul.bin'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1]));
    writeFileSync(join(work, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9])); // "café" in Latin-1
    writeFileSync(join(work, 'utf8.md'), 'café ☕\n');
    for (const [path, binary] of [
      ['nul.bin', true],
      ['latin1.txt', true],
      ['utf8.md', false],
    ] as const) {
      const res = await admin.get(filesUrl(id, '/content', { path }));
      expect([path, res.status, res.body.binary]).toEqual([path, 200, binary]);
      if (binary) expect(res.body.content).toBeNull();
    }
    expect((await admin.get(filesUrl(id, '/content', { path: 'utf8.md' }))).body).toMatchObject({
      content: 'café ☕\n',
      language: 'markdown',
    });
  });

  it('refuses to load a file over the read limit, and an oversize edit', async () => {
    writeFileSync(join(work, 'big.log'), Buffer.alloc(MAX_FILE_READ_BYTES + 1, 'a'));
    const res = await admin.get(filesUrl(id, '/content', { path: 'big.log' }));
    expect([res.status, res.body.error.id]).toEqual([413, 'file_too_large']);
    const download = await fetchBytes(admin, filesUrl(id, '/download', { path: 'big.log' }));
    expect(download.status).toBe(200);
    expect(download.bytes.length).toBe(MAX_FILE_READ_BYTES + 1);
    const edit = await put(admin, 'huge.txt', 'é'.repeat(MAX_FILE_READ_BYTES / 2 + 1));
    expect([edit.status, edit.body.error.id]).toEqual([413, 'file_too_large']);
  });

  it('uploads files, refusing to replace unless asked, and refuses an oversize upload', async () => {
    const url = filesUrl(id, '/upload', { path: 'uploads' });
    await admin.post(filesUrl(id), { path: 'uploads', type: 'directory' });
    const first = await upload(admin, url, { 'a.txt': 'alpha', 'b.txt': 'beta' });
    expect(first.status).toBe(200);
    expect(first.body.files?.map((f) => f.path)).toEqual(['uploads/a.txt', 'uploads/b.txt']);
    const clash = await upload(admin, url, { 'a.txt': 'again' });
    expect([clash.status, clash.body.error?.id]).toEqual([409, 'file_exists']);
    const replaced = await upload(admin, filesUrl(id, '/upload', { path: 'uploads', overwrite: 'true' }), {
      'a.txt': 'again',
    });
    expect(replaced.status).toBe(200);
    expect(readFileSync(join(work, 'uploads/a.txt'), 'utf8')).toBe('again');

    const tooBig = await upload(admin, url, { 'big.bin': new Uint8Array(MAX_UPLOAD_BYTES + 1) }).catch(
      (error: unknown) => ({ status: 0, body: { error: { id: String(error) } } }),
    );
    expect([tooBig.status, tooBig.body.error?.id]).toEqual([413, 'upload_too_large']);
    expect(readdirSync(join(work, 'uploads')).sort()).toEqual(['a.txt', 'b.txt']);

    const badName = await upload(admin, url, { '..': 'x' });
    expect([badName.status, badName.body.error?.id]).toEqual([400, 'invalid_path']);
  });

  it('renames, moves and deletes, with an explicit flag for a directory with files', async () => {
    await admin.post(filesUrl(id), { path: 'mv', type: 'directory' });
    await put(admin, 'mv/one.txt', '1');
    await put(admin, 'two.txt', '2');
    const taken = await admin.post(filesUrl(id, '/move'), { from: 'two.txt', to: 'mv/one.txt' });
    expect([taken.status, taken.body.error.id]).toEqual([409, 'file_exists']);
    const moved = await admin.post(filesUrl(id, '/move'), { from: 'two.txt', to: 'mv/two.txt' });
    expect(moved.body).toMatchObject({ path: 'mv/two.txt', type: 'file', size: 1 });
    const into = await admin.post(filesUrl(id, '/move'), { from: 'mv', to: 'mv/inner' });
    expect([into.status, into.body.error.id]).toEqual([400, 'invalid_path']);

    const refused = await admin.delete(filesUrl(id, '', { path: 'mv' }));
    expect([refused.status, refused.body.error.id]).toEqual([409, 'directory_not_empty']);
    expect((await admin.delete(filesUrl(id, '', { path: 'mv/one.txt' }))).status).toBe(200);
    expect((await admin.delete(filesUrl(id, '', { path: 'mv', recursive: 'true' }))).status).toBe(200);
    expect(readdirSync(work)).not.toContain('mv');
    const gone = await admin.delete(filesUrl(id, '', { path: 'mv' }));
    expect([gone.status, gone.body.error.id]).toEqual([404, 'file_not_found']);
    const root = await admin.delete(filesUrl(id, '', { path: '.' }));
    expect([root.status, root.body.error.id]).toEqual([400, 'invalid_path']);
  });

  it('downloads a file, and a directory as a zip', async () => {
    mkdirSync(join(work, 'zipme/deep'), { recursive: true });
    writeFileSync(join(work, 'zipme/a.txt'), 'alpha');
    writeFileSync(join(work, 'zipme/deep/b.txt'), 'beta');
    const file = await fetchBytes(admin, filesUrl(id, '/download', { path: 'zipme/a.txt' }));
    expect(file.bytes.toString()).toBe('alpha');
    expect(file.headers.get('content-disposition')).toContain('filename="a.txt"');
    const zip = await fetchBytes(admin, filesUrl(id, '/download', { path: 'zipme' }));
    expect(zip.status).toBe(200);
    expect(zip.headers.get('content-type')).toBe('application/zip');
    expect(Object.fromEntries(await unzip(zip.bytes))).toEqual({
      'zipme/deep/': '',
      'zipme/deep/b.txt': 'beta',
      'zipme/a.txt': 'alpha',
    });
  });

  it('survives a client that stops reading a zip midway, and closes what it opened', async () => {
    mkdirSync(join(work, 'bulk'));
    for (let i = 0; i < 8; i++) writeFileSync(join(work, `bulk/${i}.bin`), randomBytes(2 * 1024 * 1024));
    const openFds = () => readdirSync('/proc/self/fd').length;
    const before = openFds();
    for (let attempt = 0; attempt < 3; attempt++) {
      const abort = new AbortController();
      const res = await fetch(new URL(filesUrl(id, '/download', { path: 'bulk' }), admin.baseUrl), {
        headers: { cookie: admin.cookie ?? '' },
        signal: abort.signal,
      });
      const reader = res.body!.getReader();
      await reader.read();
      abort.abort();
      await reader.read().catch(() => undefined);
    }
    await expect.poll(openFds, { timeout: 5000 }).toBeLessThanOrEqual(before + 2);
    expect((await admin.get(filesUrl(id, '', { path: 'bulk' }))).body.entries).toHaveLength(8);
  });

  describe('roles', () => {
    let viewer: TestClient;
    let stranger: TestClient;

    beforeAll(async () => {
      viewer = await createMember(bed.server, admin, 'vera');
      stranger = await createMember(bed.server, admin, 'sam');
      const users = await admin.get('/api/users');
      const vera = users.body.users.find((u: { username: string }) => u.username === 'vera');
      expect(
        (await admin.request('PUT', `/api/workspaces/${id}/members/${vera.id}`, { role: 'viewer' })).status,
      ).toBe(200);
      await put(admin, 'shared.txt', 'shared');
    });

    it('lets a viewer read and download but not change anything', async () => {
      expect((await viewer.get(filesUrl(id))).status).toBe(200);
      const read = await viewer.get(filesUrl(id, '/content', { path: 'shared.txt' }));
      expect(read.body.content).toBe('shared');
      expect((await fetchBytes(viewer, filesUrl(id, '/download', { path: 'shared.txt' }))).status).toBe(200);
      const attempts = [
        await put(viewer, 'shared.txt', 'mine', { 'if-match': read.body.etag }),
        await put(viewer, 'new.txt', 'mine'),
        await viewer.post(filesUrl(id), { path: 'new-dir', type: 'directory' }),
        await viewer.post(filesUrl(id, '/move'), { from: 'shared.txt', to: 'moved.txt' }),
        await viewer.delete(filesUrl(id, '', { path: 'shared.txt' })),
        await upload(viewer, filesUrl(id, '/upload'), { 'v.txt': 'v' }),
      ];
      for (const res of attempts) expect([res.status, res.body.error?.id]).toEqual([403, 'forbidden']);
      expect(readFileSync(join(work, 'shared.txt'), 'utf8')).toBe('shared');
      expect(readdirSync(work)).not.toContain('v.txt');
    });

    it('hides the workspace from a non-member and refuses anonymous callers', async () => {
      const res = await stranger.get(filesUrl(id, '/content', { path: 'shared.txt' }));
      expect(res.status).toBe(404);
      const anon = bed.server.client();
      expect((await anon.get(filesUrl(id))).status).toBe(401);
    });
  });
});
