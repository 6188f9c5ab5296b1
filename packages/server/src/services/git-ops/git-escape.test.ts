import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BubblewrapDriver } from '../../sandbox/bubblewrap/index.js';
import { PodmanDriver } from '../../sandbox/podman/podman-driver.js';
import type { GitHttpServer } from '../../test/git-http-server.js';
import { setupAdmin, startTestServer, type TestClient, type TestServer } from '../../test/server.js';
import { createWorkspace, shellIn } from '../../test/workspaces.js';
import { hostGit, makeBareRepo } from '../../test/git-repos.js';
import { cloneInside, hostAddress, startHttpsGitServer } from '../../test/git-remote.js';

/*
 * Code in a workspace plants repository config and hooks that would run a
 * command during any git operation; then every operation of the git API
 * runs. Each command would leave a marker in a host directory the sandbox
 * cannot see: none may appear. Run once per isolating driver.
 */

const PODMAN_ROOTFS = process.env.HANGAR_PODMAN_ROOTFS ?? '/var/cache/hangar/rootfs-bookworm';
const address = hostAddress();
const noAddress = address
  ? undefined
  : 'the host has no non-loopback IPv4 address for a sandbox to reach a remote on';

const DRIVERS: {
  name: string;
  template: Record<string, unknown>;
  skipReason: () => Promise<string | undefined>;
}[] = [
  {
    name: 'bubblewrap',
    template: { driver: 'bubblewrap' },
    skipReason: async () =>
      (await new BubblewrapDriver({ stateRoot: tmpdir() }).unavailableReason()) ?? noAddress,
  },
  {
    name: 'podman',
    template: { driver: 'podman', rootfs: PODMAN_ROOTFS },
    skipReason: async () =>
      (await new PodmanDriver().unavailableReason()) ??
      (existsSync(join(PODMAN_ROOTFS, '.hangar-rootfs'))
        ? noAddress
        : `no root file system at ${PODMAN_ROOTFS}: run scripts/provision-podman-rootfs.sh`),
  },
];

/** Where the old host-side git saw the workspace's tree (its private mount namespace): a path code inside could name. */
const OLD_HOST_VIEW = '/run/hangar-git/work';

/** Config keys of the workspace's repository, each running a command (`$M` is the marker dir). */
const CONFIG: [string, string][] = [
  ['core.alternateRefsCommand', 'touch $M/alternate-refs'],
  ['core.fsmonitor', 'touch $M/fsmonitor'],
  ['core.sshCommand', 'touch $M/ssh'],
  ['core.pager', 'touch $M/pager'],
  ['core.editor', 'touch $M/editor'],
  ['core.askPass', 'touch $M/askpass'],
  ['core.hooksPath', '/workspace/.evil-hooks'],
  ['pager.status', 'touch $M/pager-status'],
  ['uploadpack.packObjectsHook', 'touch $M/pack-objects-hook'],
  ['filter.evil.clean', 'touch $M/clean; cat'],
  ['filter.evil.smudge', 'touch $M/smudge; cat'],
  ['filter.evil.process', 'touch $M/process'],
  ['filter.evil.required', 'true'],
  ['diff.evil.textconv', 'touch $M/textconv; cat'],
  ['diff.evil.command', 'touch $M/diff-command'],
  ['diff.external', 'touch $M/diff-external'],
  ['merge.evil.driver', 'touch $M/merge-driver'],
  ['credential.helper', '!touch $M/credential'],
  ['gpg.program', 'touch $M/gpg'],
  ['alias.status', '!touch $M/alias-status'],
  ['alias.st', '!touch $M/alias-st'],
  ['include.path', '/workspace/.evil.inc'],
  ['remote.inside.uploadpack', 'touch $M/uploadpack; git-upload-pack'],
  ['remote.inside.receivepack', 'touch $M/receivepack; git-receive-pack'],
];

const HOOKS = [
  'pre-commit',
  'prepare-commit-msg',
  'commit-msg',
  'post-commit',
  'pre-push',
  'post-checkout',
  'post-merge',
  'pre-merge-commit',
  'reference-transaction',
  'pre-auto-gc',
  'post-rewrite',
  'fsmonitor-watchman',
  'pre-receive',
  'update',
  'post-receive',
  'post-update',
  'proc-receive',
  'push-to-checkout',
];

/**
 * Plants everything from inside: the workspace's own config, an included
 * file, hooks (in .git/hooks and a hooksPath), alternates naming a
 * repository it made (by its path inside and by the old host view), and a
 * bare repository it made as a local remote whose own config runs hooks.
 */
