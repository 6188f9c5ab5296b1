#!/usr/bin/env node
// The agent CLIs of the workspace image (deploy/Containerfile.workspace), at exactly the versions
// npm locked in package-lock.json, so that a workspace on Kubernetes runs the same agents as one
// on a local driver. The Containerfile's install step sits between two marker lines and is
// written by this script; never edit it by hand.
//
//   node deploy/agent-versions.mjs           prints the locked versions
//   node deploy/agent-versions.mjs --check   exits 1, saying what differs, when the Containerfile drifted
//   node deploy/agent-versions.mjs --write   rewrites the Containerfile's install step from the lockfile
//
// --lockfile PATH and --containerfile PATH read other files (the tests use copies).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The agent CLI packages Hangar's adapters run (packages/server/src/agents/), in install order. */
export const AGENT_PACKAGES = [
  '@anthropic-ai/claude-code',
  '@google/gemini-cli',
  '@mariozechner/pi-coding-agent',
  '@openai/codex',
];

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
  const specs = AGENT_PACKAGES.map((name) => `${name}@${versions[name]}`);
  return [
    BEGIN_MARKER,
    'RUN npm install --prefix /hangar --omit=dev --no-audit --no-fund --no-update-notifier \\',
    ...specs.map((spec) => `      ${spec} \\`),
    '  && npm cache clean --force',
    END_MARKER,
  ].join('\n');
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
  const versions = lockedVersions(readFileSync(lockfile, 'utf8'));
  if (argv.includes('--write') || argv.includes('--check')) {
    const current = readFileSync(containerfile, 'utf8');
    const wanted = withInstallBlock(current, versions);
    if (current === wanted) return 0;
    if (argv.includes('--write')) {
      writeFileSync(containerfile, wanted);
      console.log(`${containerfile}: agent CLIs set to the lockfile's versions`);
      return 0;
    }
    console.error(
      `${containerfile}: the agent CLI install step differs from package-lock.json; ` +
        `run node deploy/agent-versions.mjs --write. Wanted:\n${installBlock(versions)}`,
    );
    return 1;
  }
  for (const [name, version] of Object.entries(versions)) console.log(`${name}@${version}`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  process.exitCode = main(process.argv.slice(2));
