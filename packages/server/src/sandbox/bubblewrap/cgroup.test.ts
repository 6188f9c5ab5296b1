import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectSandboxCgroups, removeCgroups } from './cgroup.js';
import { SERVER_LEAF } from './cgroup-v2.js';

const GiB = 1024 ** 3;
const LIMITS = { memoryBytes: 4 * GiB, cpus: 1.5, processes: 2048, openFiles: 4096 };

/**
 * cgroup v2 against a directory tree shaped like cgroupfs (this host mounts
 * v1, so the unified hierarchy cannot be exercised for real here): the files
 * the kernel would show are made by the test, and what the server writes is
 * read back. Where the kernel acts on a write (moving processes, showing
 * enabled controllers), the test plays its part between two steps.
 */
describe('bubblewrap cgroups, v2 (a cgroupfs-shaped tree)', () => {
  let root: string;
  const service = () => join(root, 'system.slice', 'hangar.service');
  const read = (...path: string[]) => readFileSync(join(...path), 'utf8');

  /** A unified hierarchy at `root`, the server's cgroup holding pids 101 and 102. */
  function tree(controllers = 'cpu memory pids'): void {
    mkdirSync(service(), { recursive: true });
    writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma misc\n');
    writeFileSync(join(service(), 'cgroup.controllers'), `${controllers}\n`);
    writeFileSync(join(service(), 'cgroup.procs'), '101\n102\n');
    writeFileSync(join(service(), 'cgroup.subtree_control'), '');
  }
  const detect = (own: string, isRoot = true) =>
    detectSandboxCgroups({ root, ownCgroup: `0::${own}\n`, isRoot });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'hangar-cgroupfs-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('moves the server into a leaf, enables the controllers, and writes the limits of each sandbox', async () => {
    tree();
    const cgroups = detect('/system.slice/hangar.service');
    expect(cgroups.version).toBe(2);
    expect(cgroups.unenforced).toBeUndefined();
    expect(cgroups.limits).toEqual(['memoryBytes', 'cpus']);

    const dirs = await cgroups.create('hangar-ws1', LIMITS);
    const sandbox = join(service(), 'hangar-ws1');
    expect(dirs).toEqual([sandbox]);
    expect(cgroups.dirs('hangar-ws1')).toEqual([sandbox]);
    expect(read(service(), SERVER_LEAF, 'cgroup.procs')).toBe('101\n102\n');
    expect(read(service(), 'cgroup.subtree_control')).toBe('+memory +cpu +pids');
    expect(read(sandbox, 'memory.max')).toBe(String(4 * GiB));
    expect(read(sandbox, 'memory.swap.max')).toBe('0');
    expect(read(sandbox, 'cpu.max')).toBe('150000 100000');
    expect(read(sandbox, 'pids.max')).toBe('2048');

    // The kernel moved them and now lists the controllers enabled: a second sandbox moves nobody again.
    writeFileSync(join(service(), 'cgroup.procs'), '');
    writeFileSync(join(service(), SERVER_LEAF, 'cgroup.procs'), '101\n102\n');
    writeFileSync(join(service(), 'cgroup.subtree_control'), 'cpu memory pids\n');
    const second = await cgroups.create('hangar-ws2', { cpus: 0.5 });
    expect(second).toEqual([join(service(), 'hangar-ws2')]);
    expect(read(second[0]!, 'cpu.max')).toBe('50000 100000');
    expect(existsSync(join(second[0]!, 'memory.max'))).toBe(false);
    expect(read(service(), SERVER_LEAF, 'cgroup.procs')).toBe('101\n102\n');
    expect(read(service(), 'cgroup.subtree_control')).toBe('cpu memory pids\n');

    // The kernel's files vanish with the cgroup; what removal does is rmdir.
    for (const file of ['memory.max', 'memory.swap.max', 'cpu.max', 'pids.max']) rmSync(join(sandbox, file));
    await removeCgroups(dirs);
    expect(existsSync(sandbox)).toBe(false);
  });

  it('makes no cgroup for a sandbox without memory or CPU limits', async () => {
    tree();
    expect(await detect('/system.slice/hangar.service').create('hangar-ws', { processes: 10 })).toEqual([]);
    expect(existsSync(join(service(), 'hangar-ws'))).toBe(false);
    expect(existsSync(join(service(), SERVER_LEAF))).toBe(false);
  });

  it('uses the parent of a server already in its leaf (systemd DelegateSubgroup=hangar.server)', async () => {
    tree();
    mkdirSync(join(service(), SERVER_LEAF));
    writeFileSync(join(service(), 'cgroup.procs'), '');
    const dirs = await detect(`/system.slice/hangar.service/${SERVER_LEAF}`).create('hangar-ws', LIMITS);
    expect(dirs).toEqual([join(service(), 'hangar-ws')]);
    expect(read(service(), 'cgroup.subtree_control')).toBe('+memory +cpu +pids');
  });

  it('never moves the processes of the root cgroup (which may keep them)', async () => {
    writeFileSync(join(root, 'cgroup.controllers'), 'cpu memory pids\n');
    writeFileSync(join(root, 'cgroup.procs'), '1\n2\n');
    writeFileSync(join(root, 'cgroup.subtree_control'), '');
    const dirs = await detect('/').create('hangar-ws', LIMITS);
    expect(dirs).toEqual([join(root, 'hangar-ws')]);
    expect(existsSync(join(root, SERVER_LEAF))).toBe(false);
    expect(read(root, 'cgroup.procs')).toBe('1\n2\n');
    expect(read(root, 'cgroup.subtree_control')).toBe('+memory +cpu +pids');
  });

  it('enforces only what the delegated controllers allow', async () => {
    tree('pids');
    const none = detect('/system.slice/hangar.service');
    expect(none.limits).toEqual([]);
    expect(none.unenforced).toMatch(/neither the memory nor the cpu controller.*Delegate=yes/);
    expect(await none.create('hangar-ws', LIMITS)).toEqual([]);

    rmSync(service(), { recursive: true });
    tree('memory pids');
    expect(detect('/system.slice/hangar.service').limits).toEqual(['memoryBytes']);
  });

  it('says why when the cgroup is not there, or the server is not root', () => {
    tree();
    expect(detect('/elsewhere.service').unenforced).toMatch(/not delegated to it \(ENOENT\).*Delegate=yes/);
    expect(detect('/system.slice/hangar.service', false).unenforced).toMatch(/does not run as root/);
    expect(detectSandboxCgroups({ root, ownCgroup: '4:memory:/x\n', isRoot: true }).unenforced).toMatch(
      /no "0::" line/,
    );
  });
});
