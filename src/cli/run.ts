// `run`: the ExaBGP API process. Wires settings, logger, ledger, instance identity, reader, writer,
// reconciler and watcher, and owns the exit policy: stdin EOF / shutdown notice / SIGTERM → exit 0
// with routes kept; a fatal configuration problem under ExaBGP waits for EOF instead of exiting.
import { errorText, isTty, type CliIo } from './io.js';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { buildRunSettings, ENV_PREFIX, type RunSettings } from '../config/settings.js';
import { isReconcilerError, ReconcilerError } from '../errors.js';
import { systemClock } from '../runtime/clock.js';
import { DesiredState } from '../runtime/desired-state.js';
import { startExabgpReader } from '../exabgp/io/reader.js';
import { ExabgpWriter } from '../exabgp/io/writer.js';
import {
  findExabgpAncestor,
  identifyProcess,
  sameInstance,
  type InstanceIdentity,
} from '../exabgp/io/instance.js';
import { Ledger, LEDGER_SCHEMA_VERSION } from '../ledger/ledger.js';
import { createLogger, LogField, resolveLogFormat, type Logger } from '../runtime/logger.js';
import { Reconciler } from '../runtime/reconciler.js';
import { shutdownSequence, waitForExabgpStop, type StopReason } from '../runtime/shutdown.js';
import { createVerifier } from '../runtime/verifier.js';
import { HealthRuntime, type HealthRuntimeOptions } from '../runtime/checks/health-runtime.js';
import { parseHealthFloor } from '../core/health.js';
import { parseDuration } from '../config/health.js';
import { dispatchExabgpMessage, type DispatchParts } from '../runtime/dispatch.js';
import { DEFAULT_DIALECT, DIALECTS, dialectForVersion, type Dialect } from '../exabgp/dialect.js';
import { runHandshake, type HandshakeResult } from '../exabgp/io/handshake.js';
import { LocalApiSource } from '../sources/api.js';
import { FileSource } from '../sources/files.js';
import {
  buildFleetSettings,
  FLEET_OPTIONS,
  type FleetSettings,
} from '../sources/fleet-settings.js';
import { FleetFloorLink } from '../runtime/checks/fleet-floor-link.js';
import { FLEET_PUBLISH_INTERVAL_MS, startFleet } from './fleet.js';
import type { HttpServerHandle } from '../http/listen.js';

/** `run` takes the same streams and environment as every command. */
export type RunIo = CliIo;

