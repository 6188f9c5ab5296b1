// What bench/run.js hands every suite.

/**
 * @typedef {object} SuiteContext
 * @property {string} cliBin            `node <cliBin> serve` starts Hangar
 * @property {boolean} withHangar       false with --baseline-only: measure the baselines alone
 * @property {number} startupTimeoutMs  longest wait for a server to answer GET /api/health
 * @property {import('../lib/temp-dirs.js').TempDirs} tempDirs
 * @property {(hook: () => void) => void} atExit  synchronous clean-up for an interrupted run (Ctrl-C)
 */

/**
 * @typedef {object} SuiteOutcome
 * @property {Record<string, unknown>} result  for --json
 * @property {boolean} failed                  something went wrong (not: a target was missed)
 */

export {};
