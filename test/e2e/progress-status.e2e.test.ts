// Issue 13 e2e: operator experience under a real ExaBGP (4.2 and 5.0) with two BIRD peers. A
// 40k-route edit (20k on 5.0) reports its progress (log lines, GET /v1/status `progress`, the apply metrics)
// while ExaBGP acknowledges it; `status` says converged once BIRD holds every route; removing the
// table is held by the guard (`status` exits 3 with the hash) until `confirm HASH`; no session
// resets throughout.
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { baseRunArgs } from './harness/binaries.js';
import { slotPeers } from './harness/rig.js';
import {
  generatePrefixes,
  removeRouteFile,
  writeRouteFile,
  type E2eRoute,
} from './harness/routes.js';
import {
  describeVersions,
  useRig,
  useSessionGuard,
  versionSlot,
  waitForPeers,
} from './harness/scenario.js';
import { MAIN } from '../helpers/spawn-cli.js';

const SLOT = 12;

const KEEP: E2eRoute[] = [{ prefix: '203.0.113.0/24', nextHop: '192.0.2.1', med: 19 }];
/**
 * The big table: `perFamily` ipv4 and as many ipv6 prefixes in entries of 1000 (the grouped form).
 * 40k routes on 4.2 (about 7 s to apply), 20k on 5.0 (its ingest is about 1.8x slower per route:
 * about 9 s; 40k took 19 s there): either is long enough to see progress mid-apply.
 */
function bigTable(perFamily: number): E2eRoute[] {
  const v4 = generatePrefixes(perFamily, { base: 60 });
  const v6 = generatePrefixes(perFamily, { family: 'ipv6', base: 0x190 });
  return [
    ...Array.from({ length: perFamily / 1000 }, (_, i) => ({
      prefixes: v4.slice(i * 1000, (i + 1) * 1000),
      nextHop: '192.0.2.190',
      med: i,
    })),
    ...Array.from({ length: perFamily / 1000 }, (_, i) => ({
      prefixes: v6.slice(i * 1000, (i + 1) * 1000),
      nextHop: '2001:db8::190',
      med: i,
    })),
  ];
}

function runArgs(listen: string): string[] {
  const args = baseRunArgs();
  const at = args.indexOf('--listen');
  if (at >= 0) args.splice(at, 2);
  return [...args, '--listen', listen];
}

