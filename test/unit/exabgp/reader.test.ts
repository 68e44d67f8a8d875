import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  MAX_LINE_BYTES,
  parseExabgpLine,
  startExabgpReader,
  type ExabgpMessage,
} from '../../../src/exabgp/io/reader.js';

const JSON_UP =
  '{ "exabgp": "4.0.1", "time": 1795629746.25, "host" : "vm", "pid" : 26171, "ppid" : 1, "counter": 2, "type": "state", "neighbor": { "address": { "local": "127.0.0.1", "peer": "127.0.0.2" }, "asn": { "local": 65001, "peer": 65002 } , "state": "up" } }';
const JSON_DOWN =
  '{ "exabgp": "4.0.1", "time": 1.0, "host" : "vm", "pid" : 1, "ppid" : 1, "counter": 3, "type": "state", "neighbor": { "address": { "local": "127.0.0.1", "peer": "127.0.0.2" }, "asn": { "local": 65001, "peer": 65002 } , "state": "down", "reason": "peer reset, message (notification sent (6,2))" } }';
const JSON_SHUTDOWN =
  '{ "exabgp": "4.0.1", "time": 1795630216.42, "host" : "vm", "pid" : 10790, "ppid" : 1, "type": "notification", "notification": "shutdown" }';
const JSON_UPDATE =
  '{ "exabgp": "4.0.1", "time": 1.0, "host" : "vm", "pid" : 1, "ppid" : 1, "counter": 4, "type": "update", "neighbor": { "message": { "eor": { "afi" : "ipv4", "safi" : "unicast" } } } }';

describe('parseExabgpLine', () => {
  it.each<[string, string, ExabgpMessage]>([
    ['an ack', 'done', { kind: 'ack', ok: true }],
    ['a rejection', 'error', { kind: 'ack', ok: false }],
    ['an ack with a carriage return', 'done\r', { kind: 'ack', ok: true }],
    ['an empty line after a text event', '', { kind: 'empty' }],
    ['the text shutdown notice', 'shutdown 31425 1', { kind: 'shutdown', pid: 31425, ppid: 1 }],
    ['the JSON shutdown notice', JSON_SHUTDOWN, { kind: 'shutdown', pid: 10790, ppid: 1 }],
    [
      'a text connected event',
      'neighbor 127.0.0.2 connected',
      { kind: 'neighbor', address: '127.0.0.2', state: 'connected' },
    ],
    [
      'a text up event',
      'neighbor 127.0.0.2 up',
      { kind: 'neighbor', address: '127.0.0.2', state: 'up' },
    ],
    [
      'a text down event with its reason',
      'neighbor 127.0.0.2 down - stop, message [shutting down]',
      {
        kind: 'neighbor',
        address: '127.0.0.2',
        state: 'down',
        reason: 'stop, message [shutting down]',
      },
    ],
    ['a JSON up event', JSON_UP, { kind: 'neighbor', address: '127.0.0.2', state: 'up' }],
    [
      'a JSON down event',
      JSON_DOWN,
      {
        kind: 'neighbor',
        address: '127.0.0.2',
        state: 'down',
        reason: 'peer reset, message (notification sent (6,2))',
      },
    ],
    ['a JSON update event', JSON_UPDATE, { kind: 'event', type: 'update' }],
    [
      'show adj-rib out output',
      'neighbor 127.0.0.2 ipv4 unicast 10.0.0.0/24 next-hop 10.1.1.1',
      { kind: 'text', text: 'neighbor 127.0.0.2 ipv4 unicast 10.0.0.0/24 next-hop 10.1.1.1' },
    ],
    [
      'extensive show output naming a neighbor',
      'neighbor 127.0.0.2 local-ip 127.0.0.1 local-as 65001 peer-as 65002 router-id 1.1.1.1 family-allowed in-open ipv4 unicast 10.0.1.0/24 next-hop 10.1.1.1',
      {
        kind: 'text',
        text: 'neighbor 127.0.0.2 local-ip 127.0.0.1 local-as 65001 peer-as 65002 router-id 1.1.1.1 family-allowed in-open ipv4 unicast 10.0.1.0/24 next-hop 10.1.1.1',
      },
    ],
    // text encoder with `receive { update; }` etc. (response/text.py): events, never output
    [
      'a received update start (text encoder)',
      'neighbor 127.0.0.2 receive update start',
      { kind: 'event', type: 'update' },
    ],
    [
      'a received announce (text encoder)',
      'neighbor 127.0.0.2 receive update announced 10.0.0.0/24 next-hop 127.0.0.2 origin igp',
      { kind: 'event', type: 'update' },
    ],
    [
      'a sent keepalive (text encoder)',
      'neighbor 2001:db8::2 send keepalive',
      { kind: 'event', type: 'keepalive' },
    ],
    [
      'a received notification (text encoder)',
      'neighbor 127.0.0.2 receive notification code 6 subcode 2 data ',
      { kind: 'event', type: 'notification' },
    ],
    ['a raw message category', 'neighbor 127.0.0.2 receive 4', { kind: 'event', type: '4' }],
    ['raw message bytes', ' header FFFF001304 body 0000', { kind: 'event', type: 'raw' }],
    [
      'a line that only looks like a message',
      'neighbor 127.0.0.2 receiver 10.0.0.0/24',
      { kind: 'text', text: 'neighbor 127.0.0.2 receiver 10.0.0.0/24' },
    ],
    ['the version answer', 'exabgp 4.2.21', { kind: 'text', text: 'exabgp 4.2.21' }],
    [
      'a shutdown word inside other text',
      'shutdown in progress',
      { kind: 'text', text: 'shutdown in progress' },
    ],
    ['malformed JSON', '{ "exabgp":', { kind: 'text', text: '{ "exabgp":' }],
  ])('classifies %s', (_name, line, expected) => {
    expect(parseExabgpLine(line)).toEqual(expected);
  });
});

