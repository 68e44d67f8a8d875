// Chaos in CI: on ExaBGP 4.2 and 5.0, two trials each of kill -9 during a 20k-route change (one
// while the peers receive it, so a partial line is in ExaBGP's buffer; one at a random instant with
// the files changed again while our process is down). The trial logic is harness/chaos.ts; the
// 20-trial soak is test/soak/chaos.soak.test.ts. CHAOS_SEED=N replays a run.
import { defineChaosSuite } from './harness/chaos.js';

defineChaosSuite({ slot: 14, name: 'chaos', trials: Number(process.env['CHAOS_TRIALS'] ?? 2) });
