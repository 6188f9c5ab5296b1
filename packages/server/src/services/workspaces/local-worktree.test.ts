import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BubblewrapDriver } from '../../sandbox/bubblewrap/index.js';
import { findProgram } from '../../sandbox/bubblewrap/tools.js';
import { setupAdmin, startTestServer, type TestClient, type TestServer } from '../../test/server.js';
import { createWorkspace, settled } from '../../test/workspaces.js';

const asRoot = process.getuid?.() === 0;

async function skipReason(): Promise<string | undefined> {
  const unavailable = await new BubblewrapDriver({ stateRoot: tmpdir() }).unavailableReason();
  if (unavailable) return unavailable;
  if (asRoot && !(findProgram('setfacl') && findProgram('getfacl'))) {
    return 'setfacl and getfacl are missing (apt-get install acl)';
  }
  return undefined;
}

const skip = await skipReason();
if (skip && process.env.CI === 'true') throw new Error(`CI requires bubblewrap worktree workspaces: ${skip}`);

const TEMPLATES = JSON.stringify({
  offline: { driver: 'bubblewrap', description: 'no network', network: 'none' },
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', GIT_CONFIG_GLOBAL: '/dev/null' },
  }).toString();
}

async function makeRepo(path: string): Promise<void> {
  await mkdir(path);
  git(path, 'init', '-q', '-b', 'main');
  writeFileSync(join(path, 'README.md'), '# demo\n');
  git(path, 'add', '.');
  git(path, '-c', 'user.email=a@example.com', '-c', 'user.name=a', 'commit', '-qm', 'init');
}

function aclOf(path: string): string {
  return execFileSync('getfacl', ['-R', '-p', '--', path]).toString();
}

/**
 * The real server and bubblewrap driver. As root, the repository belongs to
 * root, not to the workspace's uid, under a directory the sandbox user
 * cannot traverse: only the bind and the ACL entries let git in.
 */
