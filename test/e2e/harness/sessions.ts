// Session stability: every BGP session must stay Established for a whole scenario, except inside a
// window where the test restarts ExaBGP on purpose (and there the reset must really happen).
// Read from BIRD: its log of protocol state changes and `show protocols` "since" (ms resolution).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { waitFor } from './processes.js';
import type { Rig } from './rig.js';

/** One protocol state change BIRD logged, and whether a planned window covered it. */
export interface SessionEvent {
  protocol: string;
  line: string;
  planned: boolean;
}

export interface SessionGuard {
  /**
   * Run a planned disruption (ExaBGP stopped, killed or restarted) and wait for every session to be
   * Established again. Its state changes are expected; a window in which some peer's session did
   * not go down fails `assertNoReset` (the restart did not happen as the test thinks).
   */
  expectReset<T>(action: () => Promise<T>): Promise<T>;
  /**
   * Throw when a session left Established outside a planned window since the last call (or since
   * the guard started): BIRD logged a state change, the "since" time moved, or it is not
   * Established now. The message carries BIRD's lines and ExaBGP's log lines of that time.
   */
  assertNoReset(): Promise<void>;
  /** Unplanned resets per protocol seen so far (sessions that left `up`), for summaries. */
  unplannedResets(): Record<string, number>;
}

/** `peer_a: State changed to stop` and the other BGP lines that matter for a session's life. */
const STATE_LINE =
  /^\S+ \S+ <\w+> (\w+): (State changed to \w+|BGP session closed|Error: .*|Received: .*)$/;
/** ExaBGP log lines that explain a reset (INFO level; E2E_EXABGP_DEBUG=1 adds the traceback). */
const EXABGP_EVIDENCE =
  /Traceback|Error|error|MISBEHAVED|peer reset|connected to peer|closing connection|connection to \S+ closed|down counter|not understood|Notification/;

function fileSize(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

function readFrom(path: string, offset: number): { text: string; end: number } {
  if (!existsSync(path)) return { text: '', end: offset };
  const buffer = readFileSync(path);
  return { text: buffer.subarray(offset).toString('utf8'), end: buffer.length };
}

/**
 * BIRD prints "since" by converting its monotonic clock to wall time at each call, so the same
 * instant reads 1 ms apart between two `show protocols`: compare with this tolerance. (A reset is
 * also always in the log; the time is the backstop.)
 */
const SINCE_TOLERANCE_MS = 20;

function sinceMs(since: string | undefined): number {
  return since === undefined || since === '' ? NaN : Date.parse(since.replace(' ', 'T'));
}

/** Start watching every peer of `rig`; each must be Established now. */
export async function watchSessions(rig: Rig): Promise<SessionGuard> {
  const protocols = rig.peers.map((p) => p.protocol);
  const since = new Map<string, string>();
  /** Every session Established and its protocol up (BGP is Established a moment before `up`). */
  const waitUp = async () => {
    await waitFor(
      async () => {
        for (const protocol of protocols) {
          const stats = await rig.bird.stats(protocol);
          if (stats.bgpState !== 'Established' || stats.protocolState !== 'up') return false;
        }
        return true;
      },
      { timeoutMs: 60_000, what: 'every BGP session Established' },
    );
  };
  const readBaseline = async () => {
    for (const protocol of protocols) since.set(protocol, (await rig.bird.stats(protocol)).since);
  };
  await waitUp();
  let birdOffset = fileSize(rig.bird.logFile);
  await readBaseline();
  let exabgpOffset = fileSize(rig.exabgp.logFile);
  let planned = false;
  let pending: SessionEvent[] = [];
  const unplanned: Record<string, number> = Object.fromEntries(protocols.map((p) => [p, 0]));

  const scan = (): SessionEvent[] => {
    const { text, end } = readFrom(rig.bird.logFile, birdOffset);
    // only whole lines: a partial last line is read on the next scan
    const cut = text.lastIndexOf('\n') + 1;
    birdOffset = end - Buffer.byteLength(text.slice(cut));
    const events: SessionEvent[] = [];
    for (const line of text.slice(0, cut).split('\n')) {
      const m = STATE_LINE.exec(line);
      if (m === null || !protocols.includes(m[1] ?? '')) continue;
      events.push({ protocol: m[1] ?? '', line, planned });
    }
    pending.push(...events);
    return events;
  };

  const guard: SessionGuard = {
    async expectReset(action) {
      scan();
      planned = true;
      let result;
      let windowEvents: SessionEvent[] = [];
      try {
        result = await action();
        await waitUp();
      } finally {
        windowEvents = scan();
        planned = false;
      }
      for (const protocol of protocols) {
        const left = windowEvents.some(
          (e) => e.protocol === protocol && /State changed to (stop|down)/.test(e.line),
        );
        if (!left) {
          pending.push({
            protocol,
            line: `(planned reset window: ${protocol} never left Established)`,
            planned: false,
          });
        }
      }
      await readBaseline();
      return result;
    },

    async assertNoReset() {
      scan();
      const problems: string[] = [];
      for (const protocol of protocols) {
        const stats = await rig.bird.stats(protocol);
        const moved = !(
          Math.abs(sinceMs(stats.since) - sinceMs(since.get(protocol))) <= SINCE_TOLERANCE_MS
        );
        const events = pending.filter((e) => e.protocol === protocol && !e.planned);
        const resets = events.filter((e) => /State changed to stop/.test(e.line)).length;
        unplanned[protocol] = (unplanned[protocol] ?? 0) + resets;
        if (events.length === 0 && !moved && stats.bgpState === 'Established') continue;
        problems.push(
          `${protocol}: now ${stats.bgpState} since ${stats.since} (was since ${since.get(protocol)}), ` +
            `${resets} reset(s):\n      ${events
              .slice(0, 12)
              .map((e) => e.line)
              .join('\n      ')}`,
        );
      }
      pending = [];
      const exabgp = readFrom(rig.exabgp.logFile, exabgpOffset);
      exabgpOffset = exabgp.end;
      if (problems.length === 0) return;
      const evidence = exabgp.text
        .split('\n')
        .filter((l) => EXABGP_EVIDENCE.test(l))
        .slice(0, 25)
        .map((l) => l.slice(0, 300));
      // the next scenario starts from the sessions as they are now
      // (its reconnection, if still under way, belongs to this report)
      await waitUp().catch(() => undefined);
      scan();
      pending = [];
      await readBaseline().catch(() => undefined);
      throw new Error(
        `BGP session reset outside a planned ExaBGP restart (ExaBGP ${rig.exabgp.version}):\n  ` +
          `${problems.join('\n  ')}\n  exabgp log (${rig.exabgp.logFile}):\n      ${evidence.join('\n      ')}`,
      );
    },

    unplannedResets: () => ({ ...unplanned }),
  };
  return guard;
}
