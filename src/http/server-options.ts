// The fastify and node server settings that bound every connection (timeouts, caps), strict schema
// validation, and the answer to requests node refuses before fastify sees them (malformed, too
// slow, headers too large): the same {code, message} JSON as every other error.
import type { Socket } from 'node:net';
import type { FastifyHttpOptions, FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './http-error.js';
import { sendError } from './request-log.js';
import type { Server } from 'node:http';
import type { HttpLimits } from './limits.js';

type ServerTimeouts = Pick<
  FastifyHttpOptions<Server>,
  | 'connectionTimeout'
  | 'keepAliveTimeout'
  | 'requestTimeout'
  | 'maxRequestsPerSocket'
  | 'http'
  | 'ajv'
  | 'clientErrorHandler'
  | 'frameworkErrors'
>;

/** Fastify options from the limits: every timeout set, no type coercion or silent stripping. */
export function serverOptions(limits: HttpLimits): ServerTimeouts {
  return {
    connectionTimeout: limits.connectionTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    maxRequestsPerSocket: limits.maxRequestsPerSocket,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      connectionsCheckingInterval: limits.connectionsCheckingIntervalMs,
      // node would answer a missing Host itself, with an empty body; checkHost answers in JSON.
      requireHostHeader: false,
    },
    // {"hash": 1} is a 400, not "1"; {"hash": "x", "extra": 1} is a 400, not {"hash": "x"}.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false } },
    clientErrorHandler: answerClientError,
    // A URL fastify cannot decode (/%zz) is answered before routing: in our JSON too.
    frameworkErrors: (_error, request, reply) => {
      sendError(request, reply, 400, { code: 'E_BAD_REQUEST', message: 'malformed url' });
    },
  };
}

/** RFC 9112 §3.2: an HTTP/1.1 request without a Host header is a 400 (onRequest, every route). */
export function checkHost(request: FastifyRequest): Promise<void> {
  if (request.raw.httpVersion !== '1.1' || request.headers.host !== undefined)
    return Promise.resolve();
  return Promise.reject(
    new HttpError(400, 'E_BAD_REQUEST', 'an http/1.1 request needs a host header'),
  );
}

/** How long a connection answered before its body arrived keeps reading (and discarding). */
export const LINGER_MS = 2000;

/**
 * onSend, every route: a request answered before its body was read (413, 415, 503, 401, 400)
 * would be closed by node with the body still arriving, and the kernel's reset can destroy the
 * answer before the client reads it. Such a socket half-closes instead and discards what still
 * comes for up to LINGER_MS (nginx's lingering close), so the refusal is always delivered.
 */
export function lingerIfBodyUnread(request: FastifyRequest): void {
  const socket = request.raw.socket as Socket | null;
  if (request.raw.complete || socket === null || typeof socket.destroySoon !== 'function') return;
  socket.destroySoon = () => {
    socket.end();
    socket.resume();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };
}

/** Caps that live on node's server object rather than in fastify's options. */
export function applyServerCaps(app: FastifyInstance, limits: HttpLimits): void {
  app.server.maxConnections = limits.maxConnections;
  // node closes a CONNECT without a word unless someone listens; we answer like any unknown route.
  app.server.on('connect', (_request, socket: Socket) => {
    writeAndClose(socket, 404, 'Not Found', 'E_NOT_FOUND', 'no route CONNECT');
  });
}

function writeAndClose(
  socket: Socket,
  status: number,
  reason: string,
  code: string,
  message: string,
): void {
  const body = JSON.stringify({ code, message });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  socket.destroySoon();
}

const CLIENT_ERRORS: Readonly<Record<string, readonly [number, string, string, string]>> = {
  ERR_HTTP_REQUEST_TIMEOUT: [
    408,
    'Request Timeout',
    'E_TIMEOUT',
    'the request took too long to arrive',
  ],
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    'E_HEADERS_TOO_LARGE',
    'the request headers are too large',
  ],
};

const MALFORMED = [400, 'Bad Request', 'E_BAD_REQUEST', 'malformed http request'] as const;

/**
 * node's 'clientError': answer in our JSON when no response of this socket has started (as node
 * itself does, so a half-written response is never corrupted), then close the socket.
 */
export function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && inFlight?.headersSent !== true) {
    const [status, reason, code, message] = CLIENT_ERRORS[err.code ?? ''] ?? MALFORMED;
    const body = JSON.stringify({ code, message });
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