export const RUN_USAGE = `usage: exabgp-reconciler run [options]

The ExaBGP API process: put it in ExaBGP's process stanza (encoder text or json). It writes only
ExaBGP commands on stdout, reads ExaBGP's answers on stdin and logs on stderr (JSON lines, or
readable lines when stderr is a terminal).

options (flag > EXABGP_RECONCILER_<NAME> environment > default):
  --routes DIR             route files (*.yaml, *.yml)                      [routes.d]
  --state-dir DIR          ledger directory (ledger.sqlite)                 [.state]
  --ack on|off|auto        ExaBGP answers done/error (exabgp.api.ack); auto = on,
                           off when stdin is a terminal and no ExaBGP is found  [auto]
  --ack-timeout DUR        no answer for this long: lines stay pending       [30s]
  --max-inflight N         unacknowledged lines at most                     [64]
  --debounce-ms N          quiet period coalescing file events              [100]
  --resync-interval DUR    periodic full reconcile, 0 = off                 [5m]
  --max-withdraw N|P%      mass-withdraw guard limit (default: every route,
                           or more than 50% when more than 10 are announced)
  --broad-flow V4,V6       broad-flow guard: discard/rate-limit this wide   [8,32]
  --confirm-withdraw       apply the first guarded plan anyway (once)
  --withdraw-on-exit       on SIGTERM/SIGINT withdraw every announced route first
  --exit-timeout DUR       bound on the exit sequence                       [5s]
  --exabgp-pid PID         ExaBGP instance identity (default: nearest ExaBGP ancestor)
  --exabgp-version auto|4.2|5.0
                           the command dialect; auto asks ExaBGP (\`version\`) at start-up,
                           and assumes 4.2 when nothing answers (acks off)  [auto]
  --log-level LEVEL        trace, debug, info, warn, error                  [info]
  --log-format json|pretty JSON lines, or one readable line per event (coloured
                           unless NO_COLOR is set)    [pretty on a terminal, else json]
  --listen HOST:PORT|none  HTTP API address; non-loopback needs --token-file [127.0.0.1:5000]
  --token-file FILE        bearer token required by the mutating HTTP endpoints
  --body-limit SIZE        largest HTTP body (512k, 32m, 1g)                [32m]
  --verify                 after the first reconcile, compare ExaBGP's \`show adj-rib out
                           extensive\` with the ledger and repair drift (needs acks on;
                           slow: ExaBGP prints about 2k routes/s; sees config static routes
                           as drift, so do not mix them with ours on the same neighbors)
  --verify-interval DUR    repeat the check this often (implies --verify), 0 = once  [0]
  --health-floor N|P%      health checks: at least this many gated routes stay announced
                           (of those announced) when their checks fail; 0 = off  [50%]
  --health-fleet-floor N   in a fleet (etcd): a failing gated route is withdrawn only while at
                           least N other live speakers announce it with an open gate; else it
                           stays announced; 0 = off                         [1 with etcd]
  --health-concurrency N   exec health checks at once at most (socket checks:
                           sized from their timeouts, at least N, <= 512)  [32]
  --health-flap-limit N/DUR  a check changing state more than N times within DUR (with a unit: 60s)
                           is held down (flap damping)                      [4/60s]
fleet (see README "Running a fleet"):
  --speaker NAME           this speaker's name                              [host name]
  --speaker-label K=V      a label of this speaker (repeat; env SPEAKER_LABELS=k=v,k=v)
  --speaker-config FILE    YAML {name, labels}; flags and env override it
  --etcd-endpoints URL,... keep the api source in etcd, shared by the fleet
  --etcd-prefix PREFIX     key prefix in etcd                               [/exabgp-reconciler]
  --etcd-ca FILE  --etcd-cert FILE  --etcd-key FILE    TLS to etcd
  --etcd-user USER  --etcd-password-file FILE          etcd authentication
  -h, --help

Durations: 500ms, 30s, 5m, 1h (a bare number is seconds). SIGHUP reconciles at once, diffing
every route (as the --resync-interval timer does).
`;

const OPTIONS = {
  routes: { type: 'string' },
  'state-dir': { type: 'string' },
  ack: { type: 'string' },
  'ack-timeout': { type: 'string' },
  'max-inflight': { type: 'string' },
  'debounce-ms': { type: 'string' },
  'resync-interval': { type: 'string' },
  'max-withdraw': { type: 'string' },
  'broad-flow': { type: 'string' },
  'confirm-withdraw': { type: 'boolean' },
  'withdraw-on-exit': { type: 'boolean' },
  'exit-timeout': { type: 'string' },
  'exabgp-pid': { type: 'string' },
  'exabgp-version': { type: 'string' },
  'log-level': { type: 'string' },
  'log-format': { type: 'string' },
  listen: { type: 'string' },
  'token-file': { type: 'string' },
  'body-limit': { type: 'string' },
  verify: { type: 'boolean' },
  'verify-interval': { type: 'string' },
  'health-floor': { type: 'string' },
  'health-fleet-floor': { type: 'string' },
  'health-concurrency': { type: 'string' },
  'health-flap-limit': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  ...FLEET_OPTIONS,
} as const;

/** `--health-floor` and `--health-concurrency` (flag, else environment). Throws E_USAGE. */
function healthOptions(
  floorText: string | undefined,
  concurrencyText: string | undefined,
  flapText: string | undefined,
): HealthRuntimeOptions {
  const flap = flapText === undefined ? undefined : /^(\d{1,6})\/(.+)$/.exec(flapText);
  const windowMs = flap?.[2] === undefined ? undefined : parseDuration(flap[2]);
  if (flapText !== undefined && (windowMs === undefined || windowMs <= 0))
    throw new ReconcilerError(
      'E_USAGE',
      `invalid health-flap-limit "${flapText}": expected N/DURATION (4/60s)`,
    );
  const floor = floorText === undefined ? undefined : parseHealthFloor(floorText);
  if (floorText !== undefined && floor === undefined)
    throw new ReconcilerError('E_USAGE', `invalid health-floor "${floorText}": expected N or P%`);
  const concurrency = concurrencyText === undefined ? undefined : Number(concurrencyText);
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1))
    throw new ReconcilerError(
      'E_USAGE',
      `invalid health-concurrency "${concurrencyText ?? ''}": expected an integer >= 1`,
    );
  return {
    ...(floor === undefined ? {} : { floor }),
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(windowMs === undefined ? {} : { damping: { maxFlaps: Number(flap?.[1]), windowMs } }),
  };
}

