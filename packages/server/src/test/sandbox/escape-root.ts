import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { AttemptGroupContext } from './escape-support.js';
import { runInSandbox } from '../../sandbox/exec.js';
import { seccompFilter } from '../../sandbox/seccomp.js';

/** Inside the sandbox: the file the fake loader writes, proof that the server ran it. */
const MARKER = '/workspace/.hangar-hijacked';

/**
 * A stand-in for the dynamic loader (and libc, sh...): no libc, it writes
 * MARKER and exits 0. Whatever runs it, as the loader of a program the
 * server starts or as a program, leaves the marker.
 */
const FAKE_LOADER_C = `static long sys3(long n, long a, long b, long c) {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return r;
}
void _start(void) {
  static const char path[] = "${MARKER}";
  long fd = sys3(2, (long)path, 01 | 0100, 0644);
  sys3(1, fd, (long)"hijacked\\n", 9);
  sys3(231, 0, 0, 0);
  for (;;) {}
}
`;

/** Names under which a swapped-in directory offers the fake: the loader, libc, shells and the join helpers. */
const FAKE_NAMES = [
  'ld-linux-x86-64.so.2',
  'x86_64-linux-gnu/ld-linux-x86-64.so.2',
  'x86_64-linux-gnu/libc.so.6',
  'sh',
  'bash',
  'dash',
  'perl',
  'setpriv',
  'nsenter',
  'env',
];

/**
 * What a hostile process tries on the sandbox's root directory: add entries,
 * rename, delete or replace each top-level entry, and point each top-level
 * symlink (`/lib64`, `/bin`...) at a directory of its own holding a fake
 * loader — the next program the server starts in the sandbox would load it,
 * with whatever privileges that program has when it starts.
 */
export function runRootAttempts(ctx: AttemptGroupContext): void {
  it("cannot change the sandbox's root directory; the next command the server starts runs unprivileged, unhijacked", async (test) => {
    ctx.isolated(test);
    const spec = await ctx.started({ network: 'none' });
    const fake = await buildFakeLoader();
    if (fake.path) {
      await copyFile(fake.path, join(spec.workDir, 'fakeld'));
      spawnSync('chmod', ['0755', join(spec.workDir, 'fakeld')]);
      await rm(fake.path, { force: true });
    } else {
      // Without it the writes are still checked; CI has the compiler (scripts/setup-test-env.sh installs gcc).
      if (process.env.CI === 'true') throw new Error(`CI needs the fake loader: ${fake.reason}`);
      console.log(`escape (${ctx.name}): no fake loader, the marker check is void: ${fake.reason}`);
    }
    const attack = await runInSandbox(ctx.driver(), spec, {
      command: ['/bin/bash', '-c', ATTACK],
      timeoutMs: 60_000,
    });
    const changed = attack.stdout.split('\n').filter((line) => line.startsWith('DONE'));
    expect(changed, attack.stderr).toEqual([]);
    const entries = attack.stdout.match(/^tried \//gm) ?? [];
    expect(entries.length, attack.stdout).toBeGreaterThanOrEqual(10);

    const next = await runInSandbox(ctx.driver(), spec, {
      command: ['/bin/sh', '-c', `cat /proc/self/status\n${ROOT_MOUNT}`],
      timeoutMs: 20_000,
    });
    const status = next.stdout;
    for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb'])
      expect(status, set).toMatch(new RegExp(`^${set}:\\s+0000000000000000$`, 'm'));
    expect(status).toMatch(
      new RegExp(`^Uid:\\s+${spec.uid}\\s+${spec.uid}\\s+${spec.uid}\\s+${spec.uid}$`, 'm'),
    );
    expect(status).toMatch(
      new RegExp(`^Gid:\\s+${spec.gid}\\s+${spec.gid}\\s+${spec.gid}\\s+${spec.gid}$`, 'm'),
    );
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    if (seccompFilter()) expect(status).toMatch(/^Seccomp:\s+2$/m);
    // The root mount itself (the last one on /) is read-only.
    expect(next.stdout.match(/^ROOT .*/gm)?.pop()).toMatch(/^ROOT ro(,|$)/);
    expect(existsSync(join(spec.workDir, '.hangar-hijacked')), 'the fake loader ran').toBe(false);
    // Each top-level entry (rename, delete, replace), the four additions, and the next command's privileges.
    ctx.count(entries.length + 4 + 1);
  }, 120_000);
}

/**
 * As the sandbox user: prints `DONE <command>` for every change that worked,
 * `tried <entry>` for each top-level entry.
 */
const ATTACK = `evil=/tmp/evil
mkdir -p $evil/x86_64-linux-gnu
if [ -x /workspace/fakeld ]; then
  for name in ${FAKE_NAMES.join(' ')}; do cp /workspace/fakeld "$evil/$name"; done
fi
try() { "$@" 2>/dev/null && echo "DONE $*"; }
try touch /hangar-file
try mkdir /hangar-dir
try ln -sT $evil /hangar-link
try chmod 0777 /
for entry in /* /.[!.]*; do
  [ -e "$entry" ] || [ -L "$entry" ] || continue
  echo "tried $entry"
  if [ -L "$entry" ]; then
    try ln -sfn $evil "$entry"
    try rm -f "$entry"
  else
    try mv -T "$entry" "$entry.moved"
    try rmdir "$entry"
  fi
  try ln -sT $evil "$entry"
  try ln -sT $evil "$entry.new" && try mv -T "$entry.new" "$entry"
done
true`;

/** Prints `ROOT <options>` for each mount on / (mountinfo: id, parent, dev, root, mount point, options). */
const ROOT_MOUNT = `while read -r _ _ _ _ point options _; do [ "$point" = / ] && echo "ROOT $options"; done </proc/self/mountinfo`;

/** Compiles the fake loader (x86-64, with the host's C compiler) into a temporary file. */
async function buildFakeLoader(): Promise<{ path?: string; reason?: string }> {
  if (process.arch !== 'x64') return { reason: `the fake loader is x86-64 code; this is ${process.arch}` };
  const dir = await mkdtemp(join(tmpdir(), 'hangar-fakeld-'));
  try {
    await writeFile(join(dir, 'fake.c'), FAKE_LOADER_C);
    const out = join(tmpdir(), `hangar-fakeld-${process.pid}-${Date.now()}`);
    // prettier-ignore
    const cc = spawnSync('cc', [
      '-nostdlib', '-fPIC', '-shared', '-O2', '-fno-stack-protector', '-Wl,-e,_start',
      '-o', out, join(dir, 'fake.c'),
    ], { encoding: 'utf8' });
    if (cc.error || cc.status !== 0)
      return { reason: `cc failed (install gcc): ${cc.error?.message ?? cc.stderr.trim()}` };
    return { path: out };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
