import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/*
 * Git of a workspace runs only inside that workspace's sandbox (services/diff,
 * services/git-ops, services/workspaces): never on the host. There it still
 * gets these settings, as defence in depth, so that a repository's config
 * runs none of its commands even inside.
 */

/**
 * Settings a repository's own config could use to run code on the host:
 * hooks, fsmonitor, pagers, editors, signing programs, ssh and proxy
 * commands. Forced off on every call; settings a repository names per driver,
 * remote or URL (filters, merge and diff drivers, credential helpers, HTTP
 * proxies) are neutralised per repository (see neutralGitEnv).
 */
const FORCED: [string, string][] = [
  ['core.hooksPath', '/dev/null'],
  ['core.fsmonitor', 'false'],
  ['core.pager', 'cat'],
  ['core.editor', 'false'],
  ['sequence.editor', 'false'],
  ['core.askPass', ''],
  ['core.gitProxy', ''],
  ['core.sshCommand', 'ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new'],
  ['credential.helper', ''],
  ['diff.external', ''],
  ['protocol.ext.allow', 'never'],
  ['uploadpack.packObjectsHook', ''],
  // Signing and signature checks run gpg.program (or ssh-keygen) from the config.
  ['commit.gpgSign', 'false'],
  ['tag.gpgSign', 'false'],
  ['push.gpgSign', 'false'],
  ['log.showSignature', 'false'],
  ['merge.verifySignatures', 'false'],
  // Submodules carry configs of their own; background gc would outlive the call.
  ['submodule.recurse', 'false'],
  ['fetch.recurseSubmodules', 'false'],
  ['push.recurseSubmodules', 'no'],
  ['gc.auto', '0'],
  ['maintenance.auto', 'false'],
  // Workspace trees belong to sandbox uids. Git refuses "dubious ownership" to stop a
  // foreign repository's config from running code; that config is neutralised above.
  ['safe.directory', '*'],
];

/** Per-name settings of the repository, each mapped to a harmless value. */
const NEUTRAL: [RegExp, (name: string, sub: string) => [string, string][]][] = [
  [
    /^filter\.(.+)\.(smudge|clean|process|required)$/,
    (_, driver) => [
      [`filter.${driver}.smudge`, ''],
      [`filter.${driver}.clean`, ''],
      [`filter.${driver}.process`, ''],
      [`filter.${driver}.required`, 'false'],
    ],
  ],
  // A failing merge driver turns the file into a conflict (which the caller aborts).
  [/^merge\.(.+)\.driver$/, (name) => [[name, 'false']]],
  [/^diff\.(.+)\.textconv$/, (name) => [[name, 'cat']]],
  [/^diff\.(.+)\.command$/, (name) => [[name, 'true']]],
  [/^credential\.(.+)\.helper$/, (name) => [[name, '']]],
  // A proxy or redirect could carry a credential header elsewhere; TLS must verify.
  [/^http\.(?:(.+)\.)?(proxy|extraheader|curloptresolve)$/, (name) => [[name, '']]],
  [/^http\.(?:(.+)\.)?sslverify$/, (name) => [[name, 'true']]],
  [/^http\.(?:(.+)\.)?followredirects$/, (name) => [[name, 'false']]],
  [/^remote\.(.+)\.proxy$/, (name) => [[name, '']]],
  [/^remote\.(.+)\.mirror$/, (name) => [[name, 'false']]],
];

export class GitError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
    /** What git printed on stdout before failing (merge conflicts, "nothing to commit"). */
    readonly stdout = '',
  ) {
    super(message);
    this.name = 'GitError';
  }
}

/**
 * `remote.<name>.uploadpack` and `.receivepack` are commands (run by the shell
 * for local and ssh remotes), and git takes the first of several values, so
 * config cannot override them: the command line does.
 */
export function remoteCommands(args: string[]): string[] {
  const [command, ...rest] = args;
  if (command === 'fetch' || command === 'ls-remote' || command === 'pull' || command === 'clone')
    return [command, '--upload-pack=git-upload-pack', ...rest];
  if (command === 'push') return [command, '--receive-pack=git-receive-pack', ...rest];
  return args;
}

/** A failed git as a GitError: git's own reason (its fatal: or error: line), secrets redacted. */
export function gitFailure(
  command: string,
  output: { stderr?: string | undefined; stdout?: string | undefined; fallback: string },
  secrets: string[] = [],
): GitError {
  const stderr = redact(String(output.stderr ?? '').trim(), secrets);
  const lines = stderr.split('\n').filter(Boolean);
  const reason =
    lines.find((l) => /^(fatal|error):/.test(l)) ?? lines.at(-1) ?? redact(output.fallback, secrets);
  return new GitError(`git ${command} failed: ${reason}`, stderr, redact(output.stdout ?? '', secrets));
}

let globalConfig: string | undefined;

/**
 * The forced settings again, as the "global" config file. Git passes no
 * command-line config to the git it runs in a local remote (a file:// push
 * runs receive-pack there), but that one reads this file too: its hooks stay
 * off and its ownership is not "dubious". Root-owned, readable by sandbox uids.
 */
function forcedConfigFile(): string {
  if (globalConfig) return globalConfig;
  const path =
    process.getuid?.() === 0
      ? '/run/hangar-git.gitconfig'
      : join(mkdtempSync(join(tmpdir(), 'hangar-git-')), 'gitconfig');
  const quote = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  // An empty value unsets a setting on the command line, but names an empty command in a file.
  const lines = FORCED.filter(([, value]) => value !== '').map(([key, value]) => {
    const [section, name] = key.split('.');
    return `[${section}]\n\t${name} = ${quote(value)}`;
  });
  // Written aside and renamed: other servers on this host may be reading it.
  const temp = `${path}.${process.pid}`;
  writeFileSync(temp, `${lines.join('\n')}\n`, { mode: 0o644 });
  renameSync(temp, path);
  globalConfig = path;
  return path;
}

/** No system or user config, no prompts: git gets only what Hangar passes. */
function gitEnv(config: [string, string][]): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: '/nonexistent',
    XDG_CONFIG_HOME: '/nonexistent',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: forcedConfigFile(),
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '/bin/false',
    SSH_ASKPASS: '/bin/false',
    GIT_PAGER: 'cat',
    PAGER: 'cat',
    GIT_EDITOR: 'false',
    LANG: 'C.UTF-8',
    GIT_CONFIG_COUNT: String(config.length),
  };
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

/**
 * The forced settings, and neutral values for the drivers among a repository's
 * config names, as environment (GIT_CONFIG_COUNT/KEY/VALUE have the scope of
 * `-c`): for git run inside a workspace's sandbox (services/diff,
 * services/git-ops, services/workspaces). `extra` (a credential for one call) comes last, so it wins.
 */
export function neutralGitEnv(configNames: string[], extra: [string, string][] = []): Record<string, string> {
  const seen = new Map<string, string>(FORCED);
  for (const name of configNames)
    for (const [pattern, neutral] of NEUTRAL) {
      const match = pattern.exec(name);
      if (match) for (const [key, value] of neutral(name, match[1] ?? '')) seen.set(key, value);
    }
  return gitEnv([...seen, ...extra]);
}

export function redact(text: string, secrets: string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('***');
  return out;
}
