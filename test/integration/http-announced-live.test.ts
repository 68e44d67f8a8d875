// `plan --from-url` and `--from-state` readers: the announced document served by a real listening
// server loads back to the same routes, and a ledger is read read-only.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  announcedEndpoint,
  readAnnouncedFromState,
  readAnnouncedFromUrl,
} from '../../src/cli/announced-live.js';
import { routeKey, type Route } from '../../src/core/route.js';
import { startHttpServer, type HttpServerHandle } from '../../src/http/listen.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { createSilentLogger } from '../../src/runtime/logger.js';
import { route } from '../helpers/routes.js';
import { makeHarness, type Harness } from '../unit/http/server-helpers.js';

const ANNOUNCED: readonly Route[] = [
  route({ prefix: '198.51.100.0/24', med: 5, community: ['65000:1'] }),
  route({ prefix: '198.51.101.0/24', med: 5, community: ['65000:1'] }),
  route({ prefix: '2001:db8::/48', asPath: { sequence: [65001], set: [65002, 65003] } }),
  route({ prefix: '203.0.113.0/24', target: '192.0.2.7', localPreference: 50 }),
  route({ prefix: '10.0.0.0/24', rd: '65000:1', label: [100] }),
];

function keyValues(routes: Iterable<Route>): string[] {
  return [...routes].map((r) => `${routeKey(r)} => ${r.value}`).sort();
}

describe('readAnnouncedFromUrl', () => {
  let h: Harness;
  let handle: HttpServerHandle;
  let base: string;

  beforeAll(async () => {
    h = makeHarness({ announced: ANNOUNCED });
    handle = startHttpServer(h.app, { host: '127.0.0.1', port: 0 }, createSilentLogger());
    base = `http://127.0.0.1:${(await handle.listening).port}`;
  });

  afterAll(async () => {
    await handle.stop();
  });

  it.each(['', '/', '/v1/announced'])(
    'reads the announced routes of a live instance (url suffix %j)',
    async (suffix) => {
      const result = await readAnnouncedFromUrl(`${base}${suffix}`);
      expect(result.ok).toBe(true);
      if (result.ok) expect(keyValues(result.value.values())).toEqual(keyValues(ANNOUNCED));
    },
  );

  it('fails with E_IO_READ when the server answers an error', async () => {
    h.backend.getAnnounced = () => {
      throw new Error('boom');
    };
    await expect(readAnnouncedFromUrl(base)).rejects.toMatchObject({
      code: 'E_IO_READ',
      message: expect.stringContaining('500'),
    });
  });

  it('fails with E_IO_READ when nothing listens', async () => {
    await expect(readAnnouncedFromUrl('http://127.0.0.1:1')).rejects.toMatchObject({
      code: 'E_IO_READ',
    });
  });

  it.each(['not a url', 'ftp://host/'])('rejects the url %j with E_USAGE', (url) => {
    expect(() => announcedEndpoint(url)).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });
});

describe('readAnnouncedFromState', () => {
  it('reads acknowledged and pending routes from a ledger, the pending keys as unknown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'announced-state-'));
    const ledger = Ledger.open(join(dir, 'state'));
    const [a, b] = ANNOUNCED as [Route, Route];
    ledger.markPending([
      { route: a, commit: 'set' },
      { route: b, commit: 'set' },
    ]);
    ledger.settle([
      { kind: 'set', route: a },
      { kind: 'clear', key: routeKey(a) },
    ]);
    const result = await readAnnouncedFromState('state', dir);
    ledger.close();
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(keyValues(result.value.routes.values())).toEqual(keyValues([a, b]));
    expect([...result.value.unknown]).toEqual([routeKey(b)]);
  });

  it('fails with E_STATE when there is no ledger', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'announced-state-'));
    await expect(readAnnouncedFromState('missing', dir)).rejects.toMatchObject({ code: 'E_STATE' });
  });
});
