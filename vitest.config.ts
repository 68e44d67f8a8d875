import { defineConfig } from 'vitest/config';

// Two projects: fast tests (unit, property, golden, integration, CLI) and the e2e suite that
// drives real ExaBGP + BIRD daemons. The e2e project runs its files one at a time.
export default defineConfig({
  test: {
    // The JSON report lets .ci/run print a one-line 'N passed, N failed' summary.
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/{unit,property,golden,integration,cli}/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
