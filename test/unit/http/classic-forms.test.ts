// The classic POST / form endpoint reads its form strictly: a field is never cut short and applied
// (a command over 64 KiB is a 413), a malformed form is a 400/415 (never a 500), and the form must
// hold exactly one `command` field and nothing else.
import { afterEach, describe, expect, it } from 'vitest';
import { makeHarness, multipartBody, type Harness } from './server-helpers.js';

let h: Harness;
afterEach(async () => {
  await h.app.close();
});

const ANNOUNCE = 'announce route 100.10.0.0/24 next-hop self';
const FORM = 'application/x-www-form-urlencoded';

function post(payload: string | Buffer, contentType: string | undefined) {
  return h.app.inject({
    method: 'POST',
    url: '/',
    payload,
    headers: contentType === undefined ? {} : { 'content-type': contentType },
  });
}

/** A valid command whose first 64 KiB are a valid command without its community. */
function commandCutAt64KiB(): string {
  const head = ANNOUNCE;
  return `${head}${' '.repeat(64 * 1024 - head.length)} community no-export`;
}

function expectNothingStored(): void {
  expect(h.backend.replaceCalls).toBe(0);
  expect(h.backend.apiRoutes).toEqual([]);
}

describe('fields over the limit are refused, never cut', () => {
  it('refuses a multipart command over 64 KiB with 413 instead of announcing its first 64 KiB', async () => {
    h = makeHarness();
    const { payload, contentType } = multipartBody([['command', commandCutAt64KiB()]]);
    const res = await post(payload, contentType);
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('E_BODY_TOO_LARGE');
    expectNothingStored();
  });

  it('refuses a urlencoded command over 64 KiB with 413', async () => {
    h = makeHarness();
    const res = await post(`command=${encodeURIComponent(commandCutAt64KiB())}`, FORM);
    expect(res.statusCode).toBe(413);
    expectNothingStored();
  });

  it('refuses a form body over 256 KiB with 413 before parsing it', async () => {
    h = makeHarness();
    const res = await post(`command=${'a'.repeat(300 * 1024)}`, FORM);
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('E_BODY_TOO_LARGE');
  });
});

describe('malformed multipart bodies', () => {
  const part = (body: string) =>
    `--b\r\nContent-Disposition: form-data; name="command"\r\n\r\n${body}\r\n`;

  it.each([
    ['no boundary parameter', 'multipart/form-data', part(ANNOUNCE) + '--b--\r\n'],
    ['an empty boundary', 'multipart/form-data; boundary=', part(ANNOUNCE) + '--b--\r\n'],
    ['a boundary over 70 characters', `multipart/form-data; boundary=${'b'.repeat(71)}`, 'x'],
    ['a mixed multipart', 'multipart/mixed; boundary=b', part(ANNOUNCE) + '--b--\r\n'],
  ])('refuses %s with 415 E_MEDIA_TYPE', async (_name, type, payload) => {
    h = makeHarness();
    const res = await post(payload, type);
    expect(res.statusCode).toBe(415);
    expect(res.json().code).toBe('E_MEDIA_TYPE');
    expectNothingStored();
  });

  it.each([
    ['no closing boundary', part(ANNOUNCE)],
    [
      'a body cut inside the part',
      `--b\r\nContent-Disposition: form-data; name="command"\r\n\r\n${ANNOUNCE}`,
    ],
    ['no boundary at all', `${ANNOUNCE}\r\n`],
    ['a part without headers', `--b\r\n\r\n${ANNOUNCE}\r\n--b--\r\n`],
    [
      'a part without content-disposition',
      `--b\r\nContent-Type: text/plain\r\n\r\n${ANNOUNCE}\r\n--b--\r\n`,
    ],
    [
      'a part that is not form-data',
      `--b\r\nContent-Disposition: attachment; name="command"\r\n\r\n${ANNOUNCE}\r\n--b--\r\n`,
    ],
    [
      'a part without a name',
      `--b\r\nContent-Disposition: form-data\r\n\r\n${ANNOUNCE}\r\n--b--\r\n`,
    ],
    [
      'a json part',
      `--b\r\nContent-Disposition: form-data; name="command"\r\nContent-Type: application/json\r\n\r\n"${ANNOUNCE}"\r\n--b--\r\n`,
    ],
    [
      'a base64 part',
      `--b\r\nContent-Disposition: form-data; name="command"\r\nContent-Transfer-Encoding: base64\r\n\r\nYW5ub3VuY2U=\r\n--b--\r\n`,
    ],
    [
      'a header line without a colon',
      `--b\r\nContent-Disposition: form-data; name="command"\r\nbogus\r\n\r\n${ANNOUNCE}\r\n--b--\r\n`,
    ],
    [
      'garbage after a boundary',
      `--b junk\r\nContent-Disposition: form-data; name="command"\r\n\r\n${ANNOUNCE}\r\n--b--\r\n`,
    ],
  ])('refuses %s with 400 and changes nothing', async (_name, payload) => {
    h = makeHarness();
    const res = await post(payload, 'multipart/form-data; boundary=b');
    expect(res.statusCode).toBe(400);
    expect(['E_BAD_REQUEST', 'E_COMMAND']).toContain(res.json().code);
    expectNothingStored();
  });

  it('accepts a preamble, transport padding, a quoted boundary and an epilogue', async () => {
    h = makeHarness();
    const payload = `preamble\r\n--b c \t\r\nContent-Disposition: form-data; name=command\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${ANNOUNCE}\r\n--b c--\r\nepilogue`;
    const res = await post(payload, 'multipart/form-data; boundary="b c"');
    expect(res.statusCode).toBe(200);
    expect(h.backend.apiRoutes.map((r) => r.prefix)).toEqual(['100.10.0.0/24']);
  });
});

