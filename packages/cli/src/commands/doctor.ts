import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { agentList, authStatus, me, providerList } from '@hangar/protocol';
import envPaths from 'env-paths';
import type { Command } from 'commander';
import { ApiClient } from '../client/api.js';
import { resolveTarget } from '../client/credentials.js';
import { CliError, EXIT } from '../client/errors.js';
import { out } from '../ui/style.js';
import { printJson } from '../ui/table.js';
import { command, JSON_OPTION } from './common.js';

const run = promisify(execFile);
/** Longest a probe command may take, in ms. */
const PROBE_MS = 10_000;

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** How to fix a failed check. */
  fix?: string;
  /** A failed optional check is a warning, not a failure. */
  optional?: boolean;
}

/** Agent CLIs Hangar drives, by adapter name: the npm package and its entry file. */
const AGENT_PACKAGES: Record<string, [string, string]> = {
  'claude-code': ['@anthropic-ai/claude-code', 'package.json'],
  codex: ['@openai/codex', 'package.json'],
  gemini: ['@google/gemini-cli', 'package.json'],
  pi: ['@mariozechner/pi-coding-agent', 'dist/cli.js'],
};

export function doctorCommand(): Command {
  return command(
    'doctor',
    'Check this machine and the server: sandbox tools, agent CLIs, data dir, provider keys, reachability',
    [
      'hangar doctor',
      "hangar doctor --json | jq -r '.checks[] | select(.ok|not) | .name'",
      '',
      'Sandbox tools and the data dir are checked on this machine: run it where `hangar serve` runs.',
      'Exits 1 when a required check fails; optional ones (podman) only warn.',
    ],
  )
    .option(...JSON_OPTION)
    .action(async (options: { json?: boolean }) => {
      const checks: Check[] = [];
      const add = (check: Check) => {
        checks.push(check);
        if (!options.json) process.stdout.write(format(check));
      };
      add(await bubblewrap());
      add(
        await version(
          'podman',
          ['podman', '--version'],
          'apt install podman (only for podman templates)',
          true,
        ),
      );
      add(await version('tmux', ['tmux', '-V'], 'apt install tmux (terminals run in tmux)'));
      add(await version('git', ['git', '--version'], 'apt install git'));
      add(dataDir());
      for (const check of await serverChecks()) add(check);
      const failed = checks.filter((c) => !c.ok && !c.optional);
      if (options.json) printJson({ ok: failed.length === 0, checks });
      else if (failed.length > 0)
        process.stdout.write(`\n${failed.length} check${failed.length > 1 ? 's' : ''} failed.\n`);
      else process.stdout.write(`\n${out.green('All required checks passed.')}\n`);
      if (failed.length > 0) process.exitCode = EXIT.failure;
    });
}

function format(check: Check): string {
  const mark = check.ok ? out.green('✓') : check.optional ? out.yellow('!') : out.red('✗');
  const fix = !check.ok && check.fix ? `\n    ${out.dim('fix:')} ${check.fix}` : '';
  return `${mark} ${out.bold(check.name.padEnd(18))} ${check.detail}${fix}\n`;
}

async function probe(argv: string[]): Promise<{ ok: true; output: string } | { ok: false; reason: string }> {
  try {
    const { stdout, stderr } = await run(argv[0]!, argv.slice(1), { timeout: PROBE_MS });
    return { ok: true, output: `${stdout}${stderr}`.trim().split('\n')[0] ?? '' };
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') return { ok: false, reason: 'not found on PATH' };
    return { ok: false, reason: (e.stderr?.trim() || e.message).split('\n')[0] ?? 'failed' };
  }
}

async function version(name: string, argv: string[], fix: string, optional = false): Promise<Check> {
  const result = await probe(argv);
  return result.ok
    ? { name, ok: true, detail: result.output, ...(optional && { optional }) }
    : { name, ok: false, detail: result.reason, fix, ...(optional && { optional }) };
}

/** bwrap is there, and can make the namespaces a sandbox needs. */
async function bubblewrap(): Promise<Check> {
  const name = 'bubblewrap';
  const found = await probe(['bwrap', '--version']);
  if (!found.ok) return { name, ok: false, detail: found.reason, fix: 'apt install bubblewrap' };
  const trial = await probe([
    'bwrap',
    '--ro-bind',
    '/',
    '/',
    '--unshare-pid',
    '--unshare-net',
    '--dev',
    '/dev',
    'true',
  ]);
  if (!trial.ok)
    return {
      name,
      ok: false,
      detail: `${found.output}, but it cannot create namespaces: ${trial.reason}`,
      fix: 'run Hangar as root, or allow user namespaces (sysctl kernel.unprivileged_userns_clone=1; on Ubuntu, an AppArmor profile for bwrap)',
    };
  return { name, ok: true, detail: `${found.output}, namespaces work` };
}

