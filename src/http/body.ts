// Reading a request body with a hard limit, and the one "large body" slot: a body bigger than the
// inline size is received and parsed only while it holds the slot, so at most one large body is in
// memory at a time; another gets 503 E_BUSY with Retry-After instead of queueing.
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './http-error.js';

/** One holder at a time; tryAcquire never waits. */
export class BodySlot {
  private holder: object | undefined;

  tryAcquire(owner: object): boolean {
    if (this.holder !== undefined && this.holder !== owner) return false;
    this.holder = owner;
    return true;
  }

  release(owner: object): void {
    if (this.holder === owner) this.holder = undefined;
  }

  get busy(): boolean {
    return this.holder !== undefined;
  }
}

export function busy(retryAfterSeconds: number): HttpError {
  return new HttpError(
    503,
    'E_BUSY',
    'another large request body is being received or parsed; retry later',
    undefined,
    { 'retry-after': String(retryAfterSeconds) },
  );
}

export function tooLarge(limit: number): HttpError {
  return new HttpError(413, 'E_BODY_TOO_LARGE', `the body exceeds the limit of ${limit} bytes`);
}

/** The request's Content-Length as a number (undefined without one). */
export function declaredLength(request: FastifyRequest): number | undefined {
  const header = request.headers['content-length'];
  return header === undefined ? undefined : Number(header);
}

/** Whatever `request` takes of the slot is given back once its response is over (or cut). */
export function releaseSlotAfter(
  slot: BodySlot,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const release = (): void => slot.release(request);
  reply.raw.once('close', release);
  reply.raw.once('finish', release);
}

export interface ReadOptions {
  readonly limit: number;
  /** Called once when the body grows past `inlineMax`; throws (503) to stop reading. */
  readonly onLarge: () => void;
  readonly inlineMax: number;
}

/** The whole body as one Buffer, refused (413) as soon as it passes `limit`. */
export function readBody(payload: Readable, options: ReadOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let large = false;
    const fail = (err: unknown): void => {
      cleanup();
      // Stop buffering; node discards the rest of the body once the response is sent.
      payload.resume();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > options.limit) return fail(tooLarge(options.limit));
      if (!large && total > options.inlineMax) {
        large = true;
        try {
          options.onLarge();
        } catch (err) {
          return fail(err);
        }
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
      cleanup();
      resolve(body);
    };
    const onError = (err: Error): void => fail(err);
    // A client gone mid-body may end the stream with neither 'end' nor 'error'.
    const onClose = (): void => fail(new HttpError(400, 'E_BAD_REQUEST', 'the body was cut short'));
    const cleanup = (): void => {
      payload.off('data', onData);
      payload.off('end', onEnd);
      payload.off('error', onError);
      payload.off('close', onClose);
      chunks.length = 0;
    };
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
    payload.on('close', onClose);
  });
}
