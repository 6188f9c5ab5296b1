#!/usr/bin/env node
// The agent CLIs of the workspace image (deploy/Containerfile.workspace), at exactly the versions
// npm locked in package-lock.json, so that a workspace on Kubernetes runs the same agents as one
// on a local driver. Two things are written from the lockfile, never by hand:
// - deploy/workspace-agents/{package.json,package-lock.json}: the agent CLIs and exactly the part
//   of the repository's lockfile they depend on (same versions, same integrity hashes, same
//   layout), which the image installs with `npm ci`;
// - the Containerfile's install step, between two marker lines, naming each CLI's version.
//
//   node deploy/agent-versions.mjs           prints the locked versions
//   node deploy/agent-versions.mjs --check   exits 1, saying what differs, when anything drifted
//   node deploy/agent-versions.mjs --write   rewrites all of it from the lockfile
//
// --lockfile PATH, --containerfile PATH and --agents-dir PATH use other files (the tests use copies).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The agent CLI packages Hangar's adapters run (packages/server/src/agents/), in install order. */
export const AGENT_PACKAGES = [
  '@anthropic-ai/claude-code',
  '@google/gemini-cli',
  '@mariozechner/pi-coding-agent',
  '@openai/codex',
];
/** Optional as in the server package: its binary exists only for some platforms. */
const OPTIONAL_AGENTS = new Set(['@openai/codex']);
const AGENTS_PACKAGE_NAME = 'hangar-workspace-agents';

export const BEGIN_MARKER =
  '# BEGIN agent CLIs: written by deploy/agent-versions.mjs --write from package-lock.json';
export const END_MARKER = '# END agent CLIs';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Package name -> version, as package-lock.json installed it at the top of node_modules. */
export function lockedVersions(lockText) {
  const lock = JSON.parse(lockText);
  const versions = {};
  for (const name of AGENT_PACKAGES) {
    const entry = lock.packages?.[`node_modules/${name}`];
    if (!entry?.version) throw new Error(`package-lock.json has no node_modules/${name}`);
    versions[name] = entry.version;
  }
  return versions;
}

/** The install step for these versions, markers included. */
export function installBlock(versions) {
  return [
    BEGIN_MARKER,
    `# ${AGENT_PACKAGES.map((name) => `${name}@${versions[name]}`).join(' ')}`,
    'COPY deploy/workspace-agents/package.json deploy/workspace-agents/package-lock.json /hangar/',
    'RUN npm ci --prefix /hangar --omit=dev --no-audit --no-fund --no-update-notifier \\',
    '  && npm cache clean --force',
    END_MARKER,
  ].join('\n');
}

/**
 * deploy/workspace-agents/: a package.json with the agent CLIs at their locked versions, and the
 * entries of the repository's lockfile they reach (by Node's resolution from where each sits),
 * unchanged but for their dependency flags, which are recomputed for this smaller tree.
 */
export function agentsPackage(lockText) {
  const lock = JSON.parse(lockText);
  const all = lock.packages ?? {};
  const versions = lockedVersions(lockText);
  const dependencies = {};
  const optionalDependencies = {};
  for (const name of AGENT_PACKAGES)
    (OPTIONAL_AGENTS.has(name) ? optionalDependencies : dependencies)[name] = versions[name];

  const resolve = (from, name) => {
    for (let dir = from; ;) {
      const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
      if (all[candidate]) return candidate;
      if (!dir) return undefined;
      const up = dir.lastIndexOf('/node_modules/');
      dir = up < 0 ? '' : dir.slice(0, up);
    }
  };
  // Reached through required edges only, or through an optional one somewhere on every path.
  const required = new Set();
  const reached = new Set();
  const visit = (location, optional) => {
    if (optional ? reached.has(location) : required.has(location)) return;
    reached.add(location);
    if (!optional) required.add(location);
    const entry = all[location];
    const edges = [
      ...Object.keys(entry.dependencies ?? {}).map((d) => [d, false]),
      ...Object.keys(entry.optionalDependencies ?? {}).map((d) => [d, true]),
      ...Object.keys(entry.peerDependencies ?? {}).map((d) => [
        d,
        Boolean(entry.peerDependenciesMeta?.[d]?.optional),
      ]),
    ];
    for (const [name, edgeOptional] of edges) {
      const target = resolve(location, name);
      if (target) visit(target, optional || edgeOptional);
      else if (!edgeOptional)
        throw new Error(`${location} needs ${name}, which package-lock.json does not have`);
    }
  };
  for (const name of AGENT_PACKAGES) visit(`node_modules/${name}`, OPTIONAL_AGENTS.has(name));

  const packages = {
    '': { name: AGENTS_PACKAGE_NAME, dependencies, optionalDependencies },
  };
  for (const location of [...reached].sort()) {
    const { dev, optional, devOptional, peer, ...entry } = all[location];
    packages[location] = required.has(location) ? entry : { ...entry, optional: true };
  }
  const manifest = {
    name: AGENTS_PACKAGE_NAME,
    private: true,
    description:
      'The agent CLIs of the workspace image; written by deploy/agent-versions.mjs from package-lock.json.',
    dependencies,
    optionalDependencies,
  };
  const lockfile = { name: AGENTS_PACKAGE_NAME, lockfileVersion: 3, requires: true, packages };
  return {
    'package.json': `${JSON.stringify(manifest, null, 2)}\n`,
    'package-lock.json': `${JSON.stringify(lockfile, null, 2)}\n`,
  };
}

/** The Containerfile with its install step replaced; throws when the markers are missing. */
export function withInstallBlock(containerfile, versions) {
  const start = containerfile.indexOf(BEGIN_MARKER);
  const end = containerfile.indexOf(END_MARKER);
  if (start < 0 || end < start) throw new Error('the Containerfile has no agent CLI markers');
  return (
    containerfile.slice(0, start) + installBlock(versions) + containerfile.slice(end + END_MARKER.length)
  );
}

function main(argv) {
  const option = (name, fallback) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : fallback;
  };
  const lockfile = option('--lockfile', `${root}package-lock.json`);
  const containerfile = option('--containerfile', `${root}deploy/Containerfile.workspace`);
  const agentsDir = option('--agents-dir', `${root}deploy/workspace-agents`);
  const lockText = readFileSync(lockfile, 'utf8');
  const versions = lockedVersions(lockText);
  if (!argv.includes('--write') && !argv.includes('--check')) {
    for (const [name, version] of Object.entries(versions)) console.log(`${name}@${version}`);
    return 0;
  }
  const wanted = { [containerfile]: withInstallBlock(readFileSync(containerfile, 'utf8'), versions) };
  for (const [file, text] of Object.entries(agentsPackage(lockText))) wanted[join(agentsDir, file)] = text;
  const stale = Object.keys(wanted).filter(
    (file) => !existsSync(file) || readFileSync(file, 'utf8') !== wanted[file],
  );
  if (stale.length === 0) return 0;
  if (argv.includes('--write')) {
    mkdirSync(agentsDir, { recursive: true });
    for (const file of stale) {
      writeFileSync(file, wanted[file]);
      console.log(`${file}: written from ${lockfile}`);
    }
    return 0;
  }
  console.error(
    `the workspace image's agent CLIs differ from ${lockfile} in: ${stale.join(', ')}; ` +
      `run node deploy/agent-versions.mjs --write. The install step should be:\n${installBlock(versions)}`,
  );
  return 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  process.exitCode = main(process.argv.slice(2));
