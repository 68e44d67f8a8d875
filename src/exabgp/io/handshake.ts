// The start-up handshake, before our first route command (exabgp5.md §9): end any partial line a
// killed predecessor left in ExaBGP's buffer, learn the version, and wait past every answer still
// owed to the dead process. Nothing here writes a route; every answer before the barrier is dropped.
import type { Clock, TimerHandle } from '../../runtime/clock.js';
import { parseVersionAnswer, type ExabgpVersion } from '../dialect.js';
import { parseFamilyLine, parseNeighborHeading } from '../dialect-show.js';
import type { AnswerInterceptor, ExabgpWriter } from './writer.js';

/**
 * Ends a glued fragment without completing it into a command. Measured on 4.2.21 and 5.0.13 over
 * 24 fragment shapes: ` nlri-poison` always got exactly one `error` and ran nothing (a bulk line
 * reads its last word as an address first, and this word has neither `.` nor `:`), whereas a bare
 * newline ran the fragment (`10.1.2.1/32` from a cut inside `10.1.2.128/25`), and ` ;` and ` ]`
 * leak too. Alone, it is a command "not understood" (one `error`, one ExaBGP log line).
 */
export const FLUSH_LINE = ' nlri-poison';
/** Answered at once (it overtakes queued route commands): the version only, never a barrier. */
export const VERSION_LINE = 'version';
/**
 * Queued FIFO with route commands, so its output comes after the answers of every line the dead
 * process handed over (measured: after 200 queued `done`s, on both versions).
 */
export const BARRIER_LINE = 'show neighbor summary';
const SUMMARY_HEADER = /^Peer\s+AS\s+up\/down\s+state\s*\|/;
/**
 * After the barrier (answers aligned again): every configured neighbor, established or not, one
 * `Neighbor <ip>` block each, on both versions. encodePlan needs them to send a `*` command to
 * every neighbor but one that keeps a route of its own for the prefix.
 */
export const NEIGHBORS_LINE = 'show neighbor extensive';

export type HandshakeOutcome = 'done' | 'timeout' | 'closed' | 'written';

export interface HandshakeResult {
  readonly outcome: HandshakeOutcome;
  /** What `version` answered, when it did. */
  readonly version?: ExabgpVersion;
  /** Answers dropped before the barrier: a dead predecessor's, the flush's and `version`'s. */
  readonly dropped: number;
  /** Canonical addresses of ExaBGP's neighbors (NEIGHBORS_LINE), sorted; when it answered. */
  readonly neighbors?: readonly string[];
  /**
   * The families configured on each of them (`ipv4 unicast`, `ipv6 flow`, ...): a route of another
   * family never reaches that neighbor's adj-rib-out. Only for neighbors whose block listed them.
   */
  readonly families?: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * Run the handshake. With acks off only the flush is written (nothing answers). The wait is
 * progress-based: it times out after `timeoutMs` without any answer, however long the backlog.
 */
export async function runHandshake(
  writer: ExabgpWriter,
  clock: Clock,
  timeoutMs: number,
): Promise<HandshakeResult> {
  if (!writer.ackEnabled) {
    await writer.writeControl(FLUSH_LINE);
    return { outcome: 'written', dropped: 0 };
  }
  let version: ExabgpVersion | undefined;
  let dropped = 0;
  let sawHeader = false;
  let timer: TimerHandle | undefined;
  let finish: (o: HandshakeOutcome) => void = () => undefined;
  const finished = new Promise<HandshakeOutcome>((resolve) => (finish = resolve));
  const arm = (): void => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = clock.setTimeout(() => finish('timeout'), timeoutMs);
  };
  const interceptor: AnswerInterceptor = {
    onAck: () => {
      arm();
      // The barrier's own answer ends its output; anything before is owed to someone else.
      if (sawHeader) return finish('done');
      dropped += 1;
    },
    onText: (line) => {
      arm();
      version ??= parseVersionAnswer(line);
      if (SUMMARY_HEADER.test(line)) sawHeader = true;
    },
  };
  writer.intercept(interceptor);
  try {
    arm();
    await writer.writeControl(FLUSH_LINE);
    await writer.writeControl(VERSION_LINE);
    await writer.writeControl(BARRIER_LINE);
    const outcome = await Promise.race([
      finished,
      writer.whenClosed().then(() => 'closed' as const),
    ]);
    const found = version === undefined ? {} : { version };
    if (outcome !== 'done') return { outcome, dropped, ...found };
    const asked = await askNeighbors(writer, clock, timeoutMs);
    return { outcome, dropped, ...found, ...(asked === undefined ? {} : asked) };
  } catch {
    return { outcome: 'closed', dropped, ...(version === undefined ? {} : { version }) };
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
    writer.intercept(undefined);
  }
}

/**
 * `show neighbor extensive` → the neighbors' addresses and configured families; undefined on
 * error, timeout or close.
 */
async function askNeighbors(
  writer: ExabgpWriter,
  clock: Clock,
  timeoutMs: number,
): Promise<
  | { readonly neighbors: readonly string[]; families: ReadonlyMap<string, ReadonlySet<string>> }
  | undefined
> {
  const seen = new Set<string>();
  const families = new Map<string, Set<string>>();
  let current: string | undefined;
  // A predecessor killed during its own barrier: its summary and `done` can come now, before ours.
  let foreign = false;
  let finish: (ok: boolean) => void = () => undefined;
  const finished = new Promise<boolean>((resolve) => (finish = resolve));
  let timer: TimerHandle | undefined;
  const arm = (): void => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = clock.setTimeout(() => finish(false), timeoutMs);
  };
  writer.intercept({
    onAck: (ok) => {
      if (!foreign) return finish(ok);
      foreign = false;
      arm();
    },
    onText: (line) => {
      arm();
      if (SUMMARY_HEADER.test(line)) foreign = true;
      const address = parseNeighborHeading(line);
      if (address !== undefined) {
        seen.add(address);
        current = foreign ? undefined : address;
        return;
      }
      const family = current === undefined ? undefined : parseFamilyLine(line);
      if (family === undefined || current === undefined || !family.local) return;
      const set = families.get(current) ?? new Set<string>();
      set.add(family.family);
      families.set(current, set);
    },
  });
  try {
    arm();
    await writer.writeControl(NEIGHBORS_LINE);
    const ok = await Promise.race([finished, writer.whenClosed().then(() => false)]);
    return ok ? { neighbors: [...seen].sort(), families } : undefined;
  } catch {
    return undefined;
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
    writer.intercept(undefined);
  }
}
