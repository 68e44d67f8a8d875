// Fleet settings of `run` and `fleet status`: who this speaker is (name, labels) and where the
// shared store is (etcd endpoints, prefix, TLS, auth). Flags > EXABGP_RECONCILER_* environment >
// a small speaker config file > defaults (the host name, no labels, no etcd). Also opens the client.
import { readFileSync } from 'node:fs';
import { Etcd3, type IOptions } from 'etcd3';
import { parse as parseYaml } from 'yaml';
import { ReconcilerError } from '../errors.js';

export const DEFAULT_ETCD_PREFIX = '/exabgp-reconciler';

export interface SpeakerIdentity {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface EtcdSettings {
  readonly endpoints: readonly string[];
  readonly prefix: string;
  readonly caFile: string | null;
  readonly certFile: string | null;
  readonly keyFile: string | null;
  readonly user: string | null;
  readonly passwordFile: string | null;
  readonly dialTimeoutMs: number;
}

export interface FleetSettings {
  readonly speaker: SpeakerIdentity;
  /** null: no fleet store (the api source stays local). */
  readonly etcd: EtcdSettings | null;
}

/** The flags `run` and `fleet status` accept for the fleet (node:util parseArgs shapes). */
export const FLEET_OPTIONS = {
  speaker: { type: 'string' },
  'speaker-label': { type: 'string', multiple: true },
  'speaker-config': { type: 'string' },
  'etcd-endpoints': { type: 'string' },
  'etcd-prefix': { type: 'string' },
  'etcd-ca': { type: 'string' },
  'etcd-cert': { type: 'string' },
  'etcd-key': { type: 'string' },
  'etcd-user': { type: 'string' },
  'etcd-password-file': { type: 'string' },
} as const;

export type FleetFlags = Readonly<Record<string, string | boolean | readonly string[] | undefined>>;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/;

function env(name: string): string {
  return `EXABGP_RECONCILER_${name.toUpperCase().replace(/-/g, '_')}`;
}

/** `k=v` into labels; E_USAGE naming the bad text. */
export function parseLabel(text: string, into: Record<string, string>): void {
  const i = text.indexOf('=');
  const key = text.slice(0, i).trim();
  const value = text.slice(i + 1).trim();
  if (i <= 0 || !LABEL_KEY.test(key) || value.length > 63)
    throw new ReconcilerError('E_USAGE', `invalid --speaker-label "${text}": expected KEY=VALUE`);
  into[key] = value;
}

function readConfig(path: string): { name?: string; labels: Record<string, string> } {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ReconcilerError('E_USAGE', `cannot read --speaker-config "${path}"`, { cause: err });
  }
  const d = (doc ?? {}) as { name?: unknown; labels?: unknown };
  const labels: Record<string, string> = {};
  if (d.labels !== undefined) {
    if (d.labels === null || typeof d.labels !== 'object' || Array.isArray(d.labels))
      throw new ReconcilerError('E_USAGE', `${path}: labels must be a mapping`);
    for (const [k, v] of Object.entries(d.labels)) parseLabel(`${k}=${String(v)}`, labels);
  }
  if (d.name !== undefined && typeof d.name !== 'string')
    throw new ReconcilerError('E_USAGE', `${path}: name must be a string`);
  return { ...(typeof d.name === 'string' ? { name: d.name } : {}), labels };
}

export function buildFleetSettings(
  flags: FleetFlags,
  environment: Readonly<Record<string, string | undefined>>,
  hostname: string,
): FleetSettings {
  const str = (flag: string): string | undefined => {
    const v = flags[flag];
    return typeof v === 'string' ? v : environment[env(flag)];
  };
  const configPath = str('speaker-config');
  const config = configPath === undefined ? { labels: {} } : readConfig(configPath);
  const labels: Record<string, string> = { ...config.labels };
  const fromEnv = environment[env('speaker-labels')];
  if (fromEnv !== undefined && fromEnv.trim() !== '')
    for (const l of fromEnv.split(',')) parseLabel(l, labels);
  const fromFlags = flags['speaker-label'];
  if (Array.isArray(fromFlags)) for (const l of fromFlags as string[]) parseLabel(l, labels);
  const name = str('speaker') ?? config.name ?? hostname;
  if (!NAME.test(name))
    throw new ReconcilerError('E_USAGE', `invalid --speaker "${name}": letters, digits, . _ -`);
  const endpoints = str('etcd-endpoints');
  return {
    speaker: { name, labels: Object.freeze(labels) },
    etcd: endpoints === undefined || endpoints.trim() === '' ? null : etcdSettings(endpoints, str),
  };
}

function etcdSettings(endpoints: string, str: (f: string) => string | undefined): EtcdSettings {
  const list = endpoints
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  for (const e of list) {
    if (!/^https?:\/\/[^/\s]+$/.test(e))
      throw new ReconcilerError(
        'E_USAGE',
        `invalid --etcd-endpoints "${e}": expected http(s)://HOST:PORT`,
      );
  }
  const prefix = str('etcd-prefix') ?? DEFAULT_ETCD_PREFIX;
  if (!/^\/[A-Za-z0-9._/-]*$/.test(prefix))
    throw new ReconcilerError('E_USAGE', `invalid --etcd-prefix "${prefix}"`);
  return {
    endpoints: list,
    prefix: prefix.replace(/\/+$/, '') || DEFAULT_ETCD_PREFIX,
    caFile: str('etcd-ca') ?? null,
    certFile: str('etcd-cert') ?? null,
    keyFile: str('etcd-key') ?? null,
    user: str('etcd-user') ?? null,
    passwordFile: str('etcd-password-file') ?? null,
    dialTimeoutMs: 3000,
  };
}

/** A client for `s` (connects lazily: building it never fails because etcd is down). */
export function openEtcd(s: EtcdSettings): Etcd3 {
  const read = (path: string, what: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ReconcilerError('E_USAGE', `cannot read ${what} "${path}"`, { cause: err });
    }
  };
  const options: IOptions = { hosts: [...s.endpoints], dialTimeout: s.dialTimeoutMs };
  if (s.caFile !== null) {
    options.credentials = {
      rootCertificate: read(s.caFile, '--etcd-ca'),
      ...(s.keyFile === null ? {} : { privateKey: read(s.keyFile, '--etcd-key') }),
      ...(s.certFile === null ? {} : { certChain: read(s.certFile, '--etcd-cert') }),
    };
  }
  if (s.user !== null) {
    const password =
      s.passwordFile === null ? '' : read(s.passwordFile, '--etcd-password-file').toString().trim();
    options.auth = { username: s.user, password };
  }
  return new Etcd3(options);
}
