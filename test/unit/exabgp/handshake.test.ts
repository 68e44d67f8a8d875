// The start-up handshake against a fake ExaBGP: the flush, the version, and the barrier that
// drops every answer owed to a dead predecessor (exabgp5.md §9).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/runtime/clock.js';
import { startExabgpReader } from '../../../src/exabgp/io/reader.js';
import { ExabgpWriter } from '../../../src/exabgp/io/writer.js';
import {
  BARRIER_LINE,
  FLUSH_LINE,
  NEIGHBORS_LINE,
  runHandshake,
  VERSION_LINE,
} from '../../../src/exabgp/io/handshake.js';
import { FakeExabgp, type FakeExabgpOptions } from '../../helpers/fake-exabgp.js';

const SUMMARY = [
  'Peer            AS        up/down state       |     #sent     #recvd',
  '127.0.41.1      64496     0:00:11 established         238          4',
];

function setup(fake: FakeExabgpOptions, ack = true): { exabgp: FakeExabgp; writer: ExabgpWriter } {
  const exabgp = new FakeExabgp(fake);
  const writer = new ExabgpWriter(
    exabgp.stdout,
    {
      ack,
      maxInFlightLines: 4,
      maxInFlightBytes: 4096,
      ackTimeoutMs: 500,
      quietAfterTimeoutMs: 50,
    },
    systemClock,
  );
  startExabgpReader(exabgp.stdin, {
    onMessage: (m) => {
      if (m.kind === 'ack') writer.handleAck(m.ok);
      if (m.kind === 'text') writer.handleText(m.text);
    },
    onEnd: () => writer.close('stdin closed'),
  });
  return { exabgp, writer };
}

const route = 'announce route 10.0.0.0/24 next-hop 192.0.2.1';

/** `show neighbor extensive` as both versions print it (abridged): one block per neighbor. */
const EXTENSIVE = [
  'Neighbor 127.0.41.1',
  '',
  '    Session                       Local',
  '   state                           ESTABLISHED',
  'Neighbor 2001:DB8:0::7',
  '   state                           IDLE',
];

/** ExaBGP as measured: the flush is not understood, version answers at once, the barrier queues. */
function exabgp(stale: readonly string[], version = 'exabgp 4.2.21'): FakeExabgpOptions {
  return {
    answer: (l) => (l === FLUSH_LINE ? 'error' : 'done'),
    output: (l) =>
      l === VERSION_LINE
        ? [version]
        : l === BARRIER_LINE
          ? [...stale, ...SUMMARY]
          : l === NEIGHBORS_LINE
            ? EXTENSIVE
            : [],
  };
}

describe('the families each neighbor is configured for', () => {
  it.each(['4.2', '5.0'])(
    'reads them from show neighbor extensive as ExaBGP %s prints it (measured)',
    async (v) => {
      const text = readFileSync(
        new URL(`../../fixtures/exabgp/show-neighbor-extensive-${v}.txt`, import.meta.url),
        'utf8',
      );
      const { writer } = setup({
        answer: () => 'done',
        output: (l) =>
          l === BARRIER_LINE ? SUMMARY : l === NEIGHBORS_LINE ? text.trimEnd().split('\n') : [],
      });
      const result = await runHandshake(writer, systemClock, 500);
      expect(result.neighbors).toEqual(['127.0.0.2', '127.0.0.3']);
      // 127.0.0.2 has `family { ipv4 unicast; ipv4 flow; }`; 127.0.0.3 no family block (all)
      expect([...(result.families?.get('127.0.0.2') ?? [])]).toEqual(['ipv4 unicast', 'ipv4 flow']);
      const all = result.families?.get('127.0.0.3');
      expect(all?.size).toBeGreaterThanOrEqual(17); // 4.2.21: 17, 5.0.13: 21
      expect(all?.has('ipv6 unicast') && all.has('ipv6 flow') && all.has('ipv4 mpls-vpn')).toBe(
        true,
      );
    },
  );
});

