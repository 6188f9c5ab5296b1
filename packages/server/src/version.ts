import { PACKAGE_JSON } from './package-root.js';

/** The server package's version, reported by /api/auth/status and `hangar --version`. */
export const VERSION: string = PACKAGE_JSON.version;
