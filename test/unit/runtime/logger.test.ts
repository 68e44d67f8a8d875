import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatLogRecord } from '../../../src/runtime/log-pretty.js';
import {
  createLogger,
  resolveLogFormat,
  type LogFormat,
  type LogFormatSetting,
} from '../../../src/runtime/logger.js';

function capture(tty = false): { stream: Writable; text: () => string } {
  let out = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  if (tty) (stream as Writable & { isTTY: boolean }).isTTY = true;
  return { stream, text: () => out };
}

describe('createLogger', () => {
  it.each<[LogFormat, RegExp]>([
    ['json', /^\{"level":30,.*"name":"exabgp-reconciler".*"msg":"hello"\}\n$/],
    ['pretty', /^\d\d:\d\d:\d\d\.\d{3} INFO {2}hello\n$/],
  ])('writes %s lines to the given stream', async (format, expected) => {
    const { stream, text } = capture();
    const logger = createLogger({ level: 'info', format, stream });
    logger.info('hello');
    await new Promise((resolve) => setImmediate(resolve));
    expect(text()).toMatch(expected);
  });

  it('pretty lines carry colour only when asked', () => {
    const plain = capture();
    createLogger({ level: 'info', format: 'pretty', stream: plain.stream }).warn('careful');
    expect(plain.text()).not.toContain('\x1b[');
    const coloured = capture();
    createLogger({ level: 'info', format: 'pretty', stream: coloured.stream, colorize: true }).warn(
      'careful',
    );
    expect(coloured.text()).toContain('\x1b[33mWARN');
  });
});

describe('resolveLogFormat', () => {
  it.each<[LogFormatSetting, boolean, Record<string, string>, LogFormat, boolean]>([
    ['auto', true, {}, 'pretty', true],
    ['auto', true, { NO_COLOR: '1' }, 'pretty', false],
    ['auto', true, { NO_COLOR: '' }, 'pretty', true],
    ['auto', false, {}, 'json', false],
    ['json', true, {}, 'json', false],
    ['pretty', false, {}, 'pretty', false],
    ['pretty', true, {}, 'pretty', true],
  ])('%s with tty=%s env=%j gives %s (colour %s)', (setting, tty, env, format, colorize) => {
    expect(resolveLogFormat(setting, capture(tty).stream, env)).toEqual({ format, colorize });
  });
});

describe('formatLogRecord', () => {
  const time = Date.UTC(2026, 0, 2, 3, 4, 5, 6);

  it('puts time, level, component and reconcile id before the message, the rest as key=value', () => {
    const line = formatLogRecord(
      {
        level: 30,
        time,
        pid: 1,
        hostname: 'h',
        name: 'exabgp-reconciler',
        component: 'http',
        reconcile_id: 7,
        msg: 'stopping',
        reason: 'stdin closed',
        ack: true,
      },
      { color: false },
    );
    expect(line).toBe('03:04:05.006 INFO  http: #7 stopping reason="stdin closed" ack=true');
  });

  it('condenses a reconcile summary into plan counts, acked lines and duration', () => {
    const line = formatLogRecord(
      {
        level: 30,
        time,
        msg: 'reconcile done',
        announce: 12,
        update: 1,
        withdraw: 2,
        unchanged: 40,
        duration_ms: 21,
        outcome: 'applied',
        lines: { written: 9, done: 8, errors: 1, timeouts: 0 },
      },
      { color: false },
    );
    expect(line).toBe(
      '03:04:05.006 INFO  reconcile done +12 ~1 -2 (=40) 8/9 lines acked, 1 rejected in 21 ms outcome=applied',
    );
  });

  it('lists each diagnostic on its own indented line', () => {
    const text = formatLogRecord(
      {
        level: 40,
        time,
        msg: 'invalid routes: keeping the last good desired state',
        diagnostics: ['routes.d/a.yaml:3:5: error E_SCHEMA: routes[0].prefix: bad'],
        count: 1,
      },
      { color: false },
    );
    expect(text.split('\n')).toEqual([
      '03:04:05.006 WARN  invalid routes: keeping the last good desired state count=1',
      '    routes.d/a.yaml:3:5: error E_SCHEMA: routes[0].prefix: bad',
    ]);
  });

  it('shows an error message inline and its stack at error level', () => {
    const text = formatLogRecord(
      {
        level: 50,
        time,
        msg: 'reconcile failed',
        code: 'E_INTERNAL',
        err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at f (x.js:1:1)' },
      },
      { color: false },
    );
    expect(text).toBe(
      '03:04:05.006 ERROR reconcile failed err=boom code=E_INTERNAL\n    at f (x.js:1:1)',
    );
  });

  it('quotes values with spaces or control characters, so one record stays one line', () => {
    const line = formatLogRecord(
      { level: 20, time, msg: 'command written', line: 'announce route 10.0.0.0/24\nshutdown' },
      { color: false },
    );
    expect(line).toBe(
      '03:04:05.006 DEBUG command written line="announce route 10.0.0.0/24\\nshutdown"',
    );
    expect(line.split('\n')).toHaveLength(1);
  });
});