/** `--health-fleet-floor N` (flag, else environment): 1 in a fleet with etcd, else off. */
function parseFleetFloor(text: string | undefined, fleet: FleetSettings): number {
  if (fleet.etcd === null) return 0;
  if (text === undefined) return 1;
  if (!/^\d{1,6}$/.test(text.trim()))
    throw new ReconcilerError(
      'E_USAGE',
      `invalid health-fleet-floor "${text}": expected an integer >= 0`,
    );
  return Number(text.trim());
}

/** The HTTP stack (fastify and its plugins, ~0.35 s to load): only when listening. */
function loadHttp(): Promise<typeof import('../http/start.js')> {
  return import('../http/start.js');
}

/** Run until ExaBGP goes away or a signal; resolves with the exit code. */
export async function runCommand(argv: readonly string[], io: RunIo): Promise<number> {
  let settings: RunSettings;
  let formatFlag: string | boolean | undefined;
  let fleet: FleetSettings;
  let health: HealthRuntimeOptions;
  let fleetFloor: number;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: OPTIONS,
      strict: true,
      allowPositionals: false,
    });
    if (values.help === true) {
      io.stdout.write(RUN_USAGE);
      return 0;
    }
    const {
      'speaker-label': _labels,
      'health-floor': floorFlag,
      'health-concurrency': concurrencyFlag,
      'health-flap-limit': flapFlag,
      'health-fleet-floor': fleetFloorFlag,
      ...runFlags
    } = values;
    settings = buildRunSettings(runFlags, io.env, io.cwd);
    health = healthOptions(
      floorFlag ?? io.env['EXABGP_RECONCILER_HEALTH_FLOOR'],
      concurrencyFlag ?? io.env['EXABGP_RECONCILER_HEALTH_CONCURRENCY'],
      flapFlag ?? io.env['EXABGP_RECONCILER_HEALTH_FLAP_LIMIT'],
    );
    fleet = buildFleetSettings(values, io.env, hostname());
    fleetFloor = parseFleetFloor(
      fleetFloorFlag ?? io.env['EXABGP_RECONCILER_HEALTH_FLEET_FLOOR'],
      fleet,
    );
    formatFlag = values['log-format'];
    if (settings.bodyLimit !== null) (await loadHttp()).parseBodyLimit(settings.bodyLimit);
  } catch (err) {
    return fatal(io, `exabgp-reconciler run: ${errorText(err)}`, findExabgpAncestor(process.ppid));
  }
  // No --log-format (flag or environment): readable on a terminal, JSON under ExaBGP and in pipes.
  const explicit = formatFlag !== undefined || logFormatInEnv(io.env);
  const logger = createLogger({
    level: settings.logLevel,
    stream: io.stderr,
    ...resolveLogFormat(explicit ? settings.logFormat : 'auto', io.stderr, io.env),
  });
  let instance: InstanceIdentity | undefined;
  let ledger: Ledger;
  try {
    instance = lookupInstance(settings);
    ledger = Ledger.open(settings.stateDir);
  } catch (err) {
    logger.fatal({ [LogField.code]: codeOf(err), [LogField.err]: err }, messageOf(err));
    return fatal(io, undefined, instance ?? findExabgpAncestor(process.ppid));
  }
  if (ledger.migratedFrom !== undefined) {
    logger.info(
      { ledger: ledger.path, from: ledger.migratedFrom, to: LEDGER_SCHEMA_VERSION },
      'ledger migrated to the current schema; every announced route and pending mark kept',
    );
  }
  try {
    return await runSession(io, settings, logger, ledger, instance ?? null, fleet, {
      ...health,
      ...(fleetFloor === 0
        ? {}
        : {
            fleetFloor: new FleetFloorLink(
              {
                self: fleet.speaker.name,
                min: fleetFloor,
                // Longer than the publish interval: a speaker closing at the same instant has
                // published its own intent by the time of the read that decides.
                settleMs: 2 * FLEET_PUBLISH_INTERVAL_MS,
                maxAgeMs: 10 * FLEET_PUBLISH_INTERVAL_MS,
              },
              systemClock,
            ),
          }),
    });
  } finally {
    ledger.close();
  }
}

