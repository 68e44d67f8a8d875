// The long HTTP fuzz: the CI test's invariants for SOAK_MINUTES (default 10) of alternating
// refusal and mixed phases with a hostile body every few minutes, then a valid 100k-route PUT whose
// /healthz latency is reported (the reconciler applies it on the event loop; not asserted here).
// Prints requests, worst latency, worst /healthz and peak RSS. Seed: HTTP_FUZZ_SEED.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidExabgpLine } from '../helpers/exabgp-grammar.js';
import { startFuzzServer, type FuzzServer } from '../helpers/fuzz-server.js';
import { groupedDocument, mixedArb, refusalArb } from '../helpers/http-fuzz-cases.js';
import { badStdout, HttpFuzzer } from '../helpers/http-fuzz.js';
import type { FuzzHttpRequest } from '../helpers/raw-http.js';

const SEED = Number(process.env['HTTP_FUZZ_SEED'] ?? Date.now() % 2 ** 31);
const MINUTES = Number(process.env['SOAK_MINUTES'] ?? 10);
const MiB = 1024 * 1024;

let server: FuzzServer;

function put(body: Buffer, type = 'application/yaml'): FuzzHttpRequest {
  return { method: 'PUT', target: '/v1/desired', headers: [['Content-Type', type]], body };
}

const HOSTILE: readonly [string, FuzzHttpRequest][] = [
  ['1 MiB of YAML nesting', put(Buffer.from('['.repeat(MiB)))],
  [
    '24 MiB of random bytes',
    put(Buffer.from(Array.from({ length: 24 * MiB }, (_, i) => (i * 7919) % 256))),
  ],
  ['an 8 MiB scalar', put(Buffer.from(`routes: "${'x'.repeat(8 * MiB)}"`))],
  [
    '100k repeated keys',
    put(Buffer.from(`{"routes":[{${'"med":1,'.repeat(100_000)}"med":1}]}`), 'application/json'),
  ],
];

beforeAll(async () => {
  server = await startFuzzServer();
}, 60_000);

afterAll(() => server.dispose());

describe('HTTP fuzz soak', () => {
  it(`keeps every invariant for ${MINUTES} minutes`, async () => {
    const fuzzer = new HttpFuzzer(server, SEED);
    process.stderr.write(`http fuzz soak seed ${SEED}, ${MINUTES} min\n`);
    await fuzzer.syncEtag();
    const stop = fuzzer.startMonitors();
    const end = performance.now() + MINUTES * 60_000;
    for (let round = 0; performance.now() < end; round++) {
      const [name, request] = HOSTILE[round % HOSTILE.length]!;
      const hostile = fuzzer.run({ label: name, request, mustRefuse: true });
      const phaseMs = Math.min(60_000, Math.max(1000, end - performance.now()));
      await fuzzer.phase(round % 2 === 0 ? refusalArb : mixedArb, {
        durationMs: phaseMs,
        stream: round,
      });
      await hostile;
      const r = fuzzer.report;
      process.stderr.write(
        `round ${round}: ${r.requests} requests, worst ${Math.round(r.worstMs)} ms, healthz worst ` +
          `${Math.round(r.worstHealthzMs)} ms, peak RSS ${Math.round(r.peakRssMib)} MiB, failures ${r.failures.length}\n`,
      );
    }
    await stop();
    const r = fuzzer.report;
    process.stderr.write(
      `soak: ${r.requests} requests (${r.refused} refused) ${JSON.stringify(r.byStatus)}; worst ` +
        `${Math.round(r.worstMs)} ms (${r.worstLabel.slice(0, 100)}); healthz worst ` +
        `${Math.round(r.worstHealthzMs)} ms over ${r.healthzChecks}; peak RSS ${Math.round(r.peakRssMib)} MiB\n`,
    );
    expect(r.failures).toEqual([]);
    expect(r.worstHealthzMs).toBeLessThan(1000);
    expect(r.peakRssMib).toBeLessThan(1536);
    expect(badStdout(server.stdout(), isValidExabgpLine)).toEqual([]);
  });

  it('reports /healthz while a valid 100k-route document is applied', async () => {
    const fuzzer = new HttpFuzzer(server, SEED);
    const stop = fuzzer.startMonitors();
    const res = await fuzzer.send(
      put(Buffer.from(groupedDocument(100_000)), 'application/json'),
      120_000,
    );
    await new Promise((r) => setTimeout(r, 3000));
    await stop();
    process.stderr.write(
      `100k-route PUT: ${res.status ?? res.error ?? '?'} in ${Math.round(res.ms)} ms; healthz worst ` +
        `${Math.round(fuzzer.report.worstHealthzMs)} ms; peak RSS ${Math.round(fuzzer.report.peakRssMib)} MiB\n`,
    );
    // 202 when the guard holds the plan (it withdraws what the mixed phases put in the api source).
    expect([200, 202]).toContain(res.status);
    expect(badStdout(server.stdout(), isValidExabgpLine)).toEqual([]);
  });

  it('stops within 2 s on SIGTERM', async () => {
    const { code, ms } = await server.stop();
    expect(code).toBe(0);
    expect(ms).toBeLessThan(2000);
  });
});
