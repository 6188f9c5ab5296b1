/**
 * Exit codes of the `hangar` command, documented in `hangar --help` and the
 * README. Scripts may branch on them.
 */
export const EXIT = {
  ok: 0,
  /** Anything else: a server error, a failed doctor check, a session that ended in error. */
  failure: 1,
  /** Bad arguments or input the server refused (400/422). */
  usage: 2,
  /** Not logged in, wrong password, or a token that is revoked or expired (401). */
  auth: 3,
  /** Logged in, but not allowed (403). */
  forbidden: 4,
  /** No such workspace, session, terminal or user (404). */
  notFound: 5,
  /** The thing is in the wrong state for that, or already exists (409). */
  conflict: 6,
  /** The server could not be reached. */
  unreachable: 7,
  /** Interrupted with Ctrl-C. */
  interrupted: 130,
} as const;

export const EXIT_CODES_HELP = `
Exit codes:
  0    success
  1    failure (server error, failed check, agent error)
  2    bad arguments, or input the server refused
  3    not logged in, wrong password, or revoked token
  4    not allowed (your role does not permit it)
  5    not found (workspace, session, terminal, user)
  6    wrong state or conflict (e.g. workspace not running, name taken)
  7    server unreachable
  130  interrupted (Ctrl-C)`;

/** An error the CLI reports as one line on stderr, exiting with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
    /** The server's stable error id, when the server said no. */
    readonly errorId?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The exit code for an HTTP status the server answered with. */
export function exitCodeFor(status: number): number {
  if (status === 400 || status === 422) return EXIT.usage;
  if (status === 401) return EXIT.auth;
  if (status === 403) return EXIT.forbidden;
  if (status === 404) return EXIT.notFound;
  if (status === 409) return EXIT.conflict;
  return EXIT.failure;
}

/** Why a fetch or socket failed, from the innermost cause (e.g. "connect ECONNREFUSED 127.0.0.1:7700"). */
export function networkReason(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5; depth++) {
    if (current instanceof AggregateError && current.errors.length > 0) current = current.errors[0];
    else if (current instanceof Error && current.cause !== undefined) current = current.cause;
    else break;
  }
  if (!(current instanceof Error)) return String(current);
  const code = (current as NodeJS.ErrnoException).code;
  const message = current.message || code || 'unknown error';
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
