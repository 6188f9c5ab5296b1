import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { SANDBOX_AGENTS_DIR } from '../../agents/paths.js';
import { loadConfig } from '../../config/index.js';
import { PACKAGE_ROOT } from '../../package-root.js';
import { SANDBOX_BIN_DIR } from '../../services/chat/sandbox-command.js';
import { SANDBOX_HOME, SANDBOX_WORKSPACE } from '../../sandbox/driver.js';

/**
 * The Containerfiles in deploy/. No container engine runs here, so the images are not built: the
 * files are parsed and validated by the VS Code Docker tools' parser and validator, and what
 * Hangar relies on is checked instruction by instruction, against the lockfile and the paths the
 * server uses inside a sandbox.
 */
const REPO = join(PACKAGE_ROOT, '..', '..');
const SERVER_FILE = join(REPO, 'deploy', 'Containerfile.server');
const WORKSPACE_FILE = join(REPO, 'deploy', 'Containerfile.workspace');
const AGENT_VERSIONS = join(REPO, 'deploy', 'agent-versions.mjs');

const scratch = mkdtempSync(join(tmpdir(), 'hangar-containerfiles-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Step {
  keyword: string;
  /** Arguments without flags; JSON form (exec form) as its strings. */
  args: string[];
  flags: Record<string, string | null>;
  text: string;
}

/** The instructions of each stage (after each FROM), the FROM itself first, and the global ARGs. */
function stages(text: string): { globalArgs: Step[]; stages: Step[][] } {
  const file = DockerfileParser.parse(text);
  const globalArgs: Step[] = [];
  const result: Step[][] = [];
  for (const instruction of file.getInstructions()) {
    const step = toStep(instruction);
    if (step.keyword === 'FROM') result.push([step]);
    else if (result.length === 0) globalArgs.push(step);
    else result.at(-1)!.push(step);
  }
  return { globalArgs, stages: result };
}

function toStep(instruction: Instruction): Step {
  const withJson = instruction as Instruction & { getJSONStrings?: () => { getJSONValue(): string }[] };
  const json = withJson.getJSONStrings?.() ?? [];
  const withFlags = instruction as Instruction & {
    getFlags?: () => { getName(): string; getValue(): string | null }[];
  };
  const flags = Object.fromEntries((withFlags.getFlags?.() ?? []).map((f) => [f.getName(), f.getValue()]));
  return {
    keyword: instruction.getKeyword(),
    args:
      json.length > 0
        ? json.map((s) => s.getJSONValue())
        : instruction.getArguments().map((a) => a.getValue()),
    flags,
    text: instruction.getArgumentsContent() ?? '',
  };
}

const last = (steps: Step[], keyword: string) => steps.filter((s) => s.keyword === keyword).at(-1);

/** The agent CLI versions npm locked, read here independently of deploy/agent-versions.mjs. */
function lockedAgents(lockfile = join(REPO, 'package-lock.json')): Record<string, string> {
  const lock = JSON.parse(readFileSync(lockfile, 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };
  const names = [
    '@anthropic-ai/claude-code',
    '@google/gemini-cli',
    '@mariozechner/pi-coding-agent',
    '@openai/codex',
  ];
  return Object.fromEntries(names.map((n) => [n, lock.packages[`node_modules/${n}`]!.version!]));
}

interface LockEntry {
  version?: string;
  integrity?: string;
  optional?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

/**
 * What the workspace image installs: the directory its `npm ci --prefix` step installs in, the
 * files it copies there, and the agent CLI versions of the copied package.json.
 */
function imageAgents(text: string, agentsDir = join(REPO, 'deploy', 'workspace-agents')) {
  const final = stages(text).stages.at(-1)!;
  const ci = final.find((s) => s.keyword === 'RUN' && /\bnpm ci --prefix\b/.test(s.text));
  if (!ci) throw new Error('no npm ci --prefix step in the final stage');
  const words = ci.text.split(/\s+/);
  const prefix = words[words.indexOf('--prefix') + 1]!;
  const copy = final.find((s) => s.keyword === 'COPY' && s.args.at(-1) === `${prefix}/`);
  const manifest = JSON.parse(readFileSync(join(agentsDir, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    optionalDependencies: Record<string, string>;
  };
  const lock = JSON.parse(readFileSync(join(agentsDir, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  return {
    prefix,
    copied: copy?.args.slice(0, -1) ?? [],
    versions: { ...manifest.dependencies, ...manifest.optionalDependencies },
    lock: lock.packages,
  };
}

function agentVersionsScript(...args: string[]) {
  return spawnSync(process.execPath, [AGENT_VERSIONS, ...args], { encoding: 'utf8' });
}

describe('deploy/Containerfile.workspace', () => {
  const text = readFileSync(WORKSPACE_FILE, 'utf8');

  it('is a valid Containerfile', () => {
    expect(validate(text)).toEqual([]);
  });

  it('installs every agent CLI, and everything it depends on, at exactly the versions of package-lock.json', () => {
    // After an npm install that changes the agents' part of the lockfile: node deploy/agent-versions.mjs --write
    const check = agentVersionsScript('--check');
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    const { prefix, copied, versions, lock } = imageAgents(text);
    expect(versions).toEqual(lockedAgents());
    expect(copied).toEqual([
      'deploy/workspace-agents/package.json',
      'deploy/workspace-agents/package-lock.json',
    ]);
    // ...where the agent adapters look for them inside a sandbox.
    expect(`${prefix}/node_modules`).toBe(SANDBOX_AGENTS_DIR);
    // Every agent the server package depends on is in the image.
    const server = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      optionalDependencies: Record<string, string>;
    };
    for (const name of Object.keys(versions))
      expect({ ...server.dependencies, ...server.optionalDependencies }[name], name).toBeDefined();

    // The image's lockfile is a part of the repository's: same entries, versions and hashes,
    // and closed (every dependency that is not optional resolves inside it, as npm ci needs).
    const root = (
      JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as {
        packages: Record<string, LockEntry>;
      }
    ).packages;
    const strip = ({ dev: _d, optional: _o, devOptional: _do, peer: _p, ...rest }: LockEntry) => rest;
    const locations = Object.keys(lock).filter((l) => l !== '');
    expect(locations.length).toBeGreaterThan(50);
    for (const location of locations)
      expect(strip(lock[location]!), location).toEqual(strip(root[location]!));
    const resolves = (from: string, name: string) => {
      for (let dir = from; ;) {
        if (lock[`${dir ? `${dir}/` : ''}node_modules/${name}`]) return true;
        if (!dir) return false;
        const up = dir.lastIndexOf('/node_modules/');
        dir = up < 0 ? '' : dir.slice(0, up);
      }
    };
    for (const location of locations) {
      const entry = lock[location]!;
      const required = [
        ...Object.keys(entry.dependencies ?? {}),
        ...Object.keys(entry.peerDependencies ?? {}).filter(
          (d) => !entry.peerDependenciesMeta?.[d]?.optional,
        ),
      ];
      for (const name of required) expect(resolves(location, name), `${location} -> ${name}`).toBe(true);
    }
    for (const [name, version] of Object.entries(versions))
      expect(lock[`node_modules/${name}`]?.version).toBe(version);
    expect(agentVersionsScript('--check').status).toBe(0);
  });

  it('cannot drift from the lockfile: --check fails on a newer lock, --write brings the files back in line', () => {
    const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version: string }>;
    };
    lock.packages['node_modules/@anthropic-ai/claude-code']!.version = '9.9.9';
    const lockCopy = join(scratch, 'package-lock.json');
    const fileCopy = join(scratch, 'Containerfile.workspace');
    const agentsCopy = join(scratch, 'workspace-agents');
    writeFileSync(lockCopy, JSON.stringify(lock));
    writeFileSync(fileCopy, text);
    const copies = ['--lockfile', lockCopy, '--containerfile', fileCopy, '--agents-dir', agentsCopy];

    const check = agentVersionsScript('--check', ...copies);
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('@anthropic-ai/claude-code@9.9.9');

    expect(agentVersionsScript('--write', ...copies).status).toBe(0);
    const rewritten = readFileSync(fileCopy, 'utf8');
    expect(imageAgents(rewritten, agentsCopy).versions).toEqual(lockedAgents(lockCopy));
    expect(rewritten).toContain('@anthropic-ai/claude-code@9.9.9');
    expect(validate(rewritten)).toEqual([]);
    expect(agentVersionsScript('--check', ...copies).status).toBe(0);
  });

  it('starts from a configurable base, with git, tmux, bash and coreutils, as a non-root user', () => {
    const { globalArgs, stages: all } = stages(text);
    expect(globalArgs.find((a) => a.args[0]?.startsWith('BASE='))).toBeDefined();
    const final = all.at(-1)!;
    expect(final[0]!.args).toEqual(['${BASE}']);
    const apt = final.find((s) => s.keyword === 'RUN' && s.text.includes('apt-get install'))!;
    for (const tool of ['git', 'tmux', 'bash', 'coreutils']) expect(apt.text.split(/\s+/)).toContain(tool);
    // The paths a sandbox has on the local drivers.
    const copies = final.filter((s) => s.keyword === 'COPY').map((s) => s.args.at(-1));
    expect(copies).toEqual(expect.arrayContaining(['/usr/bin/node', `${SANDBOX_BIN_DIR}/hangar-chat`]));
    expect(last(final, 'WORKDIR')!.args).toEqual([SANDBOX_WORKSPACE]);
    expect(last(final, 'VOLUME')!.args).toEqual([SANDBOX_WORKSPACE, SANDBOX_HOME]);
    expect(
      final
        .filter((s) => s.keyword === 'ENV')
        .map((s) => s.text)
        .join(' '),
    ).toContain(`HOME=${SANDBOX_HOME}`);
    const user = last(final, 'USER')!.args[0]!;
    expect(['root', '0']).not.toContain(user);
    expect(existsSync(join(PACKAGE_ROOT, 'src', 'services', 'chat', 'sandbox-bin', 'hangar-chat'))).toBe(
      true,
    );
  });
});

describe('deploy/Containerfile.server', () => {
  const text = readFileSync(SERVER_FILE, 'utf8');
  const { stages: all } = stages(text);
  const final = all.at(-1)!;

  it('is a valid Containerfile', () => {
    expect(validate(text)).toEqual([]);
  });

  it('copies every workspace manifest before npm ci, and every path it copies exists', () => {
    const root = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { workspaces: string[] };
    const build = all[0]!;
    const ci = build.findIndex((s) => s.keyword === 'RUN' && /\bnpm ci\b/.test(s.text));
    const copiedBefore = build
      .slice(0, ci)
      .filter((s) => s.keyword === 'COPY')
      .flatMap((s) => s.args.slice(0, -1));
    for (const workspace of root.workspaces) expect(copiedBefore).toContain(`${workspace}/package.json`);
    for (const source of copiedBefore) expect(existsSync(join(REPO, source)), source).toBe(true);
  });

  it('runs the built CLI with production dependencies only, as a non-root user, on a data volume', () => {
    expect(
      all.some((stage) => stage.some((s) => s.keyword === 'RUN' && s.text.includes('npm ci --omit=dev'))),
    ).toBe(true);
    expect(final.find((s) => s.keyword === 'COPY' && s.args.includes('node_modules'))?.flags.from).toBe(
      'prod',
    );
    const user = last(final, 'USER')!.args[0]!;
    expect(['root', '0']).not.toContain(user);
    expect(last(final, 'VOLUME')!.args).toEqual(['/var/lib/hangar']);
    const env = final
      .filter((s) => s.keyword === 'ENV')
      .map((s) => s.text)
      .join(' ');
    expect(env).toContain('HANGAR_DATA_DIR=/var/lib/hangar/data');
    expect(env).toContain('HANGAR_HOST=0.0.0.0');
    const port = String(loadConfig({ HANGAR_DATA_DIR: scratch }).port);
    expect(env).toContain(`HANGAR_PORT=${port}`);
    expect(last(final, 'EXPOSE')!.args).toEqual([port]);
    expect(last(final, 'CMD')!.args).toEqual(['node', 'packages/cli/dist/bin.js', 'serve']);
    expect(existsSync(join(REPO, 'packages', 'cli', 'src', 'commands', 'serve.ts'))).toBe(true);
  });

  it('checks /api/health as its HEALTHCHECK', () => {
    const check = last(final, 'HEALTHCHECK')!;
    expect(check.text).toContain("'/api/health'");
    expect(check.text).toMatch(/CMD \["node", "-e"/);
  });
});