describe('the form holds one command and nothing else', () => {
  it.each([
    ['urlencoded', `command=${encodeURIComponent(ANNOUNCE)}&extra=1`, FORM],
    [
      'multipart',
      multipartBody([
        ['command', ANNOUNCE],
        ['dry_run', '1'],
      ]).payload,
      undefined,
    ],
  ])('refuses an extra %s field with 400 E_COMMAND', async (_name, payload, type) => {
    h = makeHarness();
    const res = await post(payload, type ?? multipartBody([]).contentType);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('E_COMMAND');
    expect(res.json().message).toContain('unknown form field');
    expectNothingStored();
  });

  it('refuses a urlencoded form with the command twice', async () => {
    h = makeHarness();
    const res = await post(`command=${encodeURIComponent(ANNOUNCE)}&command=x`, FORM);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('E_COMMAND');
    expectNothingStored();
  });

  it('refuses a multipart form with no part', async () => {
    h = makeHarness();
    const res = await post('--b--\r\n', 'multipart/form-data; boundary=b');
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('missing form field "command"');
  });
});

describe('urlencoded bodies', () => {
  it.each([
    ['a malformed escape', 'command=announce%2route'],
    ['a non-ascii byte', Buffer.from('command=announce\xe9', 'latin1')],
    ['an escape that is not utf-8', 'command=%e9'],
  ])('refuses %s with 400', async (_name, payload) => {
    h = makeHarness();
    const res = await post(payload, FORM);
    expect(res.statusCode).toBe(400);
    expectNothingStored();
  });

  it.each([
    'application/x-www-form-urlencoded; charset=iso-8859-1',
    'application/x-www-form-urlencoded; x=1',
  ])('refuses %s with 415', async (type) => {
    h = makeHarness();
    const res = await post(`command=${encodeURIComponent(ANNOUNCE)}`, type);
    expect(res.statusCode).toBe(415);
    expectNothingStored();
  });

  it('accepts the raw form curl -d sends (spaces and slashes unescaped, + for space)', async () => {
    h = makeHarness();
    const res = await post('command=announce+route 100.10.0.0/24 next-hop self', FORM);
    expect(res.statusCode).toBe(200);
    expect(h.backend.apiRoutes.map((r) => r.prefix)).toEqual(['100.10.0.0/24']);
  });

  it.each([
    ['no content type', undefined],
    ['text/plain', 'text/plain'],
    ['application/json', 'application/json'],
  ])('refuses %s with 415 E_MEDIA_TYPE', async (_name, type) => {
    h = makeHarness();
    const res = await post(`command=${encodeURIComponent(ANNOUNCE)}`, type);
    expect(res.statusCode).toBe(415);
    expect(res.json().code).toBe('E_MEDIA_TYPE');
  });
});
