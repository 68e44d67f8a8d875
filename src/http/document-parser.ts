// Parsing PUT bodies without ever blocking the event loop for long: small bodies inline, larger ones
// in one worker thread with a wall-clock and a heap limit (killed and answered 422 E_TOO_COMPLEX
// past either), results pulled back in chunks. The worker's stdout never reaches ours (ExaBGP's).
import type { FleetScope } from '../config/entries.js';
import { seedEtag } from './etag.js';
import { seedRoutesJson } from '../config/route-json.js';
import { Worker } from 'node:worker_threads';
import type { FastifyBaseLogger } from 'fastify';
import type { Route } from '../core/route.js';
import { busy } from './body.js';
import { HttpError, type Rejection } from './http-error.js';
import type { HttpLimits } from './limits.js';
import { parseBody, type BodyParseOptions, type BodyParseResult } from './parse-body.js';
import { cut } from './text.js';

export type WorkerRequest =
  | {
      readonly type: 'parse';
      readonly id: number;
      readonly bytes: ArrayBuffer;
      readonly options: BodyParseOptions;
    }
  | { readonly type: 'next'; readonly id: number; readonly chunk: number };

export type WorkerReply =
  | {
      readonly type: 'parsed';
      readonly id: number;
      readonly ok: true;
      readonly total: number;
      /** computeEtag and JSON.stringify of the routes, computed in the worker. */
      readonly etag: string;
      readonly json: string;
    }
  | {
      readonly type: 'parsed';
      readonly id: number;
      readonly ok: false;
      readonly rejection: Rejection;
    }
  | { readonly type: 'chunk'; readonly id: number; readonly routes: readonly Route[] };

export interface DocumentParser {
  /** A large body's memory moves to the worker: `body` is empty afterwards. */
  parse(body: Buffer, format: 'json' | 'yaml'): Promise<BodyParseResult>;
  /** Kill the worker; a parse in progress fails with 503. */
  close(): Promise<void>;
}

export type ParserLimits = Pick<
  HttpLimits,
  | 'inlineParseMaxBytes'
  | 'parseTimeLimitMs'
  | 'parseHeapLimitMb'
  | 'maxBodyRoutes'
  | 'minBodyRoutes'
  | 'routesPerByte'
  | 'resultChunkRoutes'
  | 'maxDiagnostics'
  | 'retryAfterSeconds'
>;

export interface ParserOptions {
  /** The worker script; null parses every body inline (tests that run from src/ without a build). */
  readonly workerUrl: URL | null;
  readonly limits: ParserLimits;
  readonly bodyLimit: number;
  readonly maxAliasCount: number;
  readonly logger: FastifyBaseLogger;
  /** Speaker selections in bodies: this speaker's entries only, or refused. */
  readonly fleet?: FleetScope;
}

/** The bundled worker, next to this module in dist/http/. */
export const PARSE_WORKER_URL = new URL('./parse-worker.js', import.meta.url);

interface Job {
  readonly id: number;
  /** The worker running it (a killed worker's late 'exit' must not fail the next job). */
  readonly worker: Worker;
  readonly resolve: (result: BodyParseResult) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
  readonly routes: Route[];
  total: number;
  digest?: { readonly etag: string; readonly json: string };
}

function tooComplex(message: string): BodyParseResult {
  return { ok: false, rejection: { status: 422, code: 'E_TOO_COMPLEX', message } };
}

/** An ArrayBuffer holding exactly `body`, safe to transfer (pooled small buffers are copied). */
function ownBuffer(body: Buffer): ArrayBuffer {
  const whole = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
  if (whole && body.buffer instanceof ArrayBuffer) return body.buffer;
  const copy = new ArrayBuffer(body.byteLength);
  new Uint8Array(copy).set(body);
  return copy;
}

export function createDocumentParser(options: ParserOptions): DocumentParser {
  return new SplitParser(options);
}

