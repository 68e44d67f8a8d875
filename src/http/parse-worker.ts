// The parse worker (node:worker_threads): parses one PUT body at a time off the event loop and
// hands the routes back in chunks the main thread pulls one by one, so that receiving a million
// routes is many short tasks, never one long one. Started and killed by document-parser.ts.
import { parentPort } from 'node:worker_threads';
import type { Route } from '../core/route.js';
import { parseBody, type BodyParseOptions } from './parse-body.js';
import { computeEtag } from './etag.js';
import { routesJson } from '../config/route-json.js';
import type { WorkerReply, WorkerRequest } from './document-parser.js';

const port = parentPort;
if (port === null) throw new Error('BUG: parse-worker.js must run in a worker thread');

let held: { readonly id: number; readonly routes: readonly Route[]; offset: number } | undefined;

function send(reply: WorkerReply): void {
  port?.postMessage(reply);
}

function parse(id: number, bytes: ArrayBuffer, options: BodyParseOptions): void {
  held = undefined;
  const result = parseBody(new Uint8Array(bytes), options);
  if (!result.ok) return send({ type: 'parsed', id, ok: false, rejection: result.rejection });
  held = { id, routes: result.routes, offset: 0 };
  // Both are a sort or a stringify of every route: done here, not on the event loop.
  const etag = computeEtag(result.routes);
  const json = routesJson(result.routes);
  send({ type: 'parsed', id, ok: true, total: result.routes.length, etag, json });
}

function next(id: number, chunk: number): void {
  if (held?.id !== id) return send({ type: 'chunk', id, routes: [] });
  const routes = held.routes.slice(held.offset, held.offset + chunk);
  held.offset += routes.length;
  if (held.offset >= held.routes.length) held = undefined;
  send({ type: 'chunk', id, routes });
}

port.on('message', (message: WorkerRequest) => {
  if (message.type === 'parse') parse(message.id, message.bytes, message.options);
  else next(message.id, message.chunk);
});
