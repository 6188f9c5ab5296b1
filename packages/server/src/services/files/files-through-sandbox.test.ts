import { chownSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestClient } from '../../test/server.js';
import { bwrapMissing, FilesTestbed, filesUrl, upload } from '../../test/files.js';
import { sandboxTestHooks } from '../../sandbox/sandbox.js';

/**
 * The files API of a workspace whose driver has no files on this host
 * (Kubernetes): forced here on bubblewrap, so list, read, write and upload go
 * through commands in the running sandbox, and links and `..` are refused as
 * on the host path.
 */
describe.skipIf(bwrapMissing)('workspace files through the sandbox (bubblewrap, files forced inside)', () => {
  const bed = new FilesTestbed();
  let admin: TestClient;
  let id: string;
  let work: string;
  let uid: number;
  /** A directory as the sandbox would make it (its uid's, under a root server). */
  const mkdirAsSandbox = (path: string) => {
    mkdirSync(join(work, path));
    if (process.getuid?.() === 0) chownSync(join(work, path), uid, uid);
  };
  const put = (path: string, content: string, headers: Record<string, string> = {}) =>
    admin.request('PUT', filesUrl(id, '/content', { path }), { content }, { headers });
  const read = (path: string) => admin.get(filesUrl(id, '/content', { path }));

  beforeAll(async () => {
    sandboxTestHooks.filesThroughSandbox = true;
    await bed.start();
    admin = bed.admin;
    id = await bed.workspace('inside');
    work = bed.work(id);
    const sandbox = await bed.server.services.workspaces.lifecycle.sandbox(
      (await bed.server.services.workspaces.repo.find(id))!,
    );
    expect(sandbox.hostFiles).toBeUndefined();
    uid = await bed.uidOf(id);
  });
  afterAll(async () => {
    delete sandboxTestHooks.filesThroughSandbox;
    await bed.stop();
  });

  it('writes, reads, overwrites with If-Match and lists', async () => {
    mkdirAsSandbox('src');
    const created = await put('src/app.ts', 'export const a = 1;\n', { 'if-none-match': '*' });
    expect(created.status).toBe(201);
    expect(readFileSync(join(work, 'src/app.ts'), 'utf8')).toBe('export const a = 1;\n');
    expect((await put('src/app.ts', 'again', { 'if-none-match': '*' })).status).toBe(412);
    expect((await put('src/app.ts', 'no etag')).body.error.id).toBe('if_match_required');
    const got = await read('src/app.ts');
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ content: 'export const a = 1;\n', language: 'typescript' });
    expect((await put('src/app.ts', 'stale', { 'if-match': '"nope"' })).status).toBe(412);
    const saved = await put('src/app.ts', 'export const a = 2;\n', { 'if-match': got.body.etag });
    expect(saved.status).toBe(200);
    expect(readFileSync(join(work, 'src/app.ts'), 'utf8')).toBe('export const a = 2;\n');
    expect(readdirSync(join(work, 'src'))).toEqual(['app.ts']); // no temporary file left
    symlinkSync('app.ts', join(work, 'src/link'));
    const listing = await admin.get(filesUrl(id, '', { path: 'src' }));
    expect(listing.status).toBe(200);
    expect(listing.body.entries).toEqual([
      expect.objectContaining({ name: 'app.ts', type: 'file', size: 20 }),
      expect.objectContaining({ name: 'link', type: 'symlink', target: 'app.ts' }),
    ]);
    expect((await read('src/missing.ts')).body.error.id).toBe('file_not_found');
  });

  it('uploads, refusing to replace unless asked', async () => {
    const url = filesUrl(id, '/upload', { path: 'src' });
    const first = await upload(admin, url, { 'up.txt': 'one' });
    expect(first.status).toBe(200);
    expect(readFileSync(join(work, 'src/up.txt'), 'utf8')).toBe('one');
    expect((await upload(admin, url, { 'up.txt': 'two' })).status).toBe(409);
    const replaced = await upload(admin, filesUrl(id, '/upload', { path: 'src', overwrite: 'true' }), {
      'up.txt': 'two',
    });
    expect(replaced.status).toBe(200);
    expect(readFileSync(join(work, 'src/up.txt'), 'utf8')).toBe('two');
  });

  it('refuses links the sandbox planted, a link on the path, and ..', async () => {
    symlinkSync('/proc/self', join(work, 'proc'));
    symlinkSync('/etc/passwd', join(work, 'passwd'));
    mkdirAsSandbox('real');
    writeFileSync(join(work, 'real/secret.txt'), 'inside');
    symlinkSync('real', join(work, 'alias'));
    for (const path of ['passwd', 'proc/environ', 'alias/secret.txt']) {
      const res = await read(path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(JSON.stringify(res.body), path).not.toContain('HANGAR');
      expect(JSON.stringify(res.body), path).not.toContain('root:');
    }
    expect((await read('passwd')).body.error.id).toBe('symlink_refused');
    expect((await read('alias/secret.txt')).body.error.id).toBe('symlink_refused');
    expect((await admin.get(filesUrl(id, '', { path: 'proc' }))).body.error.id).toBe('symlink_refused');
    expect((await put('passwd', 'PWNED', { 'if-match': '*' })).body.error.id).toBe('symlink_refused');
    expect((await put('alias/new.txt', 'PWNED', { 'if-none-match': '*' })).body.error.id).toBe(
      'symlink_refused',
    );
    expect(
      (await upload(admin, filesUrl(id, '/upload', { path: 'alias' }), { 'x.txt': 'PWNED' })).body.error?.id,
    ).toBe('symlink_refused');
    expect(readdirSync(join(work, 'real'))).toEqual(['secret.txt']);
    // The sandbox's own readFile and writeFile refuse a link on the path, whatever the caller checked first.
    const sandbox = await bed.server.services.workspaces.lifecycle.sandbox(
      (await bed.server.services.workspaces.repo.find(id))!,
    );
    await expect(sandbox.readFile('alias/secret.txt')).rejects.toMatchObject({ kind: 'link-in-path' });
    await expect(sandbox.readFile('proc/environ')).rejects.toMatchObject({ kind: 'link-in-path' });
    await expect(sandbox.writeFile('alias/new.txt', 'PWNED')).rejects.toMatchObject({ kind: 'link-in-path' });
    expect(readdirSync(join(work, 'real'))).toEqual(['secret.txt']);
    expect((await read('../../etc/passwd')).body.error.id).toBe('invalid_path');
    expect((await read('src/../../x')).body.error.id).toBe('invalid_path');
  });

  it('says what it cannot do without files on the host', async () => {
    const res = await admin.post(filesUrl(id), { path: 'made', type: 'directory' });
    expect(res.status).toBe(409);
    expect(res.body.error.id).toBe('files_unavailable');
  });
});
