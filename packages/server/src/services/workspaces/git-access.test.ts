import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notRoot } from '../../test/requirements.js';
import { grantGitDirAccess, revokeGitDirAccess } from './git-access.js';

const uid = 600_000 + Math.floor(Math.random() * 1000) * 100 + 99;

describe('git dir access of a worktree sandbox', () => {
  const root = mkdtempSync(join(tmpdir(), 'hangar-git-access-'));
  const repo = join(root, 'repo');
  const gitDir = join(repo, '.git');
  const worktree = join(root, 'work');
  const options = { gitDir, uid, gid: uid, worktree, perWorkspaceUid: true };

  beforeAll(async () => {
    await mkdir(join(gitDir, 'worktrees', 'work'), { recursive: true });
    await mkdir(worktree);
    writeFileSync(join(worktree, '.git'), `gitdir: ${join(gitDir, 'worktrees', 'work')}\n`);
    // A program that fails as setfacl does on a file system without ACLs.
    writeFileSync(
      join(root, 'setfacl-unsupported'),
      '#!/bin/sh\necho "setfacl: $4: Operation not supported" >&2\nexit 1\n',
      { mode: 0o755 },
    );
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('does nothing for a driver whose sandboxes run as the server’s user', async () => {
    await grantGitDirAccess({ ...options, perWorkspaceUid: false, setfacl: '/nonexistent/setfacl' });
    await revokeGitDirAccess({ ...options, perWorkspaceUid: false, setfacl: '/nonexistent/setfacl' });
  });

  it('needs no ACL when a non-root server owns the repository, and says why when it does not', async () => {
    const me = process.getuid?.() ?? 0;
    const serverUid = me === 0 ? 4242 : me; // as root, pretend to be an ordinary user
    if (me === 0) execFileSync('chown', ['-R', String(serverUid), options.gitDir]);
    try {
      await grantGitDirAccess({ ...options, serverUid, setfacl: '/nonexistent/setfacl' });
      await expect(
        grantGitDirAccess({ ...options, serverUid: serverUid + 1, setfacl: '/nonexistent/setfacl' }),
      ).rejects.toThrow(/cannot let workspace uid/);
    } finally {
      if (me === 0) execFileSync('chown', ['-R', '0', options.gitDir]);
    }
  });

  describe.skipIf(notRoot)('as root (only root grants ACLs to other uids)', () => {
    it('says what to install when setfacl is missing', async () => {
      await expect(grantGitDirAccess({ ...options, setfacl: '/nonexistent/setfacl' })).rejects.toThrow(
        `cannot let workspace uid ${uid} write the repository's git directory ${gitDir}: setfacl is not installed (apt-get install acl)`,
      );
    });

    it('says when the file system refuses ACLs', async () => {
      await expect(
        grantGitDirAccess({ ...options, setfacl: join(root, 'setfacl-unsupported') }),
      ).rejects.toThrow(/its file system does not support POSIX ACLs/);
    });

    it('revokes nothing, without failing, where nothing could be granted', async () => {
      await revokeGitDirAccess({ ...options, setfacl: '/nonexistent/setfacl' });
      await revokeGitDirAccess({ ...options, setfacl: join(root, 'setfacl-unsupported') });
      await revokeGitDirAccess({ ...options, gitDir: join(root, 'gone') });
    });

    it('refuses a worktree whose .git file points outside the repository’s worktrees', async () => {
      const forged = join(root, 'forged');
      await mkdir(forged);
      writeFileSync(join(forged, '.git'), `gitdir: ${root}\n`);
      await expect(grantGitDirAccess({ ...options, worktree: forged })).rejects.toThrow(
        `the worktree ${forged} does not belong to the repository at ${gitDir}`,
      );
      expect(execFileSync('getfacl', ['-R', '-p', '--', gitDir]).toString()).not.toContain(`:${uid}:`);
    });

    it('grants and revokes exactly the entries of the uid', async () => {
      await grantGitDirAccess(options);
      const acl = () => execFileSync('getfacl', ['-R', '-p', '--', gitDir]).toString();
      expect(acl()).toContain(`\nuser:${uid}:rwx\n`);
      expect(acl()).toContain(`\ndefault:user:${uid}:rwx\n`);
      expect(execFileSync('stat', ['-c', '%u', join(gitDir, 'worktrees', 'work')]).toString()).toBe(
        `${uid}\n`,
      );
      await revokeGitDirAccess(options);
      expect(acl()).not.toContain(`:${uid}:`);
      expect(execFileSync('find', [gitDir, '-uid', String(uid)]).toString()).toBe('');
    });
  });
});
