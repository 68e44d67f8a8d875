// The soak project: long runs kept out of `npm test` (`npm run test:soak`, SOAK_MINUTES=10 by default).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/soak/**/*.soak.ts'],
    testTimeout: 4 * 3_600_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