function plantScript(markers: string): string {
  const hook = `#!/bin/sh\ntouch ${markers}/hook-$(basename "$0")\n`;
  return `set -e
M=${markers}
cd /workspace
printf '%s\\n' .evil.git .alt.git .evil-hooks .evil.inc >> .git/info/exclude
mkdir -p .evil-hooks
for h in ${HOOKS.join(' ')}; do
  printf '${hook.replace(/\n/g, '\\n')}' > .evil-hooks/$h; chmod +x .evil-hooks/$h
  cp .evil-hooks/$h .git/hooks/$h
done
git init -q --bare .alt.git
# Relative to the objects dir: /workspace/.alt.git inside, and the same repository in the old host view.
echo ../../.alt.git/objects > .git/objects/info/alternates
git init -q --bare .evil.git
git --git-dir=.evil.git config core.hooksPath /workspace/.evil-hooks
git --git-dir=.evil.git config core.alternateRefsCommand "touch $M/remote-alternate-refs"
git --git-dir=.evil.git config core.fsmonitor "touch $M/remote-fsmonitor"
git --git-dir=.evil.git config receive.procReceiveRefs refs/heads
echo ../../.alt.git/objects > .evil.git/objects/info/alternates
git remote add inside /workspace/.evil.git
git remote add hostview ${OLD_HOST_VIEW}/.evil.git
printf '[core]\\n\\tfsmonitor = touch %s/include-fsmonitor\\n\\thooksPath = /workspace/.evil-hooks\\n[diff "evil"]\\n\\ttextconv = touch %s/include-textconv\\n' "$M" "$M" > .evil.inc
${CONFIG.map(([key, value]) => `git config --add ${key} "${value}"`).join('\n')}
printf '* filter=evil diff=evil merge=evil\\n' > .gitattributes
echo change >> README.md`;
}

for (const driver of DRIVERS) {
  const skipReason = await driver.skipReason();
  if (skipReason && process.env.CI === 'true') throw new Error(`CI requires ${driver.name}: ${skipReason}`);
  describeGitEscape(driver.name, driver.template, skipReason);
}

// Not the host driver: it isolates nothing by design (its workspaces run on the host, an
// explicit single-user opt-in), so there is no way out to try.

