import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

/** This CLI's version (the server reports its own in /api/auth/status). */
export const CLI_VERSION: string = pkg.version;
