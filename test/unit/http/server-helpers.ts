// Shared setup for the HTTP inject tests: a server over a FakeBackend, and body builders.
import type { FastifyInstance } from 'fastify';
import { createSilentLogger } from '../../../src/runtime/logger.js';
import { buildServer, type HttpServerDeps } from '../../../src/http/server.js';
import { FakeBackend, type FakeBackendOptions } from './fake-backend.js';

export interface Harness {
  readonly app: FastifyInstance;
  readonly backend: FakeBackend;
}

export function makeHarness(
  options: FakeBackendOptions = {},
  deps: Partial<Omit<HttpServerDeps, 'backend' | 'logger'>> = {},
): Harness {
  const backend = new FakeBackend(options);
  // Bodies are parsed inline: these tests run from src/, where no built worker script exists
  // (document-parser.test.ts covers the worker, from dist/).
  const app = buildServer({ backend, logger: createSilentLogger(), parseWorker: null, ...deps });
  return { app, backend };
}

/** A multipart/form-data body as `curl --form name=value` sends it. */
export function multipartBody(fields: readonly [string, string][]): {
  payload: string;
  contentType: string;
} {
  const boundary = '------------------------d74496d66958873e';
  const parts = fields.map(
    ([name, value]) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  return {
    payload: `${parts.join('')}--${boundary}--\r\n`,
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

export const YAML = { 'content-type': 'application/yaml' } as const;
export const JSON_TYPE = { 'content-type': 'application/json' } as const;

/** POST / with one urlencoded `command` field (the classic endpoint). */
export function postForm(h: Harness, command: string) {
  return h.app.inject({
    method: 'POST',
    url: '/',
    payload: `command=${encodeURIComponent(command)}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
}
