// `plan` and health gates: without --from-state every gate is open (a plan runs no checks); with
// --from-state the check states the ledger persisted decide, and each is printed on stderr.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/ledger/ledger.js';
import { runCli } from '../helpers/spawn-cli.js';

const root = mkdtempSync(join(tmpdir(), 'plan-health-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const FILE = `checks:
  svc: {kind: tcp, host: 127.0.0.1, port: 9}
  web: {kind: http, url: 'http://127.0.0.1:9/', initial: up}
routes:
  - prefix: 10.1.0.0/24
    next-hop: 192.0.2.1
    health: svc
  - prefix: 10.2.0.0/24
    next-hop: 192.0.2.1
    med: 10
    health: web
    on-down: {drain: {med: 500}}
`;

describe('plan with health gates', () => {
  const routes = join(root, 'routes.d');
  mkdirSync(routes);
  writeFileSync(join(routes, 'a.yaml'), FILE);

  it('assumes every gate open without --from-state', async () => {
    const r = await runCli(['plan', '--routes', routes, '--format', 'commands']);
    expect(r.stdout).toBe(
      'announce route 10.1.0.0/24 next-hop 192.0.2.1\nannounce route 10.2.0.0/24 next-hop 192.0.2.1 med 10\n',
    );
  });

  it('applies the states persisted in the ledger with --from-state, and prints them', async () => {
    const state = join(root, 'state');
    const ledger = Ledger.open(state);
    ledger.setHealthState('web', 'down', Date.now());
    ledger.close();
    const r = await runCli([
      'plan',
      '--routes',
      routes,
      '--from-state',
      state,
      '--format',
      'commands',
    ]);
    // svc: nothing persisted, initial down (withheld); web: persisted down (drained).
    expect(r.stdout).toBe('announce route 10.2.0.0/24 next-hop 192.0.2.1 med 500\n');
    expect(r.stderr).toContain(
      'health check svc: down (no state in the ledger: its initial state)',
    );
    expect(r.stderr).toContain('health check web: down (from the ledger)');
  });
});
