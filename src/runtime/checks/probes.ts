// One run of a health check (tcp connect, http request, exec of an argument list, dns query in
// dns.ts), bounded by its timeout. Nothing is written to stdout: an exec'd program's output is
// discarded, and a timeout kills its whole process group. Each probe resolves, never rejects.
import { spawn } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { CheckSpec, TlsOptions } from '../../core/health.js';
import { probeDns } from './dns.js';

export interface ProbeOutcome {
  readonly ok: boolean;
  readonly reason: string;
}

/** The most of an HTTP body read for the `body` substring. */
const MAX_BODY_BYTES = 65_536;

export async function probe(spec: CheckSpec): Promise<ProbeOutcome> {
  if (spec.maintenanceFile !== undefined) {
    const present = await access(spec.maintenanceFile).then(
      () => true,
      () => false,
    );
    if (present) return { ok: false, reason: `maintenance file ${spec.maintenanceFile} present` };
  }
  if (spec.kind === 'tcp')
    return probeTcp(spec.host ?? '127.0.0.1', spec.port ?? 0, spec.timeoutMs);
  if (spec.kind === 'http') return probeHttp(spec);
  if (spec.kind === 'dns')
    return spec.dns === undefined
      ? Promise.resolve({ ok: false, reason: 'dns check without a query' })
      : probeDns(spec.dns, spec.timeoutMs);
  return probeExec(spec.command ?? [], spec.timeoutMs);
}

function probeTcp(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (o: ProbeOutcome): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(o);
    };
    const timer = setTimeout(
      () => done({ ok: false, reason: `timeout after ${timeoutMs}ms` }),
      timeoutMs,
    );
    socket.once('connect', () => done({ ok: true, reason: `connected to ${host}:${port}` }));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      done({ ok: false, reason: `connect ${err.code ?? err.message}` }),
    );
  });
}

/** The PEM contents a check's TLS options name, or why they could not be read. */
type TlsMaterial =
  | { readonly ok: true; readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer }
  | { readonly ok: false; readonly reason: string };

/**
 * Read once per declaration (a check is built when its declaration is new or changed); a read
 * that failed is tried again at the next run, so a file put in place later heals the check.
 */
const tlsFiles = new WeakMap<TlsOptions, Promise<TlsMaterial>>();

async function readTls(tls: TlsOptions): Promise<TlsMaterial> {
  const out: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  for (const k of ['ca', 'cert', 'key'] as const) {
    const path = tls[k];
    if (path === undefined) continue;
    try {
      out[k] = await readFile(path);
    } catch (err) {
      return {
        ok: false,
        reason: `tls ${k} ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      };
    }
  }
  return { ok: true, ...out };
}

function tlsMaterial(tls: TlsOptions): Promise<TlsMaterial> {
  let m = tlsFiles.get(tls);
  if (m === undefined) {
    m = readTls(tls);
    tlsFiles.set(tls, m);
    void m.then((r) => {
      if (!r.ok) tlsFiles.delete(tls);
    });
  }
  return m;
}

/** A TLS failure's reason: certificate problems say so. */
function requestFailure(err: NodeJS.ErrnoException): string {
  const code = err.code ?? err.message;
  if (/CERT|SIGNATURE|ALTNAME|ISSUER|SELF_SIGNED|HANDSHAKE/.test(code))
    return `tls certificate ${code}: ${err.message}`;
  return `request ${code}`;
}

async function probeHttp(spec: CheckSpec): Promise<ProbeOutcome> {
  const tls = spec.tls;
  let material: TlsMaterial = { ok: true };
  if (tls !== undefined) {
    material = await tlsMaterial(tls);
    if (!material.ok) return { ok: false, reason: material.reason };
  }
  return httpProbe(spec, material);
}

function httpProbe(spec: CheckSpec, material: TlsMaterial & { ok: true }): Promise<ProbeOutcome> {
  const tls = spec.tls;
  const url = new URL(spec.url ?? '');
  const [lo, hi] = spec.status ?? [200, 399];
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    let req: ReturnType<typeof request> | undefined;
    const done = (o: ProbeOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req?.destroy();
      resolve(o);
    };
    const timer = setTimeout(
      () => done({ ok: false, reason: `timeout after ${spec.timeoutMs}ms` }),
      spec.timeoutMs,
    );
    try {
      req = start();
    } catch (err) {
      // A PEM file that is no certificate or key: the secure context cannot be built.
      done({ ok: false, reason: `tls ${(err as Error).message}` });
    }
    function start(): ReturnType<typeof request> {
      const r = request(
        url,
        {
          method: spec.method ?? 'GET',
          headers: { 'user-agent': 'exabgp-reconciler-health' },
          ...(tls?.insecure === true || spec.insecure === true
            ? { rejectUnauthorized: false }
            : {}),
          ...(tls?.servername === undefined ? {} : { servername: tls.servername }),
          ...(material.ca === undefined ? {} : { ca: material.ca }),
          ...(material.cert === undefined ? {} : { cert: material.cert }),
          ...(material.key === undefined ? {} : { key: material.key }),
        },
        (res: IncomingMessage) => {
          const status = res.statusCode ?? 0;
          if (status < lo || status > hi) {
            done({ ok: false, reason: `HTTP ${status}` });
            return;
          }
          if (spec.body === undefined || spec.method === 'HEAD') {
            done({ ok: true, reason: `HTTP ${status}` });
            return;
          }
          const want = spec.body;
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
            if (text.includes(want)) done({ ok: true, reason: `HTTP ${status}, body matches` });
            else if (text.length > MAX_BODY_BYTES)
              done({ ok: false, reason: `HTTP ${status}, body lacks ${JSON.stringify(want)}` });
          });
          res.on('end', () =>
            done(
              text.includes(want)
                ? { ok: true, reason: `HTTP ${status}, body matches` }
                : { ok: false, reason: `HTTP ${status}, body lacks ${JSON.stringify(want)}` },
            ),
          );
          res.on('error', (err) => done({ ok: false, reason: `read ${err.message}` }));
        },
      );
      r.on('error', (err: NodeJS.ErrnoException) =>
        done({ ok: false, reason: requestFailure(err) }),
      );
      r.end();
      return r;
    }
  });
}

function probeExec(command: readonly string[], timeoutMs: number): Promise<ProbeOutcome> {
  const [file = '', ...args] = command;
  return new Promise((resolve) => {
    let settled = false;
    const child = spawn(file, args, { detached: true, stdio: 'ignore', shell: false });
    const done = (o: ProbeOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(o);
    };
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      killGroup();
      done({ ok: false, reason: `timeout after ${timeoutMs}ms (process group killed)` });
    }, timeoutMs);
    child.once('error', (err: NodeJS.ErrnoException) =>
      done({ ok: false, reason: `exec ${err.code ?? err.message}` }),
    );
    child.once('exit', (code, signal) => {
      // The program is done: whatever it left in its group goes too.
      killGroup();
      done(
        code === 0
          ? { ok: true, reason: 'exit 0' }
          : { ok: false, reason: signal !== null ? `killed by ${signal}` : `exit ${code ?? '?'}` },
      );
    });
  });
}
