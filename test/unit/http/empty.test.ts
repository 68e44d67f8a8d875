// Empty means error: a PUT without a body, with only whitespace, `null`, an empty YAML document or a
// document without `routes` is a 400 E_EMPTY that changes nothing; `routes: []` is the explicit none.
import { afterEach, describe, expect, it } from 'vitest';
import { route } from '../../helpers/routes.js';
import { makeHarness, JSON_TYPE, YAML, type Harness } from './server-helpers.js';

let h: Harness;
afterEach(async () => {
  await h.app.close();
});

/** The api source holds a route: a body wrongly taken as "no routes" would withdraw it. */
function withApiRoute(): Harness {
  const harness = makeHarness();
  harness.backend.apiRoutes = [route({ prefix: '198.51.100.0/24' })];
  return harness;
}

function expectUnchanged(): void {
  expect(h.backend.replaceCalls).toBe(0);
  expect(h.backend.apiRoutes.map((r) => r.prefix)).toEqual(['198.51.100.0/24']);
}

describe('empty PUT bodies', () => {
  it.each([
    ['YAML', YAML],
    ['JSON', JSON_TYPE],
  ])('refuses a %s PUT without a body with 400 E_EMPTY', async (_name, headers) => {
    h = withApiRoute();
    const res = await h.app.inject({ method: 'PUT', url: '/v1/desired', headers });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'E_EMPTY' });
    expect(res.json().message).toContain('routes: []');
    expectUnchanged();
  });

  it.each<[string, string, Record<string, string>]>([
    ['an empty body', '', YAML],
    ['whitespace', '  \n\t\r\n', YAML],
    ['null', 'null', YAML],
    ['~', '~\n', YAML],
    ['a document marker only', '---\n', YAML],
    ['a comment only', '# nothing here\n', YAML],
    ['an empty mapping', '{}', YAML],
    ['defaults without routes', 'defaults:\n  next-hop: 192.0.2.1\n', YAML],
    ['JSON null', 'null', JSON_TYPE],
    ['a JSON empty object', '{}', JSON_TYPE],
    ['JSON whitespace', ' \n ', JSON_TYPE],
    ['JSON defaults without routes', '{"defaults":{"next-hop":"192.0.2.1"}}', JSON_TYPE],
  ])('refuses %s with 400 E_EMPTY and changes nothing', async (_name, payload, headers) => {
    h = withApiRoute();
    const res = await h.app.inject({ method: 'PUT', url: '/v1/desired', payload, headers });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('E_EMPTY');
    expectUnchanged();
  });

  it('refuses an empty dry run too', async () => {
    h = withApiRoute();
    const res = await h.app.inject({
      method: 'PUT',
      url: '/v1/desired?dry_run=true',
      payload: '',
      headers: YAML,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('E_EMPTY');
  });
});

describe('the explicit none', () => {
  it.each<[string, string, Record<string, string>]>([
    ['routes: []', 'routes: []\n', YAML],
    ['{"routes":[]}', '{"routes":[]}', JSON_TYPE],
    ['routes: [] with defaults and a comment', '# none\ndefaults: {med: 1}\nroutes: []\n', YAML],
  ])('empties the api source for %s', async (_name, payload, headers) => {
    h = withApiRoute();
    const res = await h.app.inject({ method: 'PUT', url: '/v1/desired', payload, headers });
    expect(res.statusCode).toBe(200);
    expect(h.backend.apiRoutes).toEqual([]);
  });
});