function describeGitEscape(name: string, template: Record<string, unknown>, skipReason: string | undefined) {
  const title = `git escape: ${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`;
  describe.skipIf(skipReason)(title, () => {
    const TOKEN = `tok_${Math.random().toString(36).slice(2)}SECRET`;
    let server: TestServer;
    let admin: TestClient;
    let root: string;
    let markers: string;
    let remote: { server: GitHttpServer; cert: string };
    let id: string;
    let work: string;
    let attempts = 0;

    beforeAll(async () => {
      root = mkdtempSync(join(tmpdir(), 'hangar-git-escape-'));
      chmodSync(root, 0o755);
      markers = join(root, 'markers');
      mkdirSync(markers);
      chmodSync(markers, 0o777); // any uid could leave a marker, were it to run on the host
      makeBareRepo(join(root, 'served', 'origin.git'));
      remote = await startHttpsGitServer(join(root, 'served'), new Set([TOKEN]), address!);
      server = await startTestServer({
        env: {
          HANGAR_TEMPLATES: JSON.stringify({
            escape: {
              ...template,
              network: 'full',
              git: { allowProtectedPush: true, allowRemoteBranchDelete: true },
            },
          }),
          HANGAR_DEFAULT_TEMPLATE: 'escape',
          HANGAR_SANDBOX_UID_BASE: String(1_300_000 + Math.floor(Math.random() * 990) * 100),
          HANGAR_SANDBOX_UID_COUNT: '100',
        },
      });
      admin = await setupAdmin(server);
      const credential = { host: remote.server.host, username: 'ada', token: TOKEN };
      expect((await admin.post('/api/me/git-credentials', credential)).status).toBe(201);
      const res = await createWorkspace(admin, { name: 'escape', source: { type: 'empty' } });
      expect(res.body, JSON.stringify(res.body)).toMatchObject({ state: 'running', error: null });
      id = res.body.id;
      work = join(server.config.dataDir, 'workspaces', id, 'work');
      await cloneInside(admin, id, remote.server.url('origin.git'), remote.cert);
    }, 180_000);

    afterAll(async () => {
      await server?.services.workspaces.settle();
      for (const row of (await server?.services.workspaces.repo.list({})) ?? [])
        await server.services.workspaces.destroy(row.id);
      await server?.stop();
      await remote?.server.stop();
      if (root) rmSync(root, { recursive: true, force: true });
      console.log(`escape attempts blocked: ${attempts} (git, ${name})`);
    }, 120_000);

    it('runs none of the commands a workspace plants in its repository, on any git operation of the API', async () => {
      // The marker dir is the host's: the sandbox cannot see it (else a marker would prove nothing).
      expect((await shellIn(admin, id, `test -e ${markers}`)).exitCode).not.toBe(0);
      const planted = await shellIn(admin, id, plantScript(markers));
      expect(planted.exitCode, planted.stderr).toBe(0);
      const payloads = CONFIG.length + HOOKS.length * 2 + 4; // + include, alternates (x2), local remote's hooksPath

      const api = `/api/workspaces/${id}/git`;
      // [method, path, body, must succeed]: the origin's operations work, with every payload planted.
      const calls: [string, string, unknown, boolean][] = [
        ['GET', `${api}/branches`, undefined, true],
        ['POST', `${api}/branches`, { name: 'escape' }, true],
        ['POST', `${api}/commit`, { message: 'Escape change' }, true],
        // The same bare repository by the old host-side git's view of the tree (refused now, 403):
        // there its alternates' refs command, and its hooksPath, ran on the host.
        ['POST', `${api}/push`, { remote: 'hostview' }, false],
        ['POST', `${api}/fetch`, { remote: 'hostview' }, false],
        ['POST', `${api}/switch`, { name: 'main' }, true],
        ['POST', `${api}/switch`, { name: 'escape' }, true],
        ['POST', `${api}/fetch`, {}, true],
        ['POST', `${api}/push`, {}, true],
        ['POST', `${api}/pull`, { mode: 'merge' }, true],
        ['POST', `${api}/branches`, { name: 'other', switch: false }, true],
        ['DELETE', `${api}/remote-branches?name=escape`, undefined, true],
        ['GET', `${api}/pulls/draft`, undefined, true],
        // A local remote inside the workspace is allowed: its hooks run, if at all, in the sandbox
        // (where they fail: the marker dir is not there), so these may answer 409.
        ['POST', `${api}/push`, { remote: 'inside' }, false],
        ['POST', `${api}/fetch`, { remote: 'inside' }, false],
        ['POST', `${api}/pull`, { remote: 'inside' }, false],
      ];
      for (const [method, path, body, succeeds] of calls) {
        const res = await admin.request(method, path, body);
        const what = `${method} ${path} ${JSON.stringify(body ?? '')}: ${res.status} ${JSON.stringify(res.body)}`;
        expect(res.status, what).toBeLessThan(succeeds ? 300 : 500);
        attempts += payloads;
        expect(readdirSync(markers), what).toEqual([]);
      }
      const pushed = remote.server.requests.filter((r) => r.path.endsWith('/git-receive-pack'));
      expect(pushed.length).toBeGreaterThanOrEqual(2); // the push and the remote branch's deletion

      // Control: the same repository does run them under plain git on the host.
      try {
        hostGit(work, '-c', 'safe.directory=*', 'status');
      } catch {
        // a failing fsmonitor still ran
      }
      expect(readdirSync(markers).length).toBeGreaterThan(0);
      for (const marker of readdirSync(markers)) rmSync(join(markers, marker));
    }, 300_000); // some 60 sandboxed git runs: podman enters its container for each

    it('refuses local-path and file:// remotes outside the workspace (403 git_local_remote_refused)', async () => {
      const origin = remote.server.url('origin.git');
      const added = await shellIn(
        admin,
        id,
        `git remote add hostrepo ${join(root, 'served', 'origin.git')}
git remote add hostfile file://${join(root, 'served', 'origin.git')}
git remote add dotdot file:///workspace/../tmp/x.git
git remote add sneaky ${origin} && git remote set-url --add --push sneaky /tmp/elsewhere.git
git remote add sneakyfetch ${origin} && git config --add remote.sneakyfetch.url /tmp/elsewhere.git`,
      );
      expect(added.exitCode, added.stderr).toBe(0);
      for (const name of ['hostview', 'hostrepo', 'hostfile', 'dotdot', 'sneaky', 'sneakyfetch']) {
        for (const op of ['push', 'fetch', 'pull']) {
          const res = await admin.post(`/api/workspaces/${id}/git/${op}`, { remote: name });
          attempts += 1;
          expect([res.status, res.body.error?.id], `${op} ${name}`).toEqual([
            403,
            'git_local_remote_refused',
          ]);
        }
      }
      const del = await admin.delete(`/api/workspaces/${id}/git/remote-branches?name=x&remote=hostrepo`);
      expect([del.status, del.body.error?.id]).toEqual([403, 'git_local_remote_refused']);
      expect(readdirSync(markers)).toEqual([]);
    }, 180_000);

    it('leaves no credential in the tree after a push with one', async () => {
      expect((await admin.post(`/api/workspaces/${id}/git/branches`, { name: 'with-token' })).status).toBe(
        201,
      );
      expect((await shellIn(admin, id, 'echo t > token.txt')).exitCode).toBe(0);
      expect((await admin.post(`/api/workspaces/${id}/git/commit`, { message: 'token' })).status).toBe(201);
      const push = await admin.post(`/api/workspaces/${id}/git/push`, {});
      expect(push.status, JSON.stringify(push.body)).toBe(200);
      const basic = Buffer.from(`ada:${TOKEN}`).toString('base64');
      const receive = remote.server.requests.filter((r) => r.path.endsWith('/git-receive-pack'));
      expect(receive.at(-1)?.authorization).toBe(`Basic ${basic}`);
      const config = readFileSync(join(work, '.git/config'), 'utf8');
      expect(config).not.toContain(TOKEN);
      expect(config).not.toContain(basic);
      expect(config).not.toMatch(/extraheader|authorization/i);
      const found = await shellIn(admin, id, `grep -rlF -e "$T" -e "$B" /workspace /home/hangar || true`, {
        env: { T: TOKEN, B: basic },
      });
      expect(found.stdout).toBe('');
    }, 60_000);
  });
}
