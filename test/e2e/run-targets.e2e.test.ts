// Issue 3 scenario 6: two BIRD peers, routes targeted at one of them and moved between targets
// (`*` → A, A → B, B → `*`) and the A + `*` layering of design.md §3; each step converges exactly.
import { describe, it } from 'vitest';
import { baseRunArgs, requireBinaries } from './harness/binaries.js';
import { removeRouteFile, writeRouteFile, type E2eRoute } from './harness/routes.js';
import {
  countersSince,
  settle,
  snapshotCounters,
  useRig,
  waitForPeers,
} from './harness/scenario.js';
import { slotPeers } from './harness/rig.js';

const binaries = requireBinaries({ needMain: true });
const SLOT = 4;
const [A, B] = slotPeers(SLOT);

/** Always announced to both peers, so no step ever trips the mass-withdraw guard. */
const BASE: E2eRoute[] = [
  { prefixes: ['203.0.113.0/26', '203.0.113.64/26', '203.0.113.128/26'], nextHop: '192.0.2.1' },
  { prefix: '2001:db8:400::/48', nextHop: '2001:db8::4' },
];

/** The moving routes: one ipv4 and one ipv6 prefix with their own attributes. */
function moving(neighbors: readonly string[] | undefined, med: number): E2eRoute[] {
  const targets = neighbors === undefined ? {} : { neighbors };
  return [
    { prefix: '10.40.0.0/24', nextHop: '192.0.2.40', med, communities: ['65000:40'], ...targets },
    { prefix: '2001:db8:40::/48', nextHop: '2001:db8::40', med, ...targets },
  ];
}

interface Step {
  name: string;
  /** File name → entries; a file absent from the map is removed. */
  files: Record<string, E2eRoute[]>;
}

const STEPS: Step[] = [
  { name: 'to every neighbor (`*`)', files: { 'move.yaml': moving(undefined, 10) } },
  { name: 'from `*` to A only', files: { 'move.yaml': moving([A.address], 10) } },
  { name: 'from A to B', files: { 'move.yaml': moving([B.address], 10) } },
  { name: 'from B back to `*`', files: { 'move.yaml': moving(undefined, 10) } },
  {
    name: 'from `*` to A and B listed explicitly',
    files: { 'move.yaml': moving([A.address, B.address], 10) },
  },
  { name: 'from A and B back to `*`', files: { 'move.yaml': moving(undefined, 10) } },
  {
    name: 'layered: `*` plus an A entry with other attributes (A gets its own, B the `*` value)',
    files: { 'move.yaml': moving(undefined, 10), 'move-a.yaml': moving([A.address], 20) },
  },
  {
    name: 'layered: the `*` value changes, A keeps its own entry',
    files: { 'move.yaml': moving(undefined, 11), 'move-a.yaml': moving([A.address], 20) },
  },
  {
    name: 'layered: the A entry removed, A falls back to the `*` value',
    files: { 'move.yaml': moving(undefined, 11) },
  },
  {
    name: 'layered: the A entry back',
    files: { 'move.yaml': moving(undefined, 11), 'move-a.yaml': moving([A.address], 20) },
  },
  {
    name: 'layered: the `*` entry removed, only A keeps its entry',
    files: { 'move-a.yaml': moving([A.address], 20) },
  },
  { name: 'from A to `*` again', files: { 'move.yaml': moving(undefined, 12) } },
];

describe.skipIf(binaries === undefined)('run moves routes between two peers', () => {
  const rig = useRig({
    slot: SLOT,
    name: 'run-targets',
    binaries: binaries!,
    process: { kind: 'reconciler', args: baseRunArgs() },
    prepare: ({ routesDir }) => writeRouteFile(routesDir, 'base.yaml', BASE),
  });
  let present = new Set<string>();

  it('announces the base routes to both peers at start-up', async () => {
    await waitForPeers(rig(), BASE, 60_000);
  });

  it.each(STEPS)('converges exactly: $name', async ({ files }) => {
    const before = await snapshotCounters(rig());
    for (const name of present) if (!(name in files)) removeRouteFile(rig().routesDir, name);
    for (const [name, routes] of Object.entries(files))
      writeRouteFile(rig().routesDir, name, routes);
    present = new Set(Object.keys(files));
    await waitForPeers(rig(), [...BASE, ...Object.values(files).flat()], 20_000);
    await settle(1_000);
    await waitForPeers(rig(), [...BASE, ...Object.values(files).flat()], 1_000);
    // informational: how many updates/withdraws each peer saw for this transition
    process.stderr.write(
      `targets step counters: ${JSON.stringify(await countersSince(rig(), before))}\n`,
    );
  });
});
