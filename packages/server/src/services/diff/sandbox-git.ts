import { SANDBOX_HOME, SANDBOX_WORKSPACE } from '../../sandbox/driver.js';
import type { Sandbox } from '../../sandbox/sandbox.js';
import { neutralGitEnv } from '../../git/safe-git.js';

/*
 * Git for diffs runs inside the workspace's sandbox, as its user, seeing only
 * what the sandbox sees: a `.git` that points elsewhere, or a symbolic link
 * swapped in during the walk, reaches nothing of the host. It still gets
 * safe-git's forced settings (no hooks, fsmonitor, pager, filters, textconv,
 * external diff), in the environment, so viewing a diff runs none of the
 * repository's own commands even in its sandbox. Nothing here touches the
 * user's index or refs: the index is copied to a temporary file, and
 * background operations take no optional locks.
 */

/** Where a workspace without its own repository keeps turn snapshots (outside the work tree). */
export const PRIVATE_SNAPSHOTS = `${SANDBOX_HOME}/.cache/hangar/snapshots.git`;

const DIFF_FLAGS =
  '-M --raw -p -z -U3 --no-color --no-ext-diff --no-textconv --no-relative --src-prefix=a/ --dst-prefix=b/';

/*
 * The live diff: plumbing `git diff-index` of HEAD against the work tree, so
 * no git process ever writes the user's index (porcelain `git diff` refreshes
 * it even with GIT_OPTIONAL_LOCKS=0). Only when there are untracked files is
 * the index copied, to a temporary file, to mark them intent-to-add there so
 * that they diff as new files. A file whose stat changed but whose content did
 * not is listed in the raw records without a patch (the parser drops it).
 *
 * Output: a prelude of NUL-terminated fields, `repo`, HEAD (or `-`), the base
 * (a commit or the empty tree), `u` and the untracked paths one a line
 * (C-quoted as core.quotePath quotes them), then an empty field; then the diff.
 * One sandbox entry, and in the common case three processes (sh, ls-files,
 * diff-index) plus rev-parse for a full run.
 *
 * A run of some paths where the index is HEAD (nothing staged there, checked
 * while ls-files runs) diffs them with `git diff-files`: the same diff, without
 * diff-index's tree walk, which for some pathspecs (git 2.39: the paths of
 * the first directory of a 20,000-file tree) takes 0.4 s of CPU.
 */
const LIVE_DIFF = `if [ $# -gt 0 ]; then git diff-index --cached --quiet "$base" -- "$@" & staged=$!; fi
u=$(git ls-files -o --exclude-standard -- "$@")
tries=0
while [ -n "$u" ]; do
  tmp=\${tmp:-$(mktemp -d)}; trap 'rm -rf "$tmp"' EXIT
  idx=\${idx:-$(git rev-parse --git-path index)}
  rm -f "$tmp/index"
  if [ -f "$idx" ]; then cp "$idx" "$tmp/index"; fi
  export GIT_INDEX_FILE="$tmp/index"
  err=$(printf '%s\\n' "$u" | git add -N --pathspec-from-file=- 2>&1 >/dev/null) && break
  # A listed file vanished before git marked it (people and agents work meanwhile): list again.
  tries=$((tries + 1))
  case $err in *'did not match any file'*) [ "$tries" -lt 20 ] ;; *) false ;; esac || { printf '%s\\n' "$err" >&2; exit 1; }
  u=$(git ls-files -o --exclude-standard -- "$@")
done
printf 'repo\\0%s\\0%s\\0u%s\\0\\0' "$head" "$base" "$u"
files=
if [ $# -gt 0 ] && wait "$staged"; then files=1; fi
if [ -n "$files" ]; then git diff-files ${DIFF_FLAGS} --ignore-submodules=dirty -- "$@"
else git diff-index ${DIFF_FLAGS} --ignore-submodules=dirty "$base" -- "$@"; fi`;

/** The whole tree: finds the index, HEAD and the base (one rev-parse; two before the first commit). */
const LIVE = `set -eu
nl='
'
x=$(git rev-parse --git-path index 'HEAD^{commit}' -- 2>/dev/null) || :
[ -n "$x" ] || { printf 'norepo\\0\\0'; exit 0; }
case $x in
  *"$nl--")
    x=\${x%"$nl--"}; head=\${x##*"$nl"}; idx=\${x%"$nl"*}; base=$head ;;
  *)
    idx=$x; head=-; base=$(git hash-object -t tree /dev/null) ;;
esac
${LIVE_DIFF}`;

/**
 * Only the given paths (literal pathspecs; a directory stands for what is
 * under it), against the HEAD and base ($1, $2) of the last full run: the
 * caller knows the git state did not change since.
 */
const PATHS = `set -eu
head=$1; base=$2; idx=; shift 2
${LIVE_DIFF}`;