describe.skipIf(skip)(
  `a workspace from a local repository, in a bubblewrap sandbox${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let server: TestServer;
    let admin: TestClient;
    let root: string;
    let repo: string;
    let gitDir: string;

    beforeAll(async () => {
      root = mkdtempSync(join(tmpdir(), 'hangar-local-'));
      repo = join(root, 'app');
      gitDir = join(repo, '.git');
      await makeRepo(repo);
      server = await startTestServer({
        env: {
          HANGAR_TEMPLATES: TEMPLATES,
          HANGAR_DEFAULT_TEMPLATE: 'offline',
          HANGAR_LOCAL_REPO_ROOTS: root,
          // A range no other test uses: a uid's ACL entries and processes are then this test's.
          HANGAR_SANDBOX_UID_BASE: String(600_000 + Math.floor(Math.random() * 1000) * 100),
          HANGAR_SANDBOX_UID_COUNT: '100',
        },
      });
      admin = await setupAdmin(server);
    });

    afterAll(async () => {
      await server?.services.workspaces.settle();
      for (const row of (await server?.services.workspaces.repo.list({})) ?? []) {
        await server.services.workspaces.destroy(row.id);
      }
      await server?.stop();
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it('runs git status and commit inside; the commit lands on hangar/<name>; delete takes the access back', async () => {
      const ws = await createWorkspace(admin, { name: 'feature', source: { type: 'local', path: repo } });
      expect(ws.body).toMatchObject({ state: 'running', error: null, branch: 'hangar/feature' });
      const id: string = ws.body.id;
      const uid = Number((await server.services.workspaces.repo.find(id))!.uid);
      const work = join(server.config.dataDir, 'workspaces', id, 'work');
      if (asRoot) {
        expect(statSync(gitDir).uid).not.toBe(uid);
        expect(aclOf(gitDir)).toContain(`\nuser:${uid}:rwx\n`);
        expect(aclOf(gitDir)).toContain(`\ndefault:user:${uid}:rwx\n`);
      }

      const sh = async (script: string) => {
        const res = await admin.post(`/api/workspaces/${id}/exec`, { command: ['/bin/sh', '-c', script] });
        expect(res.status).toBe(200);
        return res.body as { exitCode: number; stdout: string; stderr: string };
      };
      const status = await sh('git status --porcelain=v1 --branch');
      expect(status, status.stderr).toMatchObject({ exitCode: 0, stdout: '## hangar/feature\n' });
      const commit = await sh(
        `echo 'from the sandbox' >>README.md &&
        git -c user.name=Agent -c user.email=agent@example.com commit -qam 'change from the sandbox' &&
        git rev-parse HEAD && git status --porcelain`,
      );
      expect(commit, commit.stderr).toMatchObject({ exitCode: 0 });
      const head = commit.stdout.trim();
      expect(head).toMatch(/^[0-9a-f]{40}$/);
      expect(git(repo, 'rev-parse', 'hangar/feature').trim()).toBe(head);
      expect(git(repo, 'log', '-1', '--format=%s', 'hangar/feature')).toBe('change from the sandbox\n');
      expect(git(repo, 'show', 'hangar/feature:README.md')).toBe('# demo\nfrom the sandbox\n');

      // The shared git dir is read-only inside but for where commits land: no hook or
      // config planted by the sandbox can run later as the repository's owner.
      for (const target of [
        `${gitDir}/hooks/post-checkout`,
        `${gitDir}/config`,
        `${gitDir}/info/attributes`,
      ]) {
        const write = await sh(`echo 'touch /tmp/pwned' >> ${target}`);
        expect(write.exitCode, target).not.toBe(0);
      }

      const del = await admin.request('DELETE', `/api/workspaces/${id}`, { confirm: 'feature' });
      expect(del.status).toBe(200);
      expect((await settled(admin, id)).status).toBe(404);
      expect(git(repo, 'worktree', 'list')).not.toContain(work);
      expect(existsSync(work)).toBe(false);
      expect(existsSync(join(gitDir, 'worktrees'))).toBe(false);
      expect(aclOf(gitDir)).not.toContain(`:${uid}:`);
      // What the sandbox created (objects, its ref) went back to the repository's owner.
      expect(execFileSync('find', [gitDir, '-uid', String(uid)]).toString()).toBe('');
      expect(git(repo, 'fsck', '--no-progress')).toBe('');
      expect(git(repo, 'rev-parse', 'hangar/feature').trim()).toBe(head); // the branch keeps the work
    });

    it('ends in state error, saying why, when the git dir refuses the ACL; delete still cleans up', async (ctx) => {
      if (!asRoot) return ctx.skip('only a root server grants ACLs');
      const locked = join(root, 'locked');
      await makeRepo(locked);
      // An immutable file: setfacl fails on it, as on a file system that refuses ACLs.
      const immutable = join(locked, '.git', 'description');
      try {
        execFileSync('chattr', ['+i', immutable], { stdio: 'pipe' });
      } catch (error) {
        return ctx.skip(`chattr +i does not work here: ${String((error as { stderr?: unknown }).stderr)}`);
      }
      let id: string;
      try {
        const ws = await createWorkspace(admin, { name: 'locked', source: { type: 'local', path: locked } });
        id = ws.body.id;
        expect(ws.body.state).toBe('error');
        expect(ws.body.error).toMatch(
          /^cannot let workspace uid \d+ write the repository's git directory \S+: setfacl failed: .*Operation not permitted/,
        );
      } finally {
        execFileSync('chattr', ['-i', immutable]);
      }
      const uid = Number((await server.services.workspaces.repo.find(id))!.uid);
      const del = await admin.request('DELETE', `/api/workspaces/${id}`, { confirm: 'locked' });
      expect(del.status).toBe(200);
      expect((await settled(admin, id)).status).toBe(404);
      expect(aclOf(join(locked, '.git'))).not.toContain(`:${uid}:`);
      expect(git(locked, 'worktree', 'list').trim().split('\n')).toHaveLength(1);
    });
  },
);
