import { describe, expect, it } from 'vitest';
import type { SandboxSpec } from '../driver.js';
import { containerName, limitArgs, runArgs, type RunContext } from './run-args.js';

const spec: SandboxSpec = {
  id: 'abc_-1',
  workDir: '/data/workspaces/abc/work',
  homeDir: '/data/workspaces/abc/home',
  stateDir: '/data/sandbox-state/podman/abc',
  uid: 61000,
  gid: 61000,
  env: { PATH: '/usr/bin:/bin', HOME: '/elsewhere', SECRET_OF_THE_SPEC: 'yes' },
  network: 'none',
  hangarSocketDir: '/data/workspaces/abc/run',
  hangarPort: 7700,
  limits: {},
  rootfs: '/var/cache/hangar/rootfs-bookworm',
};
const context: RunContext = {
  instance: 'test',
  files: { passwd: '/s/passwd', group: '/s/group', resolvConf: '/s/resolv.conf' },
  pidFile: '/s/container.pid',
  ceilings: { openFiles: 20_000, processes: 32_768 },
};

// What keeps a workspace contained does not depend on podman being here: checked everywhere.
describe('podman run arguments', () => {
  it('drop every capability and privilege, run as the workspace uid on a read-only root', () => {
    const args = runArgs(spec, context);
    for (const flag of [
      '--cap-drop=ALL',
      '--security-opt=no-new-privileges',
      '--read-only',
      '--user=61000:61000',
      '--runtime=runc',
      '--pull=never',
      '--network=none',
      '--unsetenv-all',
      '--env=HOME=/home/hangar',
    ]) {
      expect(args).toContain(flag);
    }
    expect(args).not.toContain('--privileged');
    expect(args.slice(-4)).toEqual(['--rootfs', `${spec.rootfs}:O`, 'sleep', 'infinity']);
  });

  it('mount only the workspace, its home and generated files (the socket dir with network hangar or full)', () => {
    const volumes = (s: SandboxSpec) => runArgs(s, context).filter((a) => a.startsWith('--volume='));
    expect(volumes(spec)).toEqual([
      `--volume=${spec.workDir}:/workspace`,
      `--volume=${spec.homeDir}:/home/hangar`,
      '--volume=/s/passwd:/etc/passwd:ro',
      '--volume=/s/group:/etc/group:ro',
      '--volume=/s/resolv.conf:/etc/resolv.conf:ro',
    ]);
    for (const network of ['hangar', 'full'] as const)
      expect(volumes({ ...spec, network })).toContain(`--volume=${spec.hangarSocketDir}:/run/hangar:ro`);
    expect(() => runArgs({ ...spec, workDir: 'relative/work' }, context)).toThrow(/not absolute/);
  });

  it('always set nofile and nproc, within what runc can set without CAP_SYS_RESOURCE', () => {
    expect(limitArgs({}, context.ceilings)).toEqual([
      '--ulimit=nofile=20000:20000',
      '--ulimit=nproc=32768:32768',
    ]);
    expect(
      limitArgs({ processes: 100_000, openFiles: 64, memoryBytes: 1024, cpus: 1.5 }, context.ceilings),
    ).toEqual([
      '--ulimit=nofile=64:64',
      '--ulimit=nproc=32768:32768',
      '--pids-limit=100000',
      '--memory=1024',
      '--memory-swap=1024',
      '--shm-size=128',
      '--tmpfs=/tmp:rw,exec,nosuid,nodev,size=128',
      '--tmpfs=/var/tmp:rw,exec,nosuid,nodev,size=128',
      '--tmpfs=/run:rw,exec,nosuid,nodev,size=128',
      '--cpus=1.5',
    ]);
  });

  it('name containers after workspace ids, and refuse other names', () => {
    expect(containerName('Ab-_9')).toBe('hangar-Ab-_9');
    expect(() => containerName('../x')).toThrow(/invalid sandbox id/);
  });
});
