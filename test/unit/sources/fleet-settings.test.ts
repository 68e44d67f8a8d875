// Fleet settings: flags > environment > speaker config file > defaults (host name, no labels, no
// etcd), with E_USAGE naming a bad value; and the fleet status table.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderFleet } from '../../../src/cli/fleet.js';
import type { SpeakerRecord } from '../../../src/sources/etcd-fleet.js';
import { isConverged } from '../../../src/sources/etcd-fleet.js';
import { buildFleetSettings } from '../../../src/sources/fleet-settings.js';

const dir = mkdtempSync(join(tmpdir(), 'fleet-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('buildFleetSettings', () => {
  it('defaults to the host name, no labels and no etcd', () => {
    expect(buildFleetSettings({}, {}, 'host-1')).toEqual({
      speaker: { name: 'host-1', labels: {} },
      etcd: null,
    });
  });

  it('layers flags over the environment over the config file', () => {
    const file = join(dir, 'speaker.yaml');
    writeFileSync(file, 'name: from-file\nlabels: {site: file, rack: r1}\n');
    const s = buildFleetSettings(
      { 'speaker-config': file, 'speaker-label': ['site=flag'] },
      {
        EXABGP_RECONCILER_SPEAKER: 'from-env',
        EXABGP_RECONCILER_SPEAKER_LABELS: 'site=env,region=eu',
        EXABGP_RECONCILER_ETCD_ENDPOINTS: 'http://127.0.0.1:2379, http://127.0.0.2:2379',
      },
      'host-1',
    );
    expect(s.speaker).toEqual({
      name: 'from-env',
      labels: { site: 'flag', rack: 'r1', region: 'eu' },
    });
    expect(s.etcd?.endpoints).toEqual(['http://127.0.0.1:2379', 'http://127.0.0.2:2379']);
    expect(s.etcd?.prefix).toBe('/exabgp-reconciler');
  });

  it.each([
    [{ speaker: 'bad name' }, /invalid --speaker "bad name"/],
    [{ 'speaker-label': ['nokey'] }, /invalid --speaker-label "nokey"/],
    [{ 'etcd-endpoints': '127.0.0.1:2379' }, /expected http\(s\):\/\/HOST:PORT/],
    [
      { 'etcd-endpoints': 'http://127.0.0.1:2379', 'etcd-prefix': 'no-slash' },
      /invalid --etcd-prefix/,
    ],
  ])('refuses %j', (flags, message) => {
    expect(() => buildFleetSettings(flags, {}, 'h')).toThrow(message);
  });
});

const record = (name: string, over: Partial<SpeakerRecord> = {}): SpeakerRecord => ({
  format: 1,
  name,
  labels: { site: 'pop' },
  exabgp: { version: '4.2.21', dialect: '4.2', instance: null },
  desiredRevision: 7,
  heldRevision: 7,
  desiredCount: 1,
  announcedCount: 1,
  pendingCount: 0,
  lastReconcile: { outcome: 'applied', at: 1 },
  diagnostics: 0,
  guard: { blocked: false },
  etcdConnected: true,
  updatedAt: 1,
  ...over,
});

describe('convergence and the fleet table', () => {
  it.each([
    ['on the current revision, clean', {}, true],
    ['an older revision applied', { desiredRevision: 6 }, false],
    ['lines pending', { pendingCount: 2 }, false],
    ['the guard blocking', { guard: { blocked: true } }, false],
    ['an input error', { diagnostics: 1 }, false],
    ['etcd unreachable (fail static)', { etcdConnected: false }, false],
  ] as const)('a speaker %s: converged %s', (_n, over, expected) => {
    expect(isConverged(record('a', over), 7)).toBe(expected);
  });

  it('names the speakers that have not converged', () => {
    const a = record('pop-a');
    const b = record('pop-b', { desiredRevision: 6, guard: { blocked: true } });
    const text = renderFleet({
      revision: 7,
      held: null,
      speakers: [
        { record: a, converged: true },
        { record: b, converged: false },
      ],
      converged: false,
    });
    expect(text).toBe(
      'desired revision 7\n' +
        'pop-a  converged      applied 7  announced 1  pending 0                 site=pop\n' +
        'pop-b  not converged  applied 6  announced 1  pending 0  guard blocked  site=pop\n' +
        'not converged: pop-b\n',
    );
  });
});
