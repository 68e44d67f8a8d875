import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../../src/runtime/clock.js';
import { startExabgpReader } from '../../../src/exabgp/io/reader.js';
import { ExabgpWriter, type WriterOptions } from '../../../src/exabgp/io/writer.js';
import { FakeExabgp, type FakeExabgpOptions } from '../../helpers/fake-exabgp.js';

const OPTIONS: WriterOptions = {
  ack: true,
  maxInFlightLines: 4,
  maxInFlightBytes: 1024,
  ackTimeoutMs: 1000,
  quietAfterTimeoutMs: 200,
};

function setup(
  fake: FakeExabgpOptions = {},
  options: Partial<WriterOptions> = {},
): { exabgp: FakeExabgp; writer: ExabgpWriter } {
  const exabgp = new FakeExabgp(fake);
  const writer = new ExabgpWriter(exabgp.stdout, { ...OPTIONS, ...options }, systemClock);
  startExabgpReader(exabgp.stdin, {
    onMessage: (m) => {
      if (m.kind === 'ack') writer.handleAck(m.ok);
    },
    onEnd: () => writer.close('stdin closed'),
  });
  return { exabgp, writer };
}

const line = (i: number): string => `announce route 10.0.${i}.0/24 next-hop 192.0.2.1`;

describe('ExabgpWriter', () => {
  it('matches acks to lines in order, including a rejection', async () => {
    const { writer } = setup({ answer: (_l, i) => (i === 1 ? 'error' : 'done') });
    const sent = [];
    for (let i = 0; i < 3; i += 1) sent.push(await writer.write(line(i)));
    expect(await Promise.all(sent.map((s) => s.ack))).toEqual(['done', 'error', 'done']);
  });

  it('never has more unacknowledged lines than the window', async () => {
    const { exabgp, writer } = setup({ hold: true });
    const writes = Promise.all(Array.from({ length: 10 }, (_v, i) => writer.write(line(i))));
    await vi.waitFor(() => expect(exabgp.lines).toHaveLength(4));
    await new Promise((r) => setTimeout(r, 10));
    expect(exabgp.lines).toHaveLength(4);
    exabgp.release();
    const sent = await writes;
    expect(await Promise.all(sent.map((s) => s.ack))).toEqual(Array(10).fill('done'));
  });

  it('bounds the unacknowledged bytes but still sends one oversized line alone', async () => {
    const { exabgp, writer } = setup({ hold: true }, { maxInFlightBytes: 100 });
    const big = `announce attributes next-hop 192.0.2.1 nlri ${Array.from({ length: 20 }, (_v, i) => `10.${i}.0.0/16`).join(' ')}`;
    const first = await writer.write(big);
    const second = writer.write(line(1));
    await new Promise((r) => setTimeout(r, 10));
    expect(exabgp.lines).toEqual([big]);
    exabgp.release();
    expect(await first.ack).toBe('done');
    expect(await (await second).ack).toBe('done');
  });

  it('waits for drain when the pipe is full and never writes a partial line', async () => {
    const { exabgp, writer } = setup({ highWaterMark: 16 }, { maxInFlightLines: 100 });
    exabgp.block();
    let resolved = false;
    const pending = writer.write(line(1)).then((s) => {
      resolved = true;
      return s;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(resolved).toBe(false);
    exabgp.unblock();
    expect(await (await pending).ack).toBe('done');
    expect(exabgp.raw).toBe(`${line(1)}\n`);
  });

  it('settles lines as written at once when acks are off', async () => {
    const { exabgp, writer } = setup({ answer: () => 'none' }, { ack: false });
    const sent = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => writer.write(line(i))));
    expect(await Promise.all(sent.map((s) => s.ack))).toEqual(Array(6).fill('written'));
    expect(exabgp.lines).toHaveLength(6);
  });

  it('turns EPIPE into closed lines and a pipe-closed error for the next write', async () => {
    const { exabgp, writer } = setup({ hold: true });
    const sent = await writer.write(line(1));
    exabgp.breakPipe();
    expect(await sent.ack).toBe('closed');
    expect(writer.closed).toBe(true);
    await expect(writer.write(line(2))).rejects.toMatchObject({ code: 'E_EXABGP_PIPE_CLOSED' });
  });

  it('refuses a line that is not printable ASCII', async () => {
    const { exabgp, writer } = setup();
    await expect(
      writer.write('announce route 10.0.0.0/24 next-hop 192.0.2.1\nshutdown'),
    ).rejects.toThrow(/BUG/);
    await expect(
      writer.write('announce route 10.0.0.0/24 next-hop self name café'),
    ).rejects.toThrow(/BUG/);
    expect(exabgp.lines).toEqual([]);
  });

  it('treats stdin EOF as ExaBGP gone', async () => {
    const { exabgp, writer } = setup({ hold: true });
    const sent = await writer.write(line(1));
    exabgp.endStdin();
    expect(await sent.ack).toBe('closed');
  });
});

