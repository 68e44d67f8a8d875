// The chaos soak: 20 trials per ExaBGP version of kill -9 during a 20k-route change (see
// test/e2e/harness/chaos.ts), a summary line per version at the end:
// `chaos 4.2.21: 20/20 exact, 0 session resets, worst convergence 12.3 s`.
// Run: npm run test:soak (CHAOS_TRIALS=N to change the count, CHAOS_SEED=N to replay a run).
import { defineChaosSuite } from '../e2e/harness/chaos.js';

defineChaosSuite({
  slot: 16,
  name: 'chaos-soak',
  trials: Number(process.env['CHAOS_TRIALS'] ?? 20),
});
