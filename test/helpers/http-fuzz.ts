// The HTTP fuzz runner shared by the CI test and the soak: sends generated cases to a real server
// one at a time while probing /healthz and sampling RSS, and checks every answer against the
// invariants (answered in time, no 5xx but 503 busy, JSON errors with a code, refusals refused and
// changing nothing). Collects failures instead of throwing. Not a test file.
import fc from 'fast-check';
import type { FuzzCase } from './http-fuzz-cases.js';
import type { FuzzServer } from './fuzz-server.js';
import { exchange, type Exchange, type FuzzHttpRequest } from './raw-http.js';

/** Bodies above this go to the parse worker, whose wall-clock limit is 30 s. */
const INLINE_BYTES = 4096;

export interface FuzzReport {
  requests: number;
  refused: number;
  byStatus: Record<string, number>;
  worstMs: number;
  worstLabel: string;
  worstHealthzMs: number;
  healthzChecks: number;
  peakRssMib: number;
  failures: string[];
}

export interface PhaseOptions {
  readonly durationMs: number;
  readonly maxRequests?: number;
  /** Extra seed offset so each phase draws its own cases. */
  readonly stream: number;
}

export class HttpFuzzer {
  readonly report: FuzzReport = {
    requests: 0,
    refused: 0,
    byStatus: {},
    worstMs: 0,
    worstLabel: '',
    worstHealthzMs: 0,
    healthzChecks: 0,
    peakRssMib: 0,
    failures: [],
  };
  private etag = '';

  constructor(
    private readonly server: FuzzServer,
    readonly seed: number,
  ) {}

  fail(message: string): void {
    if (this.report.failures.length < 25) this.report.failures.push(message);
  }

  send(request: FuzzHttpRequest, timeoutMs: number): Promise<Exchange> {
    return exchange(this.server.port, request, timeoutMs);
  }

  /** The api source's ETag (what every refusal must leave as it was). */
  async apiEtag(): Promise<string> {
    const res = await this.send(
      { method: 'GET', target: '/v1/desired?source=api', headers: [] },
      10_000,
    );
    return res.headers['etag'] ?? `<no etag: ${res.status ?? res.error ?? '?'}>`;
  }

  async syncEtag(): Promise<void> {
    this.etag = await this.apiEtag();
  }

  /** Probe /healthz every 100 ms and sample RSS every 250 ms until the returned stop is called. */
  startMonitors(): () => Promise<void> {
    let running = true;
    const healthz = (async () => {
      while (running) {
        const res = await this.send({ method: 'GET', target: '/healthz', headers: [] }, 5000);
        this.report.healthzChecks++;
        this.report.worstHealthzMs = Math.max(this.report.worstHealthzMs, res.ms);
        if (res.status !== 200)
          this.fail(`GET /healthz answered ${res.status ?? res.error ?? '?'}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const rss = setInterval(() => {
      this.report.peakRssMib = Math.max(this.report.peakRssMib, this.server.rssMib());
    }, 250);
    return async () => {
      running = false;
      clearInterval(rss);
      await healthz;
      this.report.peakRssMib = Math.max(this.report.peakRssMib, this.server.peakRssMib());
    };
  }

  /** Send one case and check the answer; a refusal must leave the api source as it was. */
  async run(c: FuzzCase): Promise<Exchange> {
    const size = (c.request.body ?? c.request.raw)?.length ?? 0;
    const bound = size > INLINE_BYTES ? 40_000 : 10_000;
    const res = await this.send(c.request, bound + 5000);
    this.record(c, res);
    this.check(c, res, bound);
    const refused = res.status === undefined || res.status >= 400;
    const after = await this.apiEtag();
    if (refused && after !== this.etag)
      this.fail(`state changed by a refusal (${res.status}): ${c.label}`);
    this.etag = after;
    if (this.server.child.exitCode !== null || this.server.child.signalCode !== null)
      this.fail(`the server died after: ${c.label}`);
    return res;
  }

  private record(c: FuzzCase, res: Exchange): void {
    this.report.requests++;
    const key = String(res.status ?? 'closed');
    this.report.byStatus[key] = (this.report.byStatus[key] ?? 0) + 1;
    if (res.status === undefined || res.status >= 400) this.report.refused++;
    if (res.ms > this.report.worstMs) {
      this.report.worstMs = res.ms;
      this.report.worstLabel = c.label;
    }
  }

  private check(c: FuzzCase, res: Exchange, bound: number): void {
    const what = `${res.status ?? res.error ?? '?'} for ${c.label}`;
    if (res.status === undefined) {
      // Raw bytes may be dropped with the connection; anything else must be answered.
      if (c.request.raw === undefined) this.fail(`no answer (${res.error ?? '?'}): ${c.label}`);
      return;
    }
    if (res.ms > bound) this.fail(`answered in ${Math.round(res.ms)} ms (bound ${bound}): ${what}`);
    if (c.mustRefuse && res.status < 400) this.fail(`accepted: ${what}`);
    if (res.status < 400 || c.request.method === 'HEAD') return;
    let body: unknown;
    try {
      body = JSON.parse(res.body.toString('utf8'));
    } catch {
      return this.fail(
        `error body is not JSON: ${what}: ${res.body.subarray(0, 100).toString('latin1')}`,
      );
    }
    const { code, message, diagnostics } = (body ?? {}) as {
      code?: unknown;
      message?: unknown;
      diagnostics?: unknown;
    };
    if (typeof code !== 'string' || typeof message !== 'string')
      return this.fail(`error body without code and message: ${what}`);
    if (message.length > 400) this.fail(`unbounded message (${message.length}): ${what}`);
    if (Array.isArray(diagnostics) && diagnostics.length > 100)
      this.fail(`${diagnostics.length} diagnostics: ${what}`);
    if (
      res.status >= 500 &&
      !(res.status === 503 && code === 'E_BUSY' && res.headers['retry-after'] === '1')
    )
      this.fail(`server error ${code}: ${what}`);
  }

  /** Cases drawn from `arb` (seeded), one at a time, until the duration or count runs out. */
  async phase(arb: fc.Arbitrary<FuzzCase>, options: PhaseOptions): Promise<number> {
    const end = performance.now() + options.durationMs;
    let sent = 0;
    for (let batch = 0; performance.now() < end; batch++) {
      const cases = fc.sample(arb, {
        seed: this.seed + options.stream * 100_003 + batch,
        numRuns: 25,
      });
      for (const c of cases) {
        if (performance.now() >= end || sent >= (options.maxRequests ?? Infinity)) return sent;
        await this.run(c);
        sent++;
      }
    }
    return sent;
  }
}

/** Stdout lines that are not route commands (the grammar of test/helpers/exabgp-grammar.ts). */
export function badStdout(stdout: string, isValid: (line: string) => boolean): string[] {
  const lines = stdout.split('\n');
  const bad = lines.slice(0, -1).filter((l) => !isValid(l));
  if (lines.at(-1) !== '') bad.push(`partial last line: ${lines.at(-1)?.slice(0, 80) ?? ''}`);
  return bad;
}