class SplitParser implements DocumentParser {
  private worker: Worker | undefined;
  private job: Job | undefined;
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: ParserOptions) {}

  private parseOptions(format: 'json' | 'yaml', bytes: number): BodyParseOptions {
    const { limits } = this.options;
    const byBytes = Math.max(limits.minBodyRoutes, bytes * limits.routesPerByte);
    return {
      format,
      maxBytes: this.options.bodyLimit,
      maxAliasCount: this.options.maxAliasCount,
      maxRoutes: Math.min(limits.maxBodyRoutes, byBytes),
      maxDiagnostics: limits.maxDiagnostics,
      ...(this.options.fleet === undefined ? {} : { fleet: this.options.fleet }),
    };
  }

  parse(body: Buffer, format: 'json' | 'yaml'): Promise<BodyParseResult> {
    const { workerUrl, limits } = this.options;
    if (workerUrl === null || body.length <= limits.inlineParseMaxBytes)
      return Promise.resolve(parseBody(body, this.parseOptions(format, body.length)));
    if (this.closed)
      return Promise.reject(new HttpError(503, 'E_BUSY', 'the http api is shutting down'));
    if (this.job !== undefined) return Promise.reject(busy(limits.retryAfterSeconds));
    const worker = (this.worker ??= this.spawn(workerUrl));
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const timer = setTimeout(() => this.timeOut(id), limits.parseTimeLimitMs);
      timer.unref();
      this.job = { id, worker, resolve, reject, timer, routes: [], total: 0 };
      const options = this.parseOptions(format, body.length);
      const bytes = ownBuffer(body);
      const request: WorkerRequest = {
        type: 'parse',
        id,
        bytes,
        options,
      };
      worker.postMessage(request, [bytes]);
    });
  }

  private spawn(url: URL): Worker {
    const worker = new Worker(url, {
      resourceLimits: { maxOldGenerationSizeMb: this.options.limits.parseHeapLimitMb },
      // Our stdout is ExaBGP's command channel: the worker's goes to the log instead.
      stdout: true,
    });
    worker.unref();
    worker.stdout.setEncoding('utf8').on('data', (text: string) => {
      this.options.logger.warn({ output: cut(text, 200) }, 'parse worker wrote to stdout');
    });
    worker.on('message', (reply: WorkerReply) => this.onReply(worker, reply));
    worker.on('error', (err: Error & { code?: string }) => this.onError(worker, err));
    worker.on('exit', (code) => this.onExit(worker, code));
    return worker;
  }

  private finish(job: Job, settle: (job: Job) => void): void {
    if (this.job !== job) return;
    clearTimeout(job.timer);
    this.job = undefined;
    settle(job);
  }

  private onReply(worker: Worker, reply: WorkerReply): void {
    const job = this.job;
    if (job === undefined || reply.id !== job.id) return;
    const chunk = this.options.limits.resultChunkRoutes;
    if (reply.type === 'parsed') {
      clearTimeout(job.timer);
      if (!reply.ok)
        return this.finish(job, (j) => j.resolve({ ok: false, rejection: reply.rejection }));
      job.total = reply.total;
      job.digest = { etag: reply.etag, json: reply.json };
    } else {
      for (const route of reply.routes) job.routes.push(route);
      if (reply.routes.length === 0 && job.routes.length < job.total)
        return this.finish(job, (j) => j.reject(new Error('BUG: parse worker lost routes')));
    }
    if (job.routes.length >= job.total)
      return this.finish(job, (j) => {
        if (j.digest !== undefined) {
          seedEtag(j.routes, j.digest.etag);
          seedRoutesJson(j.routes, j.digest.json);
        }
        j.resolve({ ok: true, routes: j.routes });
      });
    // Pull the next chunk: one message at a time keeps each task on our side short.
    const next: WorkerRequest = { type: 'next', id: job.id, chunk };
    worker.postMessage(next);
  }

  private kill(): void {
    const worker = this.worker;
    this.worker = undefined;
    if (worker !== undefined) void worker.terminate();
  }

  private timeOut(id: number): void {
    const job = this.job;
    if (job?.id !== id) return;
    this.kill();
    const seconds = this.options.limits.parseTimeLimitMs / 1000;
    this.finish(job, (j) =>
      j.resolve(tooComplex(`the document took more than ${seconds} s to parse`)),
    );
  }

  private onError(worker: Worker, err: Error & { code?: string }): void {
    if (this.worker === worker) this.worker = undefined;
    const job = this.job;
    if (job?.worker !== worker) return;
    if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') {
      const mb = this.options.limits.parseHeapLimitMb;
      return this.finish(job, (j) =>
        j.resolve(tooComplex(`the document needs more than ${mb} MiB to parse`)),
      );
    }
    this.finish(job, (j) => j.reject(err));
  }

  private onExit(worker: Worker, code: number): void {
    if (this.worker === worker) this.worker = undefined;
    const job = this.job;
    if (job?.worker === worker && !this.closed)
      this.finish(job, (j) => j.reject(new Error(`BUG: parse worker exited (code ${code})`)));
  }

  close(): Promise<void> {
    this.closed = true;
    const job = this.job;
    if (job !== undefined)
      this.finish(job, (j) =>
        j.reject(new HttpError(503, 'E_BUSY', 'the http api is shutting down')),
      );
    this.kill();
    return Promise.resolve();
  }
}