describe('ExabgpWriter ack timeout', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('times out every outstanding line when no ack makes progress', async () => {
    const { writer } = setup({ answer: () => 'none' });
    const a = await writer.write(line(1));
    const b = await writer.write(line(2));
    await vi.advanceTimersByTimeAsync(999);
    expect(writer.inFlight).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(await a.ack).toBe('timeout');
    expect(await b.ack).toBe('timeout');
    expect(writer.stats.timeouts).toBe(2);
  });

  it('measures the timeout from the last ack, so a long queue of slow acks is fine', async () => {
    const { exabgp, writer } = setup({ hold: true });
    const sent = [];
    for (let i = 0; i < 4; i += 1) sent.push(await writer.write(line(i)));
    for (let i = 0; i < 4; i += 1) {
      await vi.advanceTimersByTimeAsync(800);
      exabgp.release();
      exabgp.holdAnswers();
    }
    expect(await Promise.all(sent.map((s) => s.ack))).toEqual(Array(4).fill('done'));
  });

  it('waits longer for a line written with its own ack timeout (a show command), then times it out', async () => {
    const { writer } = setup({ answer: () => 'none' });
    const show = await writer.write('show adj-rib out extensive', { ackTimeoutMs: 5000 });
    await vi.advanceTimersByTimeAsync(4999);
    expect(writer.inFlight).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await show.ack).toBe('timeout');
  });

  it('counts output lines of the outstanding command as progress', async () => {
    const { writer } = setup({ answer: () => 'none' });
    const show = await writer.write('show adj-rib out extensive');
    for (let i = 0; i < 5; i += 1) {
      await vi.advanceTimersByTimeAsync(800);
      writer.noteProgress();
    }
    expect(writer.inFlight).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await show.ack).toBe('timeout');
  });

  it('falls back to its own ack timeout once the long-waiting line is answered', async () => {
    const { exabgp, writer } = setup({ hold: true });
    const show = await writer.write('show adj-rib out extensive', { ackTimeoutMs: 5000 });
    await vi.advanceTimersByTimeAsync(3000);
    exabgp.release();
    exabgp.setAnswer(() => 'none');
    expect(await show.ack).toBe('done');
    const next = await writer.write(line(1));
    await vi.advanceTimersByTimeAsync(1000);
    expect(await next.ack).toBe('timeout');
  });

  it('waits for a quiet stdin after a timeout before writing again, ignoring late acks', async () => {
    const { exabgp, writer } = setup({ hold: true });
    const a = await writer.write(line(1));
    await vi.advanceTimersByTimeAsync(1000);
    expect(await a.ack).toBe('timeout');
    const next = writer.write(line(2));
    await vi.advanceTimersByTimeAsync(100);
    exabgp.release(); // the late `done` for line 1
    exabgp.holdAnswers();
    await vi.advanceTimersByTimeAsync(150);
    expect(exabgp.lines).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    await next;
    expect(exabgp.lines).toHaveLength(2);
    expect(writer.stats.unmatchedAcks).toBe(1);
  });

  it('keeps acks aligned when the text encoder reports received updates between them', async () => {
    // `receive { update; }` with `encoder text`: these lines come between our line and its answer.
    // Taken for a foreign command's output, they made the writer drop our `error` and give the
    // next line's `done` to this one: a rejected route committed as accepted.
    const received = [
      'neighbor 127.0.0.2 receive update start',
      'neighbor 127.0.0.2 receive update announced 10.9.0.0/24 next-hop 127.0.0.2 origin igp',
      'neighbor 127.0.0.2 receive update end',
    ];
    const exabgp = new FakeExabgp({
      answer: (_l, i) => (i === 0 ? 'error' : 'done'),
      output: () => received,
    });
    const writer = new ExabgpWriter(exabgp.stdout, OPTIONS, systemClock);
    startExabgpReader(exabgp.stdin, {
      onMessage: (m) => {
        if (m.kind === 'ack') writer.handleAck(m.ok);
        if (m.kind === 'text') writer.handleText(m.text);
      },
      onEnd: () => writer.close('stdin closed'),
    });
    const sent = [await writer.write(line(0)), await writer.write(line(1))];
    expect(await Promise.all(sent.map((s) => s.ack))).toEqual(['error', 'done']);
    expect(writer.stats.staleAnswers).toBe(0);
  });
});