/** The server's data dir (HANGAR_DATA_DIR or the default) exists only for its owner, or can be created. */
function dataDir(): Check {
  const name = 'data dir';
  const dir = process.env.HANGAR_DATA_DIR || envPaths('hangar', { suffix: '' }).data;
  if (!existsSync(dir)) {
    let parent = dirname(dir);
    while (!existsSync(parent)) parent = dirname(parent);
    try {
      accessSync(parent, constants.W_OK);
      return { name, ok: true, detail: `${dir} (created at first start)` };
    } catch {
      return {
        name,
        ok: false,
        detail: `${dir} does not exist and ${parent} is not writable`,
        fix: `mkdir -m 700 -p ${dir}`,
      };
    }
  }
  const stat = statSync(dir);
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid)
    return {
      name,
      ok: false,
      detail: `${dir} belongs to uid ${stat.uid}, not you (${uid})`,
      fix: `chown -R ${uid} ${dir}, or run hangar as its owner`,
    };
  if ((stat.mode & 0o077) !== 0)
    return {
      name,
      ok: false,
      detail: `${dir} is open to others (mode ${(stat.mode & 0o777).toString(8)}): it holds the database and keys`,
      fix: `chmod 700 ${dir}`,
    };
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    return { name, ok: false, detail: `${dir} is not writable`, fix: `chmod u+w ${dir}` };
  }
  return { name, ok: true, detail: `${dir} (mode ${(stat.mode & 0o777).toString(8)})` };
}

/** Reachability and login, then the server's own view of agents and provider keys. */
async function serverChecks(): Promise<Check[]> {
  let target;
  try {
    target = resolveTarget();
  } catch (error) {
    return [
      { name: 'server', ok: false, detail: (error as Error).message, fix: 'hangar login URL' },
      ...localAgents(),
      localKeys(),
    ];
  }
  const client = new ApiClient(target);
  const checks: Check[] = [];
  let status;
  try {
    status = await client.get('/api/auth/status', authStatus);
  } catch (error) {
    const fix =
      error instanceof CliError && error.exitCode === EXIT.unreachable
        ? 'start it with `hangar serve`, or check the URL (hangar login URL)'
        : undefined;
    return [
      { name: 'server', ok: false, detail: (error as Error).message, ...(fix && { fix }) },
      ...localAgents(),
      localKeys(),
    ];
  }
  checks.push({
    name: 'server',
    ok: true,
    detail: `${target.url} answers (Hangar ${status.version}${status.demo ? ', demo mode' : ''})`,
  });
  let admin: boolean;
  try {
    const who = await client.get('/api/me', me);
    admin = who.user.role === 'admin';
    checks.push({ name: 'login', ok: true, detail: `${who.user.username} (${who.user.role})` });
  } catch (error) {
    checks.push({
      name: 'login',
      ok: false,
      detail: (error as Error).message,
      fix: `hangar login ${target.url}`,
    });
    return [...checks, ...localAgents(), localKeys()];
  }
  const { agents } = await client.get('/api/agents', agentList);
  for (const agent of agents)
    checks.push({
      name: `agent ${agent.name}`,
      ok: agent.unavailable === null,
      detail:
        agent.unavailable ??
        `${agent.label}: ${agent.models.length} models${agent.experimental ? ' (experimental)' : ''}`,
      fix: 'npm install in the Hangar checkout (the agent CLIs are npm dependencies of the server)',
      optional: true,
    });
  if (status.demo)
    checks.push({ name: 'provider keys', ok: true, detail: 'demo mode: the scripted demo model answers' });
  else if (!admin)
    checks.push({ name: 'provider keys', ok: true, detail: 'only admins can see them (skipped)' });
  else {
    const { providers } = await client.get('/api/admin/providers', providerList);
    const usable = providers.filter((p) => p.keyless || p.keySource !== 'none');
    checks.push({
      name: 'provider keys',
      ok: usable.length > 0,
      detail:
        usable.length > 0
          ? usable.map((p) => `${p.name} (${p.keyless ? 'keyless' : p.keySource})`).join(', ')
          : 'no provider has a key: agents cannot reach a model',
      fix: 'set ANTHROPIC_API_KEY / OPENAI_API_KEY / GEMINI_API_KEY for the server, or add a key in the web app (Admin → Providers)',
    });
  }
  return checks;
}

/** Without a server to ask: are the agent packages installed beside this CLI? */
function localAgents(): Check[] {
  const require = createRequire(import.meta.url);
  return Object.entries(AGENT_PACKAGES).map(([agent, [pkg, file]]) => {
    let ok: boolean;
    try {
      ok = existsSync(join(dirname(require.resolve(`${pkg}/package.json`)), file));
    } catch {
      ok = false;
    }
    return {
      name: `agent ${agent}`,
      ok,
      detail: ok ? `${pkg} installed` : `${pkg} is not installed`,
      fix: 'npm install in the Hangar checkout',
      optional: true,
    };
  });
}

function localKeys(): Check {
  const set = ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'GEMINI_API_KEY'].filter((k) => process.env[k]);
  return {
    name: 'provider keys',
    ok: set.length > 0,
    detail: set.length > 0 ? `${set.join(', ')} set here` : 'no provider key in this environment',
    fix: 'export ANTHROPIC_API_KEY=… (or OPENAI_API_KEY, GEMINI_API_KEY) before `hangar serve`, or use `hangar serve --demo`',
    optional: true,
  };
}
