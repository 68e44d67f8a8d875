// Issue 3 scenario 1 with the repository's own routes.d: the bundled examples, copied into a rig
// (neighbor addresses mapped onto the two BIRD peers), must appear at the peers with every attribute,
// on ExaBGP 4.2 and 5.0 (whose as-path syntax differs), with no session reset.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO_ROOT, baseRunArgs } from './harness/binaries.js';
import { waitFor } from './harness/processes.js';
import { slotPeers } from './harness/rig.js';
import { readRouteDocument, rewriteNeighbors, type E2eRoute } from './harness/routes.js';
import {
  describeVersions,
  useRig,
  useSessionGuard,
  versionSlot,
  waitForPeers,
} from './harness/scenario.js';

const SLOT = 6;
const BUNDLED = join(REPO_ROOT, 'routes.d');

function bundledFiles(): string[] {
  return readdirSync(BUNDLED).filter((f) => /\.ya?ml$/.test(f) && !f.startsWith('.'));
}

describeVersions('run with the bundled routes.d', { needMain: true }, (binaries, version) => {
  const [A, B] = slotPeers(versionSlot(SLOT, version));
  /** The example neighbors in routes.d/neighbors.yaml, mapped onto the rig's peers. */
  const REWRITE = { '192.0.2.2': A.address, '192.0.2.3': B.address };
  const desired: E2eRoute[] = [];
  let skipped = 0;
  const rig = useRig({
    slot: versionSlot(SLOT, version),
    name: `run-bundled-${version}`,
    binaries,
    flow: true,
    process: { kind: 'reconciler', args: baseRunArgs() },
    prepare: ({ routesDir }) => {
      for (const file of bundledFiles()) {
        const text = rewriteNeighbors(readFileSync(join(BUNDLED, file), 'utf8'), REWRITE);
        writeFileSync(join(routesDir, file), text);
        const doc = readRouteDocument(text);
        desired.push(...doc.routes);
        skipped += doc.skipped;
      }
    },
  });

  useSessionGuard(rig);

  it('announces every bundled route (unicast, labelled, vpn) to the peers it targets, attributes included', async () => {
    expect(desired.length).toBeGreaterThan(0);
    await waitForPeers(rig(), desired, 60_000);
    process.stderr.write(
      `bundled routes: ${desired.length} entries checked, ${skipped} next-hop self entries not checked\n`,
    );
  });

  it('announces the bundled FlowSpec rules (routes.d/flows.yaml) to both peers', async () => {
    for (const peer of rig().peers) {
      await waitFor(
        async () => ((await rig().bird.flows(peer.protocol)).length === 3 ? true : undefined),
        { timeoutMs: 30_000, what: `3 bundled flows at ${peer.protocol}` },
      );
      const rules = (await rig().bird.flows(peer.protocol)).map((f) => f.rule);
      expect(rules).toContain('flow4 { dst 203.0.113.53/32; proto 17; dport 53; }');
    }
  });

  it('keeps running without errors from ExaBGP for the bundled routes', () => {
    const errors = rig()
      .stderrJson()
      .filter((l) => typeof l['level'] === 'number' && l['level'] >= 50);
    expect(errors).toEqual([]);
    expect(rig().processStarts()).toHaveLength(1);
  });
});
