// Reads what ExaBGP writes on our stdin and classifies every line: acks, the shutdown notice,
// neighbor events (text and JSON encoders), empty lines and anything else (show output). It reads
// continuously in flowing mode and is never paused by our own write back-pressure (exabgp-api.md §12.1).
import type { Readable } from 'node:stream';

export type NeighborState = 'connected' | 'up' | 'down';

export type ExabgpMessage =
  | { readonly kind: 'ack'; readonly ok: boolean }
  | { readonly kind: 'shutdown'; readonly pid?: number; readonly ppid?: number }
  | {
      readonly kind: 'neighbor';
      readonly address: string;
      readonly state: NeighborState;
      readonly reason?: string;
    }
  /** An event we do not act on: JSON (update, negotiated, fsm, signal, ...) or a text BGP message. */
  | { readonly kind: 'event'; readonly type: string }
  | { readonly kind: 'empty' }
  /** Anything else: `show` output while a show command is in flight, or an unexpected line. */
  | { readonly kind: 'text'; readonly text: string }
  /** A line longer than MAX_LINE_BYTES: dropped whole (nothing ExaBGP prints for us is that long). */
  | { readonly kind: 'oversized'; readonly bytes: number };

/**
 * The longest line kept. ExaBGP's answers, events and `show` lines are well under 64 KiB; a line
 * without end (a broken pipe peer, /dev/zero on stdin) must not grow the buffer without bound.
 */
export const MAX_LINE_BYTES = 1024 * 1024;

const SHUTDOWN_TEXT = /^shutdown (\d+) (\d+)$/;
// `neighbor 127.0.0.2 down - peer reset, ...`; the address token never contains a space.
const NEIGHBOR_TEXT = /^neighbor (\S+) (connected|up|down)(?: (.*))?$/;
/**
 * A BGP message the text encoder reports (`receive { update; }`, `send { packets; }`, ...):
 * `neighbor IP receive|send update start|announced ...|withdrawn ...|end`, `... keepalive`,
 * `... open ...`, `... notification ...`, `... route-refresh ...`, `... operational ...`, or a raw
 * message category number (response/text.py in 4.2.21 and 5.0.13). An event, never output of a
 * command: taken for output, each would make the writer drop the next `done` as foreign and
 * shift our acks (a rejected line then committed as accepted).
 */
const MESSAGE_TEXT =
  /^neighbor \S+ (?:receive|send) (update|keepalive|open|notification|route-refresh|operational|\d+)(?: |$)/;
/** The raw bytes the text encoder appends on a line of their own (`packets` / `parsed` options). */
const RAW_TEXT = /^ (?:header [0-9A-Fa-f]+(?: body [0-9A-Fa-f]+)?|body [0-9A-Fa-f]+)$/;

/**
 * Classify one line (without its `\n`). Strict on purpose: a peer-controlled `down` reason can
 * carry arbitrary text, so only the exact shapes of exabgp-api.md §6.4/§10 are recognised.
 * @example parseExabgpLine('done') // { kind: 'ack', ok: true }
 */
export function parseExabgpLine(raw: string): ExabgpMessage {
  const line = raw.trimEnd();
  if (line === 'done') return { kind: 'ack', ok: true };
  if (line === 'error') return { kind: 'ack', ok: false };
  if (line === '') return { kind: 'empty' };
  if (line.startsWith('{')) return parseJsonLine(line);
  const shutdown = SHUTDOWN_TEXT.exec(line);
  if (shutdown !== null) {
    return { kind: 'shutdown', pid: Number(shutdown[1]), ppid: Number(shutdown[2]) };
  }
  const neighbor = NEIGHBOR_TEXT.exec(line);
  if (neighbor !== null) return neighborMessage(neighbor[1]!, neighbor[2]!, neighbor[3]);
  const message = MESSAGE_TEXT.exec(line);
  if (message !== null) return { kind: 'event', type: message[1]! };
  if (RAW_TEXT.test(line)) return { kind: 'event', type: 'raw' };
  return { kind: 'text', text: line };
}