/** EXABGP_RECONCILER_LOG_FORMAT chose a format (settings.ts already validated it). */
function logFormatInEnv(env: RunIo['env']): boolean {
  return env[`${ENV_PREFIX}LOG_FORMAT`] !== undefined;
}

function lookupInstance(settings: RunSettings): InstanceIdentity | undefined {
  if (settings.exabgpPid === null) return findExabgpAncestor(process.ppid);
  const found = identifyProcess(settings.exabgpPid);
  if (found === undefined) {
    throw new ReconcilerError('E_USAGE', `no process with --exabgp-pid ${settings.exabgpPid}`);
  }
  return found;
}

/** How far the ledger can be trusted for the ExaBGP we run under (design.md §5). */
type LedgerTrust = 'same instance' | 'new instance' | 'uncertain';

/**
 * Same identified instance: trust the ledger. Another identified instance over a ledger that
 * recorded one: ExaBGP restarted, its RIB is empty. Anything else (an instance we cannot
 * identify, or a ledger holding routes without one): re-assert every key.
 */
function decideTrust(ledger: Ledger, instance: InstanceIdentity | null): LedgerTrust {
  const recorded = ledger.getInstance();
  if (instance !== null && sameInstance(recorded, instance)) return 'same instance';
  const empty = ledger.announced.size === 0 && ledger.pending.size === 0;
  if (instance !== null && (recorded !== null || empty)) return 'new instance';
  return 'uncertain';
}

/** Why a PUT body's speaker selection is refused with etcd (E_SELECTOR at the selection). */
const ETCD_SELECTION =
  'a speaker selection cannot be stored in the fleet api source (etcd keeps one document for every speaker, so this entry would be announced by all of them): select speakers in route files';

/** Why a PUT body's exec check is refused (E_HEALTH at its kind). */
const API_EXEC =
  'an exec check runs a command on the speaker: declare it in a route file (the right to PUT routes is not the right to run commands; in a fleet, on every speaker)';

const TRUST_MESSAGE: Record<LedgerTrust, string> = {
  'same instance': 'same exabgp instance as the ledger: applying only the diff',
  'new instance': 'new exabgp instance: ledger reset, announcing the whole desired state',
  uncertain:
    'exabgp instance not identified: keeping the ledger and re-asserting every route (desired ones announced, the rest withdrawn)',
};

/** The dialect to speak: the flag, else what `version` answered, else the default. */
function chooseDialect(
  settings: RunSettings,
  answered: HandshakeResult | undefined,
  logger: Logger,
): Dialect {
  const version = answered?.version;
  const detected = version === undefined ? undefined : dialectForVersion(version);
  if (settings.exabgpVersion !== 'auto') {
    if (detected !== undefined && detected.name !== settings.exabgpVersion)
      logger.warn(
        { exabgp_version: version?.text, dialect: settings.exabgpVersion },
        'exabgp answered another version than --exabgp-version; using the flag',
      );
    return DIALECTS[settings.exabgpVersion];
  }
  if (detected === undefined) {
    logger.warn(
      { dialect: DEFAULT_DIALECT },
      `exabgp did not tell its version (acks off or no answer): assuming ${DEFAULT_DIALECT}; set --exabgp-version`,
    );
    return DIALECTS[DEFAULT_DIALECT];
  }
  if (!detected.exact)
    logger.warn(
      { exabgp_version: version?.text, dialect: detected.name },
      'exabgp version not measured by this release: speaking the nearest dialect',
    );
  return DIALECTS[detected.name];
}

