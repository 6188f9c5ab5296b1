import { closeSync, openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { spawnDriverChild } from '../../sandbox/child-driver.js';
import type { AttemptGroupContext } from './escape-support.js';

/** Where the inherited descriptors sit in the server's process (stdio indexes of its parent's spawn). */
/** 40: past the first free descriptor, where Node's own start-up (uv_disable_stdio_inheritance) stops marking close-on-exec. */
const LEAKED_FDS = [3, 40];

/**
 * Descriptors a server inherited (from its shell or supervisor, without
 * close-on-exec) must not reach the sandbox: not the commands it runs there,
 * nor the sandbox's long-lived processes, whose /proc/<pid>/fd a command of
 * the same uid could open. Played by a child process holding an open file of
 * the data dir at fds 3 and 12, which starts the sandbox and runs a command.
 */
export function runDescriptorAttempts(ctx: AttemptGroupContext): void {
  it('gets none of the descriptors the server inherited, in its commands or its long-lived processes', async (test) => {
    ctx.isolated(test);
    const module = ctx.driverModule();
    if (!module) return test.skip(`the ${ctx.name} harness gives no driverModule to run it from a child`);
    const spec = await ctx.started({ network: 'none' });
    await ctx.driver().stop(spec); // the child starts it, with the descriptors
    const name = `leaked-${ctx.tag}`;
    const file = join(ctx.dataDir(), name);
    await writeFile(file, `secret-${ctx.tag}\n`, { mode: 0o600 });
    const fd = openSync(file, 'r');
    const stdio: (number | 'ignore')[] = [];
    for (let i = 3; i <= Math.max(...LEAKED_FDS); i++) stdio.push(LEAKED_FDS.includes(i) ? fd : 'ignore');
    const script = `await driver.start(spec);
const r = await runInSandbox(driver, spec, { command: ['/bin/sh', '-c', process.env.HANGAR_FD_PROBE], timeoutMs: 20000 });
console.log('RESULT' + JSON.stringify(r) + 'END');
process.exit(0);`;
    process.env.HANGAR_FD_PROBE = PROBE.replaceAll('NAME', name);
    let output: string;
    try {
      const started = await spawnDriverChild(module, spec, script, 'END', stdio);
      started.child.kill('SIGKILL');
      output = /RESULT(.*)END/s.exec(started.output)?.[1] ?? started.output;
    } finally {
      delete process.env.HANGAR_FD_PROBE;
      closeSync(fd);
    }
    const result = JSON.parse(output) as { stdout: string; stderr: string };
    const own = [...result.stdout.matchAll(/^l\S+ .* (\d+) -> /gm)].map((match) => match[1]);
    expect(own, result.stdout).toEqual(['0', '1', '2']);
    expect(result.stdout).not.toContain('LEAK');
    expect(result.stdout).toContain('scanned');
    ctx.count(2); // the command's own descriptors, and every other process of the sandbox
  }, 90_000);
}

/**
 * Inside: the shell's own descriptors (listed by ls, a child without a
 * redirection, so that nothing of the listing itself is among them), then every
 * descriptor of every process it can see that points to the leaked file.
 */
const PROBE = `ls -l /proc/$$/fd
for f in /proc/[0-9]*/fd/*; do
  case "$(readlink "$f" 2>/dev/null)" in *NAME*) echo "LEAK $f" ;; esac
done
echo scanned`;