function neighborMessage(address: string, state: string, rest: string | undefined): ExabgpMessage {
  const s = state as NeighborState;
  if (s === 'down' && rest !== undefined) {
    const reason = rest.startsWith('- ') ? rest.slice(2) : rest;
    return { kind: 'neighbor', address, state: s, reason };
  }
  return { kind: 'neighbor', address, state: s };
}

function parseJsonLine(line: string): ExabgpMessage {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { kind: 'text', text: line };
  }
  if (!isRecord(value)) return { kind: 'text', text: line };
  const type = typeof value['type'] === 'string' ? value['type'] : 'unknown';
  if (type === 'notification' && value['notification'] === 'shutdown') {
    return withIds({ kind: 'shutdown' }, value);
  }
  if (type === 'state') {
    const neighbor = value['neighbor'];
    if (isRecord(neighbor)) return jsonNeighbor(neighbor) ?? { kind: 'event', type };
  }
  return { kind: 'event', type };
}

function jsonNeighbor(neighbor: Record<string, unknown>): ExabgpMessage | undefined {
  const address = neighbor['address'];
  const state = neighbor['state'];
  if (!isRecord(address) || typeof address['peer'] !== 'string') return undefined;
  if (state !== 'connected' && state !== 'up' && state !== 'down') return undefined;
  const reason = neighbor['reason'];
  if (state === 'down' && typeof reason === 'string') {
    return { kind: 'neighbor', address: address['peer'], state, reason };
  }
  return { kind: 'neighbor', address: address['peer'], state };
}

function withIds(message: { kind: 'shutdown' }, value: Record<string, unknown>): ExabgpMessage {
  const pid = value['pid'];
  const ppid = value['ppid'];
  return {
    ...message,
    ...(typeof pid === 'number' ? { pid } : {}),
    ...(typeof ppid === 'number' ? { ppid } : {}),
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface ReaderHandlers {
  readonly onMessage: (message: ExabgpMessage) => void;
  /** stdin reached EOF or failed: ExaBGP is gone (or the terminal closed). */
  readonly onEnd: (error?: Error) => void;
}

/**
 * Start reading `stream` line by line. Lines are split on `\n` (a trailing `\r` is dropped); a
 * partial last line is buffered until its newline. Returns a function that stops reading.
 */
export function startExabgpReader(stream: Readable, handlers: ReaderHandlers): () => void {
  let buffer = '';
  let ended = false;
  /** Inside an oversized line: drop everything up to its newline. */
  let skipping = 0;
  stream.setEncoding('latin1');
  const onData = (chunk: string): void => {
    if (ended) return;
    const parts = (buffer + chunk).split('\n');
    buffer = parts.pop() ?? '';
    if (skipping > 0 && parts.length > 0) {
      handlers.onMessage({ kind: 'oversized', bytes: skipping + (parts.shift() ?? '').length });
      skipping = 0;
    }
    for (const line of parts) {
      if (line.length > MAX_LINE_BYTES)
        handlers.onMessage({ kind: 'oversized', bytes: line.length });
      else handlers.onMessage(parseExabgpLine(line));
    }
    if (buffer.length > MAX_LINE_BYTES) {
      skipping += buffer.length;
      buffer = '';
    }
  };
  const finish = (error?: Error): void => {
    if (ended) return;
    ended = true;
    if (buffer !== '') handlers.onMessage(parseExabgpLine(buffer));
    buffer = '';
    handlers.onEnd(error);
  };
  const onEnd = (): void => finish();
  const onError = (err: Error): void => finish(err);
  stream.on('data', onData);
  stream.on('end', onEnd);
  stream.on('close', onEnd);
  stream.on('error', onError);
  stream.resume();
  return () => {
    ended = true;
    stream.off('data', onData);
    stream.off('end', onEnd);
    stream.off('close', onEnd);
    stream.off('error', onError);
    stream.pause();
  };
}