async function runSession(
  io: RunIo,
  settings: RunSettings,
  logger: Logger,
  ledger: Ledger,
  instance: InstanceIdentity | null,
  fleet: FleetSettings,
  health: HealthRuntimeOptions,
): Promise<number> {
  const clock = systemClock;
  // In a terminal nobody answers `done`: standalone with a TTY on stdin means acks off.
  const ack =
    settings.ack === 'auto' ? !(isTty(io.stdin) && instance === null) : settings.ack === 'on';
  const writer = new ExabgpWriter(
    io.stdout,
    {
      ack,
      maxInFlightLines: settings.maxInFlightLines,
      maxInFlightBytes: 4 * 1024 * 1024,
      ackTimeoutMs: settings.ackTimeoutMs,
      quietAfterTimeoutMs: Math.min(2000, settings.ackTimeoutMs),
    },
    clock,
  );
  let stop: (reason: StopReason) => void = () => undefined;
  const stopped = new Promise<StopReason>((resolve) => (stop = resolve));
  let parts: DispatchParts = { writer, reconciler: undefined, verifier: undefined, logger, stop };
  const stopReader = startExabgpReader(io.stdin, {
    onMessage: (m) => dispatchExabgpMessage(m, parts),
    onEnd: () => stop('stdin closed'),
  });
  io.stdout.on('error', () => stop('stdout closed'));
  // Before any route: end a predecessor's partial line, learn the version, and drop every answer
  // still owed to a dead predecessor. Not in a terminal, where the lines are for a human.
  let answered: HandshakeResult | undefined;
  if (ack || !isTty(io.stdin)) {
    answered = await runHandshake(writer, clock, Math.min(10_000, settings.ackTimeoutMs));
    logger.info(
      {
        outcome: answered.outcome,
        exabgp_version: answered.version?.text,
        dropped_answers: answered.dropped,
        neighbors: answered.neighbors?.length ?? null,
      },
      'exabgp handshake',
    );
  }
  const dialect = chooseDialect(settings, answered, logger);
  // Without them (acks off, no answer), `*` commands go to every neighbor and neighbor-specific
  // routes of the same prefix are re-asserted after (a transient change at those neighbors).
  const neighbors = answered?.neighbors === undefined ? undefined : new Set(answered.neighbors);
  const trust = decideTrust(ledger, instance);
  if (trust === 'new instance') ledger.resetForInstance(instance);
  const uncertain = trust === 'uncertain' ? ledger.markAllUncertain(instance) : 0;
  logger.info(
    {
      [LogField.instance]: instance,
      ledger: ledger.path,
      trust,
      ...(trust === 'uncertain' ? { reasserted: uncertain } : {}),
      ack,
      dialect: dialect.name,
      routes: settings.routesDir,
    },
    TRUST_MESSAGE[trust],
  );
  const files = new FileSource(settings.routesDir, {
    debounceMs: settings.debounceMs,
    clock,
    logger,
    speaker: fleet.speaker,
  });
  // In a fleet the api source lives in etcd (the ledger keeps the last one seen: fail static).
  const fleetParts = startFleet(fleet, { store: ledger, clock, logger, guard: settings.guard });
  if (fleetParts !== null)
    logger.info(
      {
        speaker: fleet.speaker.name,
        labels: fleet.speaker.labels,
        etcd: fleet.etcd?.endpoints,
        health_fleet_floor: health.fleetFloor?.options.min ?? 0,
      },
      'fleet speaker: api source in etcd',
    );
  const api = fleetParts?.api ?? new LocalApiSource(ledger);
  const desired = new DesiredState(
    files,
    api,
    // Read (and decoded) only if the route files are invalid at start-up.
    () => ledger.loadDesiredSources(),
  );
  const verifier = createVerifier(settings, ack, { logger, clock, ledger, writer, dialect });
  // A route of a family a neighbor is not configured for never reaches its adj-rib-out.
  if (answered?.families !== undefined) verifier?.noteFamilies(answered.families);
  const healthRuntime = new HealthRuntime(
    ledger,
    clock,
    logger.child({ component: 'health' }),
    health,
  );
  const reconciler = new Reconciler(
    {
      health: healthRuntime,
      logger,
      clock,
      ledger,
      writer,
      desired,
      instance,
      ledgerTrusted: trust === 'same instance',
      exabgp: { version: answered?.version?.text ?? null, dialect: dialect.name },
      ...(verifier === undefined ? {} : { verifier }),
    },
    {
      guard: settings.guard,
      confirmWithdraw: settings.confirmWithdraw,
      resyncIntervalMs: settings.resyncIntervalMs,
      retryInitialMs: 1000,
      retryMaxMs: 300_000,
      encode: { dialect, ...(neighbors === undefined ? {} : { neighbors }) },
      ...(neighbors === undefined ? {} : { neighbors }),
    },
  );
  parts = { ...parts, reconciler, verifier };
  fleetParts?.startPublishing(
    () => ({ status: reconciler.getStatus(), convergedApi: reconciler.convergedApiSource }),
    (hash) => void reconciler.confirmPlan(hash),
    health.fleetFloor,
  );
  let http: HttpServerHandle | null = null;
  try {
    if (settings.listen !== 'none') {
      const { startHttpApi, parseBodyLimit } = await loadHttp();
      http = await startHttpApi(reconciler, logger, {
        listen: settings.listen,
        ...(settings.tokenFile === null ? {} : { tokenFile: settings.tokenFile }),
        ...(settings.bodyLimit === null ? {} : { bodyLimit: parseBodyLimit(settings.bodyLimit) }),
        // A PUT body selects entries as route files do; in etcd one document serves the whole
        // fleet and keeps no selection, so a selection there is refused, never announced everywhere.
        bodyScope: {
          ...(fleetParts === null
            ? { speaker: fleet.speaker }
            : { refuseSelection: ETCD_SELECTION }),
          refuseExec: API_EXEC,
        },
        ...(fleetParts === null
          ? {}
          : {
              fleet: {
                view: () => fleetParts.view(),
                confirm: (revision: number) => fleetParts.confirm(revision),
              },
            }),
      });
    }
  } catch (err) {
    // A bad --listen, or a non-loopback one without a readable --token-file: refuse to start.
    logger.fatal({ [LogField.code]: codeOf(err), [LogField.err]: err }, messageOf(err));
    await reconciler.stop();
    await fleetParts?.close();
    stopReader();
    return fatal(io, undefined, instance ?? undefined);
  }
  const onSourceChange = (reason: string): void => reconciler.trigger(reason);
  const watcher = files.watch(onSourceChange);
  const watches = [watcher, api.watch(onSourceChange)];
  const onHup = (): void => reconciler.trigger('SIGHUP', { full: true });
  const onTerm = (): void => stop('SIGTERM');
  const onInt = (): void => stop('SIGINT');
  process.on('SIGHUP', onHup);
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  reconciler.trigger('start-up');
  // The first load may run before the watcher's initial scan ends; an edit made in between would
  // otherwise wait for the resync timer. Once the watcher is live, recompute once more (cheap: the
  // loader skips unchanged files and an empty diff writes nothing).
  void watcher.ready.then(() => {
    logger.debug({ [LogField.file]: settings.routesDir }, 'watching the routes directory');
    reconciler.trigger('watcher ready');
  });
  const reason = await stopped;
  logger.info({ [LogField.reason]: reason }, 'stopping');
  try {
    await shutdownSequence(reason, exitOptions(settings, dialect, logger), {
      writer,
      reconciler,
      logger,
      clock,
    });
  } finally {
    process.off('SIGHUP', onHup);
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    await Promise.all(watches.map((w) => w.close()));
    await http?.stop();
    await fleetParts?.close();
    stopReader();
  }
  logger.info(
    { announced: ledger.announced.size, pending: ledger.pending.size },
    'stopped; ledger flushed',
  );
  return 0;
}

