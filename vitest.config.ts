import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Projects: fast tests (unit, property, golden, integration, CLI), the /ui page in headless
// Chromium (`browser`), and the e2e suite that drives real ExaBGP + BIRD daemons, once per ExaBGP
// version: `e2e-4.2` and `e2e-5.0` (E2E_EXABGP tells a file which half to run; every file x version
// has its own loopback slot). The unit project runs first, then the HTTP fuzz test (`fuzz`) alone,
// then the browser project; then the e2e
// files, `E2E_WORKERS` at a time (default 1: one file at a time; `.ci/run` uses 2, see
// test/e2e/README.md "CI time"). `test/soak` (the 20-trial chaos soak) is a project only when
// E2E_SOAK=1, so `npm test` never runs it.
const e2eWorkers = Math.max(1, Number(process.env['E2E_WORKERS'] ?? 1) || 1);

const e2e = (version: '4.2' | '5.0') => ({
  test: {
    name: `e2e-${version}`,
    include: ['test/e2e/**/*.e2e.test.ts'],
    env: { E2E_EXABGP: version },
    testTimeout: 300_000,
    hookTimeout: 120_000,
    fileParallelism: e2eWorkers > 1,
    maxWorkers: e2eWorkers,
    // after the unit, fuzz and browser projects, both versions in one group (so E2E_WORKERS > 1 mixes them)
    sequence: { groupOrder: 3 },
  },
});

export default defineConfig({
  test: {
    // The JSON report lets .ci/run print a one-line 'N passed, N failed' summary.
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/{unit,property,golden,integration,cli}/**/*.test.ts'],
          exclude: ['test/integration/http-fuzz.test.ts'],
          testTimeout: 20_000,
          // vitest's default is one worker per core minus one: 1 on a 2-core machine, which ran
          // the 105 files one at a time (204 s); two at a time take 136 s (they wait on child
          // processes and etcd as much as they compute). At least 2, the default beyond.
          maxWorkers: Math.max(2, availableParallelism() - 1),
        },
      },
      {
        // The HTTP fuzz test asserts /healthz answers within 1 s while a 100k-route PUT and hostile
        // bodies are processed: alone, after the unit project, not against 70 other test files.
        test: {
          name: 'fuzz',
          include: ['test/integration/http-fuzz.test.ts'],
          testTimeout: 20_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        // The /ui page in Debian's headless Chromium (playwright-core), against a built `run`.
        test: {
          name: 'browser',
          include: ['test/browser/**/*.browser.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
          // alone, after the unit project: its timing waits must not compete with 70 test files
          sequence: { groupOrder: 2 },
        },
      },
      e2e('4.2'),
      e2e('5.0'),
      ...(process.env['E2E_SOAK'] === '1'
        ? [
            {
              test: {
                name: 'soak',
                include: ['test/soak/**/*.soak.test.ts'],
                testTimeout: 600_000,
                hookTimeout: 300_000,
                fileParallelism: false,
                maxWorkers: 1,
                sequence: { groupOrder: 4 },
              },
            },
          ]
        : []),
    ],
  },
});
