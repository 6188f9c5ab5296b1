import { existsSync } from 'node:fs';

/**
 * Why the tests that need a bubblewrap sandbox cannot run here, or undefined
 * when they can. Passed to `skipIf`; under CI=true a skipped test fails the run.
 */
export const bwrapMissing: string | undefined = existsSync('/usr/bin/bwrap')
  ? undefined
  : 'bubblewrap is not installed (apt-get install bubblewrap, or run scripts/setup-test-env.sh as root)';

/** Why the tests that need a root server (ACLs, other uids) cannot run here, or undefined. */
export const notRoot: string | undefined =
  process.getuid?.() === 0 ? undefined : 'only a server running as root can act as other uids';