describe('the start-up handshake', () => {
  it('writes the flush, version and barrier before anything else and learns the version', async () => {
    const { exabgp: fake, writer } = setup(exabgp([], 'exabgp 5.0.13-20261201+-'));
    const result = await runHandshake(writer, systemClock, 500);
    expect(fake.lines).toEqual([FLUSH_LINE, VERSION_LINE, BARRIER_LINE, NEIGHBORS_LINE]);
    expect(result.outcome).toBe('done');
    expect(result.version?.text).toBe('5.0.13-20261201+-');
    // every configured neighbor, idle or not, canonical and sorted
    expect(result.neighbors).toEqual(['127.0.41.1', '2001:db8::7']);
  });

  it('learns no neighbors when show neighbor extensive is refused', async () => {
    const { writer } = setup({
      answer: (l) => (l === FLUSH_LINE || l === NEIGHBORS_LINE ? 'error' : 'done'),
      output: (l) => (l === BARRIER_LINE ? SUMMARY : []),
    });
    const result = await runHandshake(writer, systemClock, 500);
    expect(result.outcome).toBe('done');
    expect(result.neighbors).toBeUndefined();
  });

  it("skips a predecessor's barrier output that arrives during the neighbor query", async () => {
    // Our barrier was taken by a predecessor's summary; ours comes next, then our query's answer.
    const { writer } = setup({
      answer: (l) => (l === FLUSH_LINE ? 'error' : 'done'),
      output: (l) =>
        l === VERSION_LINE
          ? ['exabgp 4.2.21']
          : l === BARRIER_LINE
            ? [...SUMMARY, 'done', ...SUMMARY]
            : l === NEIGHBORS_LINE
              ? EXTENSIVE
              : [],
    });
    const result = await runHandshake(writer, systemClock, 500);
    expect(result.neighbors).toEqual(['127.0.41.1', '2001:db8::7']);
    const sent = await writer.write(route);
    expect(await sent.ack).toBe('done');
  });

  it('drops the answers a dead predecessor was owed, so our first line gets its own answer', async () => {
    // 11 answers for lines the killed process had handed over arrive before the barrier's output;
    // FIFO matching would have logged our valid line as rejected (the stale `error`).
    const stale = [
      'done',
      'error',
      'done',
      'done',
      'done',
      'done',
      'done',
      'done',
      'done',
      'done',
      'done',
    ];
    const { writer } = setup(exabgp(stale));
    const result = await runHandshake(writer, systemClock, 500);
    expect(result.dropped).toBe(stale.length + 2); // + the flush's error and version's done
    const sent = await writer.write(route);
    expect(await sent.ack).toBe('done');
    expect(writer.stats.acksError).toBe(0);
  });

  it('keeps the done ending a predecessor barrier output off our lines after a double respawn', async () => {
    // A process killed during its own handshake leaves its barrier queued: its output arrives
    // after ours was taken for the barrier, and the done that ends it is not our line's.
    const { exabgp: fake, writer } = setup({
      answer: (l) => (l === FLUSH_LINE ? 'error' : l === route ? 'error' : 'done'),
      output: (l) =>
        l === VERSION_LINE
          ? ['exabgp 4.2.21']
          : l === BARRIER_LINE
            ? SUMMARY
            : l === route
              ? [...SUMMARY, 'done']
              : [],
    });
    await runHandshake(writer, systemClock, 500);
    // Our route line is answered `error`, but after a foreign summary and its `done`.
    const sent = await writer.write(route);
    expect(await sent.ack).toBe('error');
    expect(writer.stats.staleAnswers).toBe(1);
    expect(fake.lines).toHaveLength(5);
  });

  it('times out when nothing answers and writes no route meanwhile', async () => {
    const { exabgp: fake, writer } = setup({ answer: () => 'none' });
    const result = await runHandshake(writer, systemClock, 60);
    expect(result.outcome).toBe('timeout');
    expect(result.version).toBeUndefined();
    expect(fake.lines).toEqual([FLUSH_LINE, VERSION_LINE, BARRIER_LINE]);
  });

  it('writes only the flush with acks off', async () => {
    const { exabgp: fake, writer } = setup({ answer: () => 'none' }, false);
    expect((await runHandshake(writer, systemClock, 60)).outcome).toBe('written');
    expect(fake.lines).toEqual([FLUSH_LINE]);
  });

  it('ends with closed when exabgp goes away during the wait', async () => {
    const { exabgp: fake, writer } = setup({ answer: () => 'none' });
    const pending = runHandshake(writer, systemClock, 5000);
    await fake.waitForLines(3);
    fake.stdin.end();
    expect((await pending).outcome).toBe('closed');
  });
});
