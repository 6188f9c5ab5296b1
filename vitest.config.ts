import { defineConfig } from 'vitest/config';

// One runner for everything: unit and integration tests live beside the code,
// browser tests in e2e/. `source` resolves workspace packages to their TypeScript.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'bench/**/*.test.ts'],
          environment: 'node',
          // Hang guards, not speed checks: a sandbox test on a loaded 2-core machine can take 20 s.
          testTimeout: 60_000,
          hookTimeout: 120_000,
          setupFiles: ['packages/server/src/test/setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 90_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
