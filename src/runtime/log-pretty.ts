// Human-readable log lines for a terminal: a pino destination that turns each JSON record into one
// line (`12:00:01.004 INFO  #2 reconcile done announce=1 ...`), colour only when asked. Pure
// formatting plus one write per record; never writes anywhere but the stream it is given.
import type { Writable } from 'node:stream';

const LEVELS: Readonly<Record<number, readonly [string, string]>> = {
  10: ['TRACE', '\x1b[90m'],
  20: ['DEBUG', '\x1b[36m'],
  30: ['INFO', '\x1b[32m'],
  40: ['WARN', '\x1b[33m'],
  50: ['ERROR', '\x1b[31m'],
  60: ['FATAL', '\x1b[1;31m'],
};
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
const BOLD = '\x1b[1m';

/** pino's own keys and ours that the line shows in a fixed place (or not at all). */
const PLACED = new Set([
  'level',
  'time',
  'pid',
  'hostname',
  'name',
  'msg',
  'v',
  'component',
  'reconcile_id',
  'diagnostics',
  'err',
]);

/** The longest value text shown inline; the JSON log keeps everything. */
const MAX_VALUE_CHARS = 400;

export interface PrettyOptions {
  readonly color: boolean;
}

function paint(on: boolean, code: string, text: string): string {
  return on ? `${code}${text}${RESET}` : text;
}

/** A field value as `key=value` text: bare words stay bare, anything else is JSON. */
function valueText(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = isBareWord(value) ? value : JSON.stringify(value);
  else if (typeof value === 'number' || typeof value === 'boolean' || value === null)
    text = String(value);
  else text = JSON.stringify(value) ?? typeof value;
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}...` : text;
}

/** No space, quote, `=`, backslash or control character: safe to show unquoted. */
function isBareWord(text: string): boolean {
  if (text === '') return false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x22 || c === 0x3d || c === 0x5c) return false;
  }
  return true;
}

function timeText(time: unknown): string {
  if (typeof time !== 'number') return '--:--:--.---';
  return new Date(time).toISOString().slice(11, 23);
}

/** The indented lines under a record: one per diagnostic, and an error's stack at error level. */
function detailLines(record: Readonly<Record<string, unknown>>, level: number): string[] {
  const out: string[] = [];
  const diagnostics = record['diagnostics'];
  if (Array.isArray(diagnostics)) {
    for (const d of diagnostics) out.push(`    ${typeof d === 'string' ? d : valueText(d)}`);
  }
  const err = record['err'] as { stack?: unknown } | undefined;
  if (level >= 50 && typeof err?.stack === 'string') {
    for (const line of err.stack.split('\n').slice(1, 12)) out.push(`    ${line.trim()}`);
  }
  return out;
}

const PLAN_COUNTS = ['announce', 'update', 'withdraw'] as const;

/**
 * Fields that read better together: a plan summary as `+1 ~0 -2 (=10)`, acknowledged lines as
 * `9/9 lines acked`, a duration as `in 32 ms`. The keys consumed go into `used`.
 */
function condensed(record: Readonly<Record<string, unknown>>, used: Set<string>): string[] {
  const out: string[] = [];
  const num = (key: string): number | undefined =>
    typeof record[key] === 'number' ? record[key] : undefined;
  if (PLAN_COUNTS.every((k) => num(k) !== undefined)) {
    const [a, u, w] = PLAN_COUNTS.map((k) => num(k) ?? 0);
    let text = `+${a} ~${u} -${w}`;
    const unchanged = num('unchanged');
    if (unchanged !== undefined) text += ` (=${unchanged})`;
    const reassert = num('reassert');
    if (reassert !== undefined && reassert > 0) text += ` reassert=${reassert}`;
    out.push(text);
    for (const k of [...PLAN_COUNTS, 'unchanged', 'reassert']) used.add(k);
  }
  const lines = record['lines'] as Readonly<Record<string, unknown>> | undefined;
  if (typeof lines === 'object' && lines !== null && typeof lines['written'] === 'number') {
    const n = (k: string): number => (typeof lines[k] === 'number' ? lines[k] : 0);
    let text = `${n('done')}/${n('written')} lines acked`;
    if (n('errors') > 0) text += `, ${n('errors')} rejected`;
    if (n('timeouts') > 0) text += `, ${n('timeouts')} unanswered`;
    out.push(text);
    used.add('lines');
  }
  const duration = num('duration_ms');
  if (duration !== undefined) {
    out.push(`in ${duration} ms`);
    used.add('duration_ms');
  }
  return out;
}

/**
 * One pino record as terminal text (no trailing newline): UTC time, level, component, reconcile
 * id, message, then the other fields as key=value, then indented detail lines.
 * @example formatLogRecord({ level: 30, time: 0, msg: 'stopping', reason: 'SIGTERM' }, { color: false })
 * // '00:00:00.000 INFO  stopping reason=SIGTERM'
 */
export function formatLogRecord(
  record: Readonly<Record<string, unknown>>,
  options: PrettyOptions,
): string {
  const color = options.color;
  const level = typeof record['level'] === 'number' ? record['level'] : 30;
  const [label, code] = LEVELS[level] ?? [`L${level}`, ''];
  const parts = [paint(color, DIM, timeText(record['time'])), paint(color, code, label.padEnd(5))];
  if (typeof record['component'] === 'string') parts.push(`${record['component']}:`);
  if (record['reconcile_id'] !== undefined) parts.push(`#${valueText(record['reconcile_id'])}`);
  const msg = typeof record['msg'] === 'string' ? record['msg'] : '';
  parts.push(level >= 40 ? paint(color, BOLD, msg) : msg);
  const err = record['err'] as { message?: unknown } | undefined;
  if (err !== undefined) parts.push(`err=${valueText(err.message ?? err)}`);
  const used = new Set<string>();
  parts.push(...condensed(record, used));
  for (const [key, value] of Object.entries(record)) {
    if (PLACED.has(key) || used.has(key) || value === undefined) continue;
    parts.push(`${paint(color, DIM, `${key}=`)}${valueText(value)}`);
  }
  return [parts.join(' '), ...detailLines(record, level)].join('\n');
}

/**
 * A pino destination writing formatted lines to `stream`. A record that is not JSON (it never
 * should be) is passed through unchanged rather than lost.
 */
export function createPrettyDestination(
  stream: Writable,
  options: PrettyOptions,
): { write(chunk: string): boolean } {
  return {
    write(chunk: string): boolean {
      let text = chunk;
      try {
        const record = JSON.parse(chunk) as unknown;
        if (typeof record === 'object' && record !== null && !Array.isArray(record))
          text = `${formatLogRecord(record as Record<string, unknown>, options)}\n`;
      } catch {
        // not a JSON record: written as is
      }
      return stream.write(text);
    },
  };
}
