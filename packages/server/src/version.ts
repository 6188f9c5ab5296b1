import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

/** The server package's version, reported by /api/auth/status and `hangar --version`. */
export const VERSION: string = pkg.version;