/** Writes the tree as it is now into the store ($1: repo, private or auto) and prints the store and the tree id. */
const SNAPSHOT = `set -eu
store=$1
if [ "$store" = auto ]; then
  if git rev-parse --git-dir >/dev/null 2>&1; then store=repo; else store=private; fi
fi
if [ "$store" = private ]; then
  [ -d "${PRIVATE_SNAPSHOTS}" ] || git init -q --bare "${PRIVATE_SNAPSHOTS}"
  export GIT_DIR="${PRIVATE_SNAPSHOTS}" GIT_WORK_TREE="${SANDBOX_WORKSPACE}"
  export GIT_INDEX_FILE="$GIT_DIR/hangar-index"
else
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  idx=$(git rev-parse --git-path index)
  if [ -f "$idx" ]; then cp "$idx" "$tmp/index"; fi
  export GIT_INDEX_FILE="$tmp/index"
fi
git add -A --ignore-errors >/dev/null 2>&1 || true
printf '%s\\0%s' "$store" "$(git write-tree)"`;

/** The patch between two trees of a store ($1), prelude `turn`. */
const TREES = `set -eu
if [ "$1" = private ]; then export GIT_DIR="${PRIVATE_SNAPSHOTS}" GIT_WORK_TREE="${SANDBOX_WORKSPACE}"; fi
printf 'turn\\0\\0'
git diff ${DIFF_FLAGS} "$2" "$3"`;

/** The names of the repository's config (filters, drivers to neutralise); empty without one. */
const CONFIG_NAMES = `if [ "$1" = private ]; then export GIT_DIR="${PRIVATE_SNAPSHOTS}"; fi
git rev-parse --git-dir >/dev/null 2>&1 || exit 0
git config --list --name-only`;

export const SCRIPTS = {
  live: LIVE,
  paths: PATHS,
  snapshot: SNAPSHOT,
  trees: TREES,
  configNames: CONFIG_NAMES,
};

export class SandboxGitError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'SandboxGitError';
  }
}

export interface SandboxGitRun {
  script: keyof typeof SCRIPTS;
  args?: string[];
  /** The repository's config names (from the configNames script), whose drivers are neutralised. */
  configNames?: string[];
  /** Receives stdout as it streams; when absent, run() returns it. */
  onStdout?: (chunk: Buffer) => void;
  timeoutMs?: number;
  /** Filled in as the run goes: ms from the call to the spawned host process, to its first output, to its end. */
  timing?: SandboxGitTiming;
}

export interface SandboxGitTiming {
  spawnMs: number;
  firstByteMs: number;
  exitMs: number;
}

const MAX_BUFFERED = 4 * 1024 * 1024;

/** Runs one of the scripts in the running sandbox; rejects with git's own message when it fails. */
export async function runSandboxGit(sandbox: Sandbox, run: SandboxGitRun): Promise<string> {
  const env: Record<string, string> = {
    ...neutralGitEnv(run.configNames ?? []),
    PATH: '/usr/local/bin:/usr/bin:/bin',
    GIT_OPTIONAL_LOCKS: '0',
    // Paths given to the scripts are file names, never pathspec magic or globs.
    GIT_LITERAL_PATHSPECS: '1',
    GIT_CONFIG_PARAMETERS: '',
  };
  const count = Number(env.GIT_CONFIG_COUNT);
  Object.assign(env, {
    [`GIT_CONFIG_KEY_${count}`]: 'core.quotePath',
    [`GIT_CONFIG_VALUE_${count}`]: 'false',
    GIT_CONFIG_COUNT: String(count + 1),
  });
  const started = performance.now();
  const timing = run.timing;
  const timeout = new AbortController();
  const child = await sandbox.run({
    command: ['/bin/sh', '-c', SCRIPTS[run.script], `hangar-${run.script}`, ...(run.args ?? [])],
    env,
    cwd: SANDBOX_WORKSPACE,
    signal: timeout.signal,
  });
  if (timing) timing.spawnMs = performance.now() - started;
  const out: Buffer[] = [];
  let outBytes = 0;
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    if (timing && !timing.firstByteMs) timing.firstByteMs = performance.now() - started;
    if (run.onStdout) return run.onStdout(chunk);
    if (outBytes < MAX_BUFFERED) out.push(chunk);
    outBytes += chunk.length;
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 16 * 1024) stderr += chunk.toString('utf8');
  });
  child.stdin?.on('error', () => undefined);
  child.stdin?.end();
  const timer = setTimeout(() => timeout.abort(), run.timeoutMs ?? 60_000);
  try {
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c, s) => resolve([c, s]));
    });
    if (timing) timing.exitMs = performance.now() - started;
    if (code !== 0) {
      const lines = stderr.trim().split('\n').filter(Boolean);
      const reason = lines.find((l) => /^(fatal|error):/.test(l)) ?? lines.at(-1) ?? `signal ${signal}`;
      throw new SandboxGitError(`git failed in the workspace: ${reason}`, stderr);
    }
    return Buffer.concat(out).toString('utf8');
  } finally {
    clearTimeout(timer);
  }
}
