import { describe, expect, it } from 'vitest';
import { buildRunSettings, parseDuration } from '../../../src/config/settings.js';

describe('buildRunSettings', () => {
  it('uses documented defaults relative to the working directory', () => {
    const s = buildRunSettings({}, {}, '/srv/bgp');
    expect(s).toMatchObject({
      routesDir: '/srv/bgp/routes.d',
      stateDir: '/srv/bgp/.state',
      ack: 'auto',
      ackTimeoutMs: 30_000,
      maxInFlightLines: 64,
      debounceMs: 100,
      resyncIntervalMs: 300_000,
      confirmWithdraw: false,
      withdrawOnExit: false,
      exabgpPid: null,
      logFormat: 'json',
      verify: false,
      verifyIntervalMs: 0,
    });
    expect(Object.isFrozen(s)).toBe(true);
  });

  it('prefers flags over EXABGP_RECONCILER_* environment over defaults', () => {
    const env = {
      EXABGP_RECONCILER_STATE_DIR: '/var/lib/x',
      EXABGP_RECONCILER_ACK: 'off',
      EXABGP_RECONCILER_WITHDRAW_ON_EXIT: 'true',
    };
    const s = buildRunSettings({ ack: 'on' }, env, '/srv');
    expect(s).toMatchObject({ stateDir: '/var/lib/x', ack: 'on', withdrawOnExit: true });
  });

  it.each([
    ['--verify', { verify: true }, {}, { verify: true, verifyIntervalMs: 0 }],
    [
      '--verify-interval (implies --verify)',
      { 'verify-interval': '10m' },
      {},
      { verify: true, verifyIntervalMs: 600_000 },
    ],
    [
      'EXABGP_RECONCILER_VERIFY',
      {},
      { EXABGP_RECONCILER_VERIFY: '1' },
      { verify: true, verifyIntervalMs: 0 },
    ],
    [
      'EXABGP_RECONCILER_VERIFY_INTERVAL',
      {},
      { EXABGP_RECONCILER_VERIFY_INTERVAL: '1h' },
      { verify: true, verifyIntervalMs: 3_600_000 },
    ],
  ])('turns the deep check on with %s', (_name, flags, env, want) => {
    expect(buildRunSettings(flags, env, '/')).toMatchObject(want);
  });

  it('parses the guard limit', () => {
    expect(buildRunSettings({ 'max-withdraw': '25%' }, {}, '/').guard).toMatchObject({
      maxWithdrawShare: 0.25,
    });
  });

  it.each([
    [{ ack: 'maybe' }, 'invalid --ack "maybe"'],
    [{ 'ack-timeout': 'soon' }, 'invalid --ack-timeout "soon"'],
    [{ 'max-inflight': '0' }, 'invalid --max-inflight "0"'],
    [{ 'exabgp-pid': 'abc' }, 'invalid --exabgp-pid "abc"'],
    [{ 'max-withdraw': 'lots' }, 'invalid withdraw limit "lots"'],
    [{ 'verify-interval': 'hourly' }, 'invalid --verify-interval "hourly"'],
  ])('rejects %o with E_USAGE', (flags, message) => {
    expect(() => buildRunSettings(flags, {}, '/')).toThrow(
      expect.objectContaining({ code: 'E_USAGE', message: expect.stringContaining(message) }),
    );
  });
});

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['2', 2000],
    ['0', 0],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text, 'x')).toBe(ms);
  });
});