/** `exabgp-reconciler <args>` from dist, as an operator runs it. */
function cli(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Progress {
  routes_total: number;
  routes_done: number;
  routes_failed: number;
  rate_per_second: number;
  eta_seconds: number | null;
}

describeVersions(
  'progress, status and confirm under ExaBGP',
  { needMain: true },
  (binaries, version) => {
    const PER_FAMILY = version === '4.2' ? 20_000 : 10_000;
    const TOTAL = 2 * PER_FAMILY;
    const BIG = bigTable(PER_FAMILY);
    const PEERS = slotPeers(versionSlot(SLOT, version));
    const LISTEN = `${PEERS[0].address}:${PEERS[0].port + 5}`;
    const URL = `http://${LISTEN}`;
    const rig = useRig({
      slot: versionSlot(SLOT, version),
      name: `progress-${version}`,
      binaries,
      process: { kind: 'reconciler', wrapper: 'exec', args: runArgs(LISTEN) },
      prepare: ({ routesDir }) => writeRouteFile(routesDir, 'keep.yaml', KEEP),
    });
    useSessionGuard(rig);

    async function status(): Promise<Record<string, unknown>> {
      const res = await fetch(`${URL}/v1/status`, { signal: AbortSignal.timeout(5_000) });
      return (await res.json()) as Record<string, unknown>;
    }

    it(`reports the progress of a ${TOTAL / 1000}k-route apply in the log, /v1/status and metrics`, async () => {
      await waitForPeers(rig(), KEEP, 60_000);
      const mark = rig().stderrMark();
      writeRouteFile(rig().routesDir, 'big.yaml', BIG);
      // Seen mid-apply: the status and the metrics agree on the total, and not everything is done.
      let seen: Progress | undefined;
      let metrics = '';
      const deadline = Date.now() + 60_000;
      while (seen === undefined && Date.now() < deadline) {
        const p = (await status())['progress'] as Progress | null;
        if (p !== null && p.routes_done > 0 && p.routes_done < p.routes_total) {
          seen = p;
          metrics = await (await fetch(`${URL}/metrics`)).text();
        } else await sleep(50);
      }
      expect(seen, 'progress seen in /v1/status during the apply').toBeDefined();
      expect(seen!.routes_total).toBe(TOTAL);
      expect(seen!.rate_per_second).toBeGreaterThan(0);
      expect(metrics).toMatch(/^exabgp_reconciler_apply_in_progress 1$/m);
      expect(metrics).toMatch(
        new RegExp(`^exabgp_reconciler_apply_routes\\{state="total"\\} ${TOTAL}$`, 'm'),
      );

      const line = JSON.parse(
        await rig().waitStderr(['sync progress'], { since: mark, timeoutMs: 60_000 }),
      ) as {
        done: number;
        total: number;
        rate: number;
        eta_s: number | null;
        msg: string;
      };
      expect(line.total).toBe(TOTAL);
      expect(line.done).toBeGreaterThan(0);
      expect(line.done).toBeLessThan(line.total);
      expect(line.msg).toMatch(
        new RegExp(
          `^sync progress: \\d+/${TOTAL} routes acknowledged \\(\\d+%\\), \\d+/s, \\d+ s left$`,
        ),
      );
      const finished = await rig().waitStderr(['sync finished'], {
        since: mark,
        timeoutMs: 120_000,
      });
      expect(finished).toContain(`${TOTAL}/${TOTAL} routes acknowledged`);
      process.stderr.write(`progress ${version}: ${line.msg}; ${JSON.parse(finished).msg}\n`);
      await waitForPeers(rig(), [...KEEP, ...BIG], 120_000);
      expect((await status())['progress']).toBeNull();
      const after = await (await fetch(`${URL}/metrics`)).text();
      expect(after).toMatch(/^exabgp_reconciler_apply_in_progress 0$/m);
    });

    it('status says converged with the routes per family and the ExaBGP version', () => {
      const r = cli(['status', '--url', URL]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`exabgp-reconciler at ${URL}: converged`);
      expect(r.stdout).toMatch(new RegExp(`ipv4 unicast +${PER_FAMILY + 1} +${PER_FAMILY + 1}`));
      expect(r.stdout).toMatch(new RegExp(`ipv6 unicast +${PER_FAMILY} +${PER_FAMILY}`));
      expect(r.stdout).toContain(
        version === '4.2' ? '4.2.21 (4.2 dialect)' : '5.0.13 (5.0 dialect)',
      );
    });

    it('holds the removal of the table until confirm HASH, then withdraws it', async () => {
      removeRouteFile(rig().routesDir, 'big.yaml');
      let held = cli(['status', '--url', URL]);
      const deadline = Date.now() + 30_000;
      while (held.code !== 3 && Date.now() < deadline) {
        await sleep(200);
        held = cli(['status', '--url', URL]);
      }
      expect(held.code).toBe(3);
      const hash = /holding plan ([0-9a-f]{64})/.exec(held.stdout)?.[1];
      expect(hash, held.stdout).toBeDefined();
      expect(held.stdout).toContain(`Plan: 0 to announce, 0 to update, ${TOTAL} to withdraw.`);
      // Nothing withdrawn while it is held.
      await sleep(1_000);
      await waitForPeers(rig(), [...KEEP, ...BIG], 10_000);
      const ok = cli(['confirm', '--url', URL, hash!]);
      expect(ok.code, ok.stderr).toBe(0);
      await waitForPeers(rig(), KEEP, 120_000);
      let after = cli(['status', '--url', URL]);
      const until = Date.now() + 30_000;
      while (after.code !== 0 && Date.now() < until) {
        await sleep(200);
        after = cli(['status', '--url', URL]);
      }
      expect(after.code, after.stdout).toBe(0);
      expect(after.stdout).toMatch(/total +1 +1 +pending 0/);
    });
  },
);
