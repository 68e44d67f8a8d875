// `status`: the reconciler's state at a glance, from a running `run` (GET /ui/state) or, offline,
// from its ledger (read-only). The product goes to stdout; problems to stderr. Exit codes: 0
// converged, 1 error, 2 not converged, 3 the mass-withdraw guard holds a plan.
import { resolve } from 'node:path';
import { familyOf, type Route, type RouteSet } from '../core/route.js';
import { readLedgerSnapshot } from '../ledger/snapshot.js';
import { parseCommandArgs, usageError } from './args.js';
import { DEFAULT_URL, endpointOf, errorOf, requestJson } from './http-client.js';
import { errorText, EXIT, writeLine, type CliIo } from './io.js';
import {
  renderLiveStatus,
  renderOfflineStatus,
  type OfflineStatus,
  type UiState,
} from './status-text.js';

export const STATUS_USAGE = `usage: exabgp-reconciler status [--url URL | --state-dir DIR] [--format text|json]

Is it converged, and if not why: the ExaBGP version and instance, desired and announced routes
per family, pending routes, the last reconciles, input diagnostics with file:line:col, a plan held
by the mass-withdraw guard (with its hash), --verify results and neighbors.

options:
  --url URL          a running reconciler's HTTP API (reads GET /ui/state)  [${DEFAULT_URL}]
  --state-dir DIR    offline: read the ledger in DIR instead (read-only, safe while run is live;
                     shows what ExaBGP acknowledged, not the live state)
  --format text|json                                                       [text]
  -h, --help

exit status: 0 converged, 1 error (unreachable, bad arguments, unreadable ledger),
2 not converged (see the reasons), 3 the mass-withdraw guard holds a plan (confirm it with
\`exabgp-reconciler confirm --url URL HASH\`). Offline: 0, or 2 when routes are pending.
`;

const OPTIONS = {
  url: { type: 'string' },
  'state-dir': { type: 'string' },
  format: { type: 'string' },
} as const;

export async function statusCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs('status', argv, OPTIONS, STATUS_USAGE, io);
  if (parsed.kind === 'exit') return parsed.code;
  const { url, 'state-dir': stateDir, format = 'text' } = parsed.values;
  if (format !== 'text' && format !== 'json')
    return usageError(
      'status',
      `invalid --format "${format}": expected text, json`,
      STATUS_USAGE,
      io,
    );
  if (url !== undefined && stateDir !== undefined)
    return usageError('status', '--url and --state-dir are exclusive', STATUS_USAGE, io);
  try {
    if (stateDir !== undefined) return offline(resolve(io.cwd, stateDir), format, io);
    return await live(url ?? DEFAULT_URL, format, io);
  } catch (err) {
    writeLine(io.stderr, `exabgp-reconciler status: ${errorText(err)}`);
    return EXIT.error;
  }
}

async function live(url: string, format: 'text' | 'json', io: CliIo): Promise<number> {
  const res = await requestJson(endpointOf(url, '/ui/state'));
  if (res.status !== 200 || typeof res.body !== 'object' || res.body === null) {
    writeLine(
      io.stderr,
      `exabgp-reconciler status: ${url}/ui/state answered ${res.status}: ${errorOf(res.body)}`,
    );
    return EXIT.error;
  }
  const state = res.body as UiState;
  if (format === 'json') writeLine(io.stdout, JSON.stringify(state, null, 2));
  else io.stdout.write(renderLiveStatus(state, url, Date.now()));
  if (state.status.guard.blocked) return EXIT.guard;
  return state.verdict.converged ? EXIT.ok : EXIT.changes;
}

function countFamilies(routes: Iterable<Pick<Route, 'afi' | 'safi'>>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of routes) counts[familyOf(r)] = (counts[familyOf(r)] ?? 0) + 1;
  return counts;
}

function offline(stateDir: string, format: 'text' | 'json', io: CliIo): number {
  const snapshot = readLedgerSnapshot(stateDir);
  const desired = snapshot.desiredSources.flatMap((s) => s.routes);
  const announced: RouteSet = snapshot.announced;
  const status: OfflineStatus = {
    state_dir: stateDir,
    instance: snapshot.instance,
    announced_count: announced.size,
    pending_count: snapshot.pending.size,
    families: {
      announced: countFamilies(announced.values()),
      last_applied_desired: countFamilies([...desired, ...snapshot.apiRoutes]),
    },
    api_routes: snapshot.apiRoutes.length,
  };
  if (format === 'json') writeLine(io.stdout, JSON.stringify(status, null, 2));
  else io.stdout.write(renderOfflineStatus(status));
  return snapshot.pending.size === 0 ? EXIT.ok : EXIT.changes;
}