/**
 * ExaBGP 5.0 SIGKILLs a helper 2 s after SIGTERM (exabgp5.md §4): each of the two exit steps then
 * gets at most 700 ms, so the ledger is flushed before the kill. Lines unanswered by then stay
 * pending and are re-asserted at the next start.
 */
function exitOptions(
  settings: RunSettings,
  dialect: Dialect,
  logger: Logger,
): { exitTimeoutMs: number; withdrawOnExit: boolean } {
  if (dialect.name !== '5.0' || settings.exitTimeoutMs <= 700)
    return { exitTimeoutMs: settings.exitTimeoutMs, withdrawOnExit: settings.withdrawOnExit };
  logger.debug({ exit_timeout_ms: 700 }, 'exabgp 5.0 kills helpers 2 s after SIGTERM');
  return { exitTimeoutMs: 700, withdrawOnExit: settings.withdrawOnExit };
}

/**
 * Report a fatal problem. Under ExaBGP, exiting would be respawned up to 5 times and then take
 * ExaBGP down with it, so wait (reading stdin) until ExaBGP ends us; standalone, exit 1.
 */
async function fatal(
  io: RunIo,
  text: string | undefined,
  exabgp: InstanceIdentity | undefined,
): Promise<number> {
  if (text !== undefined) io.stderr.write(`${text}\n`);
  if (exabgp === undefined) return 1;
  io.stderr.write('exabgp-reconciler run: waiting for exabgp to stop this process\n');
  await waitForExabgpStop(io.stdin);
  return 0;
}

function codeOf(err: unknown): string {
  return isReconcilerError(err) ? err.code : 'E_STATE';
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