describe('startExabgpReader', () => {
  function collect(): {
    stream: PassThrough;
    messages: ExabgpMessage[];
    ended: Promise<Error | undefined>;
  } {
    const stream = new PassThrough();
    const messages: ExabgpMessage[] = [];
    const ended = new Promise<Error | undefined>((resolve) => {
      startExabgpReader(stream, { onMessage: (m) => messages.push(m), onEnd: resolve });
    });
    return { stream, messages, ended };
  }

  it('reassembles lines split across chunks and keeps interleaved show output in order', async () => {
    const { stream, messages, ended } = collect();
    stream.write('do');
    stream.write(
      'ne\nneighbor 127.0.0.2 ipv4 unicast 10.0.0.0/24 next-hop 10.1.1.1\nneighbor 127.0.0.2 up\n\n',
    );
    stream.end('error\n');
    await ended;
    expect(messages.map((m) => m.kind)).toEqual(['ack', 'text', 'neighbor', 'empty', 'ack']);
  });

  it('drops a line longer than the cap whole, without buffering it, and reads on after it', async () => {
    const { stream, messages, ended } = collect();
    const chunk = 'x'.repeat(256 * 1024);
    stream.write('done\n');
    for (let i = 0; i < 20; i += 1) stream.write(chunk); // 5 MiB without a newline
    stream.write(`${chunk}\nerror\n`);
    stream.end(`${'y'.repeat(MAX_LINE_BYTES + 1)}\ndone\n`);
    await ended;
    expect(messages.map((m) => m.kind)).toEqual(['ack', 'oversized', 'ack', 'oversized', 'ack']);
    expect(messages[1]).toEqual({ kind: 'oversized', bytes: 21 * chunk.length });
  });

  it('delivers a final line without a newline at EOF and reports the end', async () => {
    const { stream, messages, ended } = collect();
    stream.end('shutdown 1 2');
    expect(await ended).toBeUndefined();
    expect(messages).toEqual([{ kind: 'shutdown', pid: 1, ppid: 2 }]);
  });

  it('keeps reading while nobody consumes the messages synchronously', async () => {
    const { stream, messages, ended } = collect();
    const many = 'done\n'.repeat(20_000);
    stream.end(many);
    await ended;
    expect(messages).toHaveLength(20_000);
  });
});
