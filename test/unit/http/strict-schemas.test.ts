// JSON bodies are validated strictly: no type coercion ({"hash": 1} is not "1"), no silently
// dropped properties, JSON only, and small. Wrong shapes are a 400 that confirms nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { makeHarness, type Harness } from './server-helpers.js';

let h: Harness;
afterEach(async () => {
  await h.app.close();
});

/** A harness whose guard holds plan `1`: a coerced {"hash": 1} would confirm it. */
function guarded(): Harness {
  const harness = makeHarness();
  harness.backend.status = {
    ...harness.backend.status,
    guardBlocked: { tripped: true, reason: 'r', withdrawCount: 4, announcedCount: 4, hash: '1' },
  };
  return harness;
}

function confirm(payload: string, contentType = 'application/json') {
  return h.app.inject({
    method: 'POST',
    url: '/v1/plan/confirm',
    payload,
    headers: { 'content-type': contentType },
  });
}

describe('POST /v1/plan/confirm', () => {
  it.each([
    ['a number', '{"hash":1}'],
    ['a boolean', '{"hash":true}'],
    ['an array of one', '{"hash":["1"]}'],
    ['null', '{"hash":null}'],
    ['an extra property', '{"hash":"1","force":true}'],
    ['a body that is null', 'null'],
    ['a body that is an array', '[{"hash":"1"}]'],
    ['a body that is a string', '"1"'],
  ])('refuses %s with 400 and confirms nothing', async (_name, payload) => {
    h = guarded();
    const res = await confirm(payload);
    expect(res.statusCode).toBe(400);
    expect(typeof res.json().code).toBe('string');
    expect(h.backend.confirmed).toEqual([]);
  });

  it('confirms {"hash":"1"}', async () => {
    h = guarded();
    expect((await confirm('{"hash":"1"}')).statusCode).toBe(202);
    expect(h.backend.confirmed).toEqual(['1']);
  });

  it.each([
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/yaml',
    'application/json; charset=iso-8859-1',
  ])('refuses a %s body with 415', async (type) => {
    h = guarded();
    const res = await confirm('hash=1', type);
    expect(res.statusCode).toBe(415);
    expect(h.backend.confirmed).toEqual([]);
  });

  it('refuses a body over 4 KiB with 413', async () => {
    h = guarded();
    const res = await confirm(JSON.stringify({ hash: '1', pad: 'x'.repeat(5000) }));
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('E_BODY_TOO_LARGE');
  });

  it('refuses a prototype-poisoning body with 400', async () => {
    h = guarded();
    const res = await confirm('{"hash":"1","__proto__":{"x":1}}');
    expect(res.statusCode).toBe(400);
    expect(h.backend.confirmed).toEqual([]);
  });
});

describe('query strings are not coerced', () => {
  it('answers GET /v1/desired?source= (an empty source) with no routes, not the merged view', async () => {
    h = makeHarness();
    const res = await h.app.inject({ url: '/v1/desired?source=' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ routes: [] });
  });
});
