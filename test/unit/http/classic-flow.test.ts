// The classic POST / endpoint with FlowSpec lines: `announce flow route ...` / `withdraw flow route ...`
// (single-line and block forms) edit the api source; a broad rule waits for confirmation.
import { afterEach, describe, expect, it } from 'vitest';
import { makeHarness, type Harness, postForm } from './server-helpers.js';

let h: Harness;
afterEach(async () => {
  await h.app.close();
});

const form = (command: string) => postForm(h, command);

const BLOCK =
  'announce flow route { match { destination 203.0.113.10/32; protocol udp; destination-port =53; } then { rate-limit 9600; } }';
const FLAT =
  'announce flow route destination 203.0.113.10/32 protocol =17 destination-port 53 rate-limit 19200';

describe('POST / with flow commands', () => {
  it('announces a rule in the block form as an edit of the api source', async () => {
    h = makeHarness();
    const res = await form(BLOCK);
    expect(res.statusCode).toBe(200);
    expect(h.backend.apiRoutes.map((r) => `${r.safi} | ${r.prefix} | ${r.value}`)).toEqual([
      'flow | destination 203.0.113.10/32 protocol =udp destination-port =53 | rate-limit 9600',
    ]);
  });

  it('replaces the rule of the same match from the single-line form, then withdraws it by match', async () => {
    h = makeHarness();
    await form(BLOCK);
    await form(FLAT);
    expect(h.backend.apiRoutes.map((r) => r.value)).toEqual(['rate-limit 19200']);
    const res = await form(
      'withdraw flow route { match { destination-port =53; protocol udp; destination 203.0.113.10/32; } }',
    );
    expect(res.statusCode).toBe(200);
    expect(h.backend.apiRoutes).toEqual([]);
  });

  it('lists api flows under flows (not routes) in GET /v1/desired, with their source', async () => {
    h = makeHarness();
    await form(BLOCK);
    const res = await h.app.inject({ method: 'GET', url: '/v1/desired' });
    expect(res.json()).toMatchObject({
      routes: [],
      flows: [
        {
          match: {
            destination: '203.0.113.10/32',
            protocol: ['=udp'],
            'destination-port': ['=53'],
          },
          then: { 'rate-limit': 9600 },
          source: { file: 'api' },
        },
      ],
    });
  });

  it('keeps a neighbor selector and rd', async () => {
    h = makeHarness();
    const res = await form(
      'neighbor 127.0.0.2 announce flow route { rd 65000:1; match { destination 192.0.2.0/24; } then { discard; } }',
    );
    expect(res.statusCode).toBe(200);
    expect(h.backend.apiRoutes.map((r) => [r.target, r.safi, r.rd])).toEqual([
      ['127.0.0.2', 'flow-vpn', '65000:1'],
    ]);
  });

  it('stores a broad discard but holds it for confirmation (202)', async () => {
    h = makeHarness();
    const res = await form(
      'announce flow route { match { destination 0.0.0.0/0; } then { discard; } }',
    );
    expect(res.statusCode).toBe(202);
    expect(res.json().guard).toMatchObject({ tripped: true, kind: 'broad-flow' });
  });

  it.each([
    [
      'not-a-fragment',
      'announce flow route destination 192.0.2.0/24 fragment not-a-fragment discard',
      /!is-fragment/,
    ],
    [
      'no action',
      'announce flow route { match { destination 192.0.2.0/24; } }',
      /at least one action/,
    ],
    ['an unknown word', 'announce flow route destination 192.0.2.0/24 drop', /unknown word "drop"/],
    [
      'unbalanced braces',
      'announce flow route { match { destination 192.0.2.0/24; } then { discard; }',
      /unbalanced/,
    ],
  ])('rejects %s with 400, changing nothing', async (_name, command, message) => {
    h = makeHarness();
    const res = await form(command);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(message);
    expect(h.backend.apiRoutes).toEqual([]);
  });
});

describe('PUT /v1/desired with flows', () => {
  it('stores a JSON body with flows as the api source and serves it back as a document', async () => {
    h = makeHarness();
    const body = JSON.stringify({
      routes: [],
      flows: [
        {
          match: { destination: '203.0.113.10/32', protocol: 'udp', 'destination-port': 53 },
          then: { 'rate-limit': 9600 },
        },
      ],
    });
    const res = await h.app.inject({
      method: 'PUT',
      url: '/v1/desired',
      payload: body,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(200);
    expect(h.backend.apiRoutes.map((r) => r.value)).toEqual(['rate-limit 9600']);
    const doc = await h.app.inject({ method: 'GET', url: '/v1/desired?source=api' });
    expect(doc.json()).toEqual({
      routes: [],
      flows: [
        {
          match: {
            destination: '203.0.113.10/32',
            protocol: ['=udp'],
            'destination-port': ['=53'],
          },
          then: { 'rate-limit': 9600 },
        },
      ],
    });
  });

  it('refuses an invalid flow with 422 and its position', async () => {
    h = makeHarness();
    const res = await h.app.inject({
      method: 'PUT',
      url: '/v1/desired',
      payload:
        'flows:\n  - match:\n      destination: 10.0.0.1/8\n    then:\n      discard: true\n',
      headers: { 'content-type': 'application/yaml' },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().diagnostics[0]).toMatchObject({ code: 'E_HOST_BITS', line: 3 });
    expect(h.backend.apiRoutes).toEqual([]);
  });
});
