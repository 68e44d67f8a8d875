// fast-check arbitraries of HTTP requests for the fuzz test and soak: every endpoint, valid and
// invalid bodies, media types, query strings, forms, odd methods, headers and raw bytes. A case
// built by refusalArb carries at least one poison that the API must refuse. Not a test file.
import fc from 'fast-check';
import { ipv4PrefixArb, ipv6PrefixArb } from './arbitraries.js';
import type { FuzzHttpRequest } from './raw-http.js';

export interface FuzzCase {
  readonly label: string;
  readonly request: FuzzHttpRequest;
  /** The API must refuse it (4xx, or 503 busy). */
  readonly mustRefuse: boolean;
}

const b = (text: string): Buffer => Buffer.from(text, 'utf8');

// ---- bodies -----------------------------------------------------------------------------------

const entryArb = fc.oneof(
  ipv4PrefixArb.map((prefix) => ({ prefix, 'next-hop': '192.0.2.10' })),
  ipv6PrefixArb.map((prefix) => ({ prefix, 'next-hop': '2001:db8::10' })),
  fc
    .tuple(
      ipv4PrefixArb,
      fc.integer({ min: 0, max: 1000 }),
      fc.constantFrom('65000:1', 'no-export'),
    )
    .map(([prefix, med, community]) => ({
      prefix,
      'next-hop': 'self',
      med,
      community: [community],
    })),
);

/** A route document that validates (unless prefixes repeat or meet a file route: 422/409). */
export const validDocArb = fc.array(entryArb, { maxLength: 30 }).map((routes) => ({ routes }));

export function toYaml(doc: { routes: readonly Record<string, unknown>[] }): string {
  if (doc.routes.length === 0) return 'routes: []\n';
  const item = (r: Record<string, unknown>): string =>
    Object.entries(r)
      .map(([k, v], i) => `${i === 0 ? '  - ' : '    '}${k}: ${JSON.stringify(v)}`)
      .join('\n');
  return `routes:\n${doc.routes.map(item).join('\n')}\n`;
}

/** `n` /32 routes in the grouped form (parsed in the worker once over 4 KiB). */
export function groupedDocument(n: number, offset = 0): string {
  const prefixes = Array.from({ length: n }, (_, k) => {
    const i = k + offset;
    return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`;
  });
  return JSON.stringify({ routes: [{ prefixes, 'next-hop': '192.0.2.10' }] });
}

function billionLaughs(levels: number): string {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < levels; i++) {
    const prev = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    lines.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(',')}]`);
  }
  return `${lines.join('\n')}\nroutes: *${String.fromCharCode(96 + levels)}\n`;
}

/** Bodies no media type can make acceptable (each is refused by the HTTP layer or the parser). */
export const invalidBodyArb: fc.Arbitrary<Buffer> = fc.oneof(
  fc
    .constantFrom(
      '',
      ' \n\t\r\n',
      'null',
      '~',
      '---\n',
      '# nothing\n',
      '{}',
      '[]',
      'routes:',
      'routes: [',
      '{"routes": [}',
      'routes: 1',
      'routes: [1, 2]',
      'defaults:\n  next-hop: 192.0.2.1\n',
      'routes:\n  - prefix: 10.0.0.1/24\n    next-hop: 192.0.2.1\n',
      'routes:\n  - prefix: 198.51.100.0/24\n    next-hop: 192.0.2.1\n    med: 5\n',
      'routes:\n  - prefix: 10.0.0.0/24\n    next-hop: 2001:db8::1\n',
      'routes:\n  - prefix: 10.0.0.0/24\n    next-hop: 192.0.2.1\n  - prefix: 10.0.0.0/24\n    next-hop: 192.0.2.1\n',
      'routes:\n  - prefix: 10.0.0.0/24\n    next-hop: 192.0.2.1\n    colour: red\n',
      '{"routes":[{"prefix":"10.0.0.0/24","next-hop":"192.0.2.1","__proto__":{"x":1}}]}',
      'routes: !!binary aGVsbG8=\n',
      '"routes"',
    )
    .map(b),
  fc.uint8Array({ minLength: 1, maxLength: 3000 }).map((u) => Buffer.from(u)),
  fc
    .string({ maxLength: 500 })
    .filter((s) => !s.includes('routes'))
    .map(b),
  fc
    .string({ unit: 'binary', minLength: 1, maxLength: 300 })
    .filter((s) => !s.includes(']'))
    .map((s) => b(`routes: [${s}`)),
  fc
    .integer({ min: 1, max: 255 })
    .map((n) => Buffer.concat([b('routes: []\n# '), Buffer.from([0x80 + (n & 0x7f)])])),
  fc.integer({ min: 10, max: 60_000 }).map((n) => b('['.repeat(n))),
  fc.integer({ min: 10, max: 5_000 }).map((n) => b(`routes: ${'{a: '.repeat(n)}`)),
  fc.integer({ min: 3, max: 9 }).map((n) => b(billionLaughs(n))),
  fc
    .integer({ min: 1, max: 256 * 1024 })
    .map((n) => b(`routes:\n  - prefix: "${'x'.repeat(n)}"\n`)),
  fc
    .integer({ min: 1, max: 300 })
    .map((n) => b(`routes:\n${'  - prefix: 10.0.0.1/24\n    next-hop: nope\n'.repeat(n)}`)),
  fc
    .integer({ min: 1, max: 2000 })
    .map((n) => b(`{"routes":[{${Array.from({ length: n }, (_, i) => `"k${i}":1`).join(',')}}]}`)),
);

// ---- media types, queries, headers ----------------------------------------------------------

const GOOD_DOC_TYPES = [
  'application/json',
  'application/yaml',
  'text/yaml; charset=utf-8',
  'application/x-yaml',
];
const BAD_TYPES = [
  'text/plain',
  'application/octet-stream',
  'application/jsonx',
  'application/merge-patch+json',
  'application/yaml; charset=latin1',
  'application/json; charset=utf-16',
  'application/json; profile=x',
  'multipart/form-data',
  'application/x-www-form-urlencoded',
  'json',
  '*/*',
  'application/json, text/yaml',
  ';',
  '',
];

const queryNameArb = fc.stringMatching(/^[A-Za-z_\-.]{1,12}$/);

/** A query string (with its "?") the route does not take: unknown or repeated names. */
function badQueryArb(allowed: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(
      '?dryrun=1',
      '?dry-run=true',
      '?DRY_RUN=1',
      '?force=1',
      '?=1',
      '?source=api&source=x',
      '?dry_run=1&dry_run=1',
    ),
    queryNameArb.filter((n) => !allowed.includes(n)).map((n) => `?${n}=1`),
    fc.constantFrom(...(allowed.length > 0 ? allowed : ['x'])).map((n) => `?${n}=1&${n}=2`),
  );
}

const encodingArb = fc.constantFrom(
  'gzip',
  'br',
  'deflate',
  'compress',
  'x-gzip',
  'identity, gzip',
  'GZIP',
  'zstd',
);
const staleEtagArb = fc.stringMatching(/^[0-9a-f]{32}$/).map((h) => `"${h}"`);

const oddHeaderArb: fc.Arbitrary<readonly [string, string]> = fc.oneof(
  fc.constant(['X-Long', 'l'.repeat(8000)] as const),
  fc.constant(['Expect', '100-continue'] as const),
  fc.constant(['Authorization', 'Bearer nope'] as const),
  fc.constant(['Accept', 'application/xml'] as const),
  fc.constant(['Range', 'bytes=0-10'] as const),
  fc.constant(['X-Forwarded-For', '10.0.0.1'] as const),
  fc.tuple(
    fc.stringMatching(/^X-[A-Za-z0-9-]{1,20}$/),
    fc.string({ maxLength: 50 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
  ),
);

// ---- PUT /v1/desired ----------------------------------------------------------------------------

interface PutParts {
  readonly type: string | undefined;
  readonly query: string;
  readonly body: Buffer | undefined;
  readonly headers: readonly (readonly [string, string])[];
  readonly chunked: boolean;
}

const putBaseArb: fc.Arbitrary<PutParts> = fc.record({
  type: fc.constantFrom(...GOOD_DOC_TYPES),
  query: fc.constantFrom('', '', '?dry_run=true', '?dry_run=1', '?dry_run=false'),
  body: fc.oneof(
    { weight: 3, arbitrary: validDocArb.map((d) => b(JSON.stringify(d))) },
    { weight: 2, arbitrary: validDocArb.map((d) => b(toYaml(d))) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 300, max: 2000 }).map((n) => b(groupedDocument(n, 4096))),
    },
    { weight: 2, arbitrary: invalidBodyArb },
  ),
  headers: fc.array(oddHeaderArb, { maxLength: 2 }),
  chunked: fc.boolean(),
});

type Poison = (p: PutParts) => PutParts;

const putPoisonArb: fc.Arbitrary<[string, Poison]> = fc.oneof(
  badQueryArb(['dry_run']).map((q): [string, Poison] => [
    `query ${q}`,
    (p) => ({ ...p, query: q }),
  ]),
  fc.constant<[string, Poison]>(['dry_run=maybe', (p) => ({ ...p, query: '?dry_run=maybe' })]),
  fc
    .constantFrom(...BAD_TYPES)
    .map((t): [string, Poison] => [`type ${t}`, (p) => ({ ...p, type: t })]),
  fc.constant<[string, Poison]>(['no type', (p) => ({ ...p, type: undefined })]),
  encodingArb.map((e): [string, Poison] => [
    `encoding ${e}`,
    (p) => ({ ...p, headers: [...p.headers, ['Content-Encoding', e]] }),
  ]),
  fc.constant<[string, Poison]>([
    'two types',
    (p) => ({ ...p, headers: [...p.headers, ['Content-Type', 'text/plain']] }),
  ]),
  staleEtagArb.map((e): [string, Poison] => [
    `if-match ${e}`,
    (p) => ({ ...p, headers: [...p.headers, ['If-Match', e]] }),
  ]),
  invalidBodyArb.map((body): [string, Poison] => ['invalid body', (p) => ({ ...p, body })]),
  fc.constant<[string, Poison]>(['no body', (p) => ({ ...p, body: undefined })]),
  fc.constant<[string, Poison]>([
    'transfer gzip',
    (p) => ({ ...p, headers: [...p.headers, ['Transfer-Encoding', 'gzip']] }),
  ]),
);

function putRequest(p: PutParts): FuzzHttpRequest {
  const headers: [string, string][] = [];
  if (p.type !== undefined) headers.push(['Content-Type', p.type]);
  headers.push(...p.headers.map(([n, v]): [string, string] => [n, v]));
  const framed = p.headers.some(([n]) => n.toLowerCase() === 'transfer-encoding');
  return {
    method: 'PUT',
    target: `/v1/desired${p.query}`,
    headers,
    ...(p.body === undefined ? {} : { body: p.body }),
    chunked: p.chunked && !framed && p.body !== undefined,
  };
}

function describeBody(body: Buffer | undefined): string {
  if (body === undefined) return 'no body';
  const head = body
    .subarray(0, 60)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '.');
  return `${body.length} bytes "${head}"`;
}

function label(r: FuzzHttpRequest, why: string): string {
  const hs = r.headers
    .map(([n, v]) => `${n}: ${v.length > 40 ? `${v.slice(0, 40)}…` : v}`)
    .join('; ');
  return `${r.method} ${r.target.slice(0, 80)} [${hs}] ${describeBody(r.body ?? r.raw)} (${why})`;
}

export const putRefusalArb: fc.Arbitrary<FuzzCase> = fc
  .tuple(putBaseArb, fc.array(putPoisonArb, { minLength: 1, maxLength: 2 }))
  .map(([base, poisons]) => {
    const parts = poisons.reduce((p, [, poison]) => poison(p), base);
    const request = putRequest(parts);
    return { label: label(request, poisons.map(([n]) => n).join(', ')), request, mustRefuse: true };
  });

export const putAnyArb: fc.Arbitrary<FuzzCase> = putBaseArb.map((parts) => {
  const request = putRequest(parts);
  return { label: label(request, 'any'), request, mustRefuse: false };
});

// ---- POST / (classic form) ----------------------------------------------------------------------

const validCommandArb = fc.oneof(
  ipv4PrefixArb.map((p) => `announce route ${p} next-hop self`),
  fc
    .tuple(ipv4PrefixArb, fc.integer({ min: 0, max: 99 }))
    .map(([p, m]) => `announce route ${p} next-hop 192.0.2.10 med ${m}`),
  ipv4PrefixArb.map((p) => `withdraw route ${p}`),
);

const badCommandArb = fc.oneof(
  fc.constantFrom(
    'shutdown',
    'neighbor 192.0.2.1 teardown 2',
    'announce route 100.10.0.0/24 next-hop self shutdown',
    'announce route 100.10.0.0/24 next-hop self\nshutdown',
    'announce route 100.10.0.0/24 next-hop self\r',
    'announce route 100.10.0.0/33 next-hop self',
    'announce route 100.10.0.0/24 next-hop self colour red',
    'announce flow route { match { destination 10.0.0.1/8; } then { discard; } }',
    'announce flow route destination 10.0.0.0/24 fragment not-a-fragment discard',
    'announce flow route { match { destination 10.0.0.0/24; } then { discard; } } shutdown',
    'announce flow route { match { destination 10.0.0.0/24; } }',
    'announce route 100.10.0.0/24 next-hop self med 1\u00a0',
    '   ',
    '',
    'reload',
    'announce route 100.10.0.1/24 next-hop self',
  ),
  fc.string({ maxLength: 200 }).filter((s) => !/^\s*(announce|withdraw) route /.test(s)),
  fc
    .integer({ min: 65_537, max: 100_000 })
    .map((n) => `announce route 100.10.0.0/24 next-hop self${' '.repeat(n)}community no-export`),
);

function form(
  fields: readonly [string, string][],
  kind: 'urlencoded' | 'multipart',
): { type: string; body: Buffer } {
  if (kind === 'urlencoded')
    return {
      type: 'application/x-www-form-urlencoded',
      body: b(
        fields.map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`).join('&'),
      ),
    };
  const parts = fields.map(
    ([n, v]) => `--fz\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`,
  );
  return { type: 'multipart/form-data; boundary=fz', body: b(`${parts.join('')}--fz--\r\n`) };
}

const formKindArb = fc.constantFrom<'urlencoded' | 'multipart'>('urlencoded', 'multipart');

function postForm(type: string | undefined, body: Buffer, query = ''): FuzzHttpRequest {
  return {
    method: 'POST',
    target: `/${query}`,
    headers: type === undefined ? [] : [['Content-Type', type]],
    body,
  };
}

export const classicRefusalArb: fc.Arbitrary<FuzzCase> = fc.oneof(
  fc.tuple(badCommandArb, formKindArb).map(([c, k]) => {
    const f = form([['command', c]], k);
    const request = postForm(f.type, f.body);
    return { label: label(request, 'bad command'), request, mustRefuse: true };
  }),
  fc.tuple(validCommandArb, formKindArb, badQueryArb([])).map(([c, k, q]) => {
    const f = form([['command', c]], k);
    const request = postForm(f.type, f.body, q);
    return { label: label(request, 'query'), request, mustRefuse: true };
  }),
  fc
    .tuple(
      validCommandArb,
      fc.constantFrom(
        ...BAD_TYPES.filter((t) => t !== 'application/x-www-form-urlencoded'),
        'multipart/form-data; boundary=',
        'multipart/mixed; boundary=fz',
      ),
    )
    .map(([c, t]) => {
      const request = postForm(
        t,
        form([['command', c]], t.startsWith('multipart') ? 'multipart' : 'urlencoded').body,
      );
      return { label: label(request, 'type'), request, mustRefuse: true };
    }),
  fc
    .tuple(validCommandArb, formKindArb, fc.constantFrom('extra', 'command', 'Command', 'cmd'))
    .map(([c, k, other]) => {
      const f = form(
        [
          ['command', c],
          [other, c],
        ],
        k,
      );
      const request = postForm(f.type, f.body);
      return { label: label(request, `second field ${other}`), request, mustRefuse: true };
    }),
  fc
    .tuple(
      validCommandArb,
      fc.constantFrom('unterminated', 'filename', 'json part', 'no boundary line'),
    )
    .map(([c, how]) => {
      const body = {
        unterminated: `--fz\r\nContent-Disposition: form-data; name="command"\r\n\r\n${c}\r\n`,
        filename: `--fz\r\nContent-Disposition: form-data; name="command"; filename="c"\r\n\r\n${c}\r\n--fz--\r\n`,
        'json part': `--fz\r\nContent-Disposition: form-data; name="command"\r\nContent-Type: application/json\r\n\r\n"${c}"\r\n--fz--\r\n`,
        'no boundary line': `${c}\r\n`,
      }[how];
      const request = postForm('multipart/form-data; boundary=fz', b(body));
      return { label: label(request, how), request, mustRefuse: true };
    }),
  fc.uint8Array({ minLength: 1, maxLength: 2000 }).map((u) => {
    const request = postForm('multipart/form-data; boundary=fz', Buffer.from(u));
    return { label: label(request, 'random multipart'), request, mustRefuse: true };
  }),
);

export const classicValidArb: fc.Arbitrary<FuzzCase> = fc
  .tuple(validCommandArb, formKindArb)
  .map(([c, k]) => {
    const f = form([['command', c]], k);
    const request = postForm(f.type, f.body);
    return { label: label(request, 'command'), request, mustRefuse: false };
  });

// ---- control, reads, methods, raw ----------------------------------------------------------------

const jsonBodyArb = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => b(JSON.stringify(v) ?? 'null')),
  fc
    .constantFrom(
      '{"hash":1}',
      '{"hash":"x","force":true}',
      '{"hash":["x"]}',
      '{"hash":null}',
      '{',
      '',
      '{"__proto__":{"hash":"x"}}',
    )
    .map(b),
);

export const confirmArb: fc.Arbitrary<FuzzCase> = fc
  .tuple(
    jsonBodyArb,
    fc.constantFrom('application/json', 'text/plain', 'application/yaml', undefined),
  )
  .map(([body, type]) => {
    const request: FuzzHttpRequest = {
      method: 'POST',
      target: '/v1/plan/confirm',
      headers: type === undefined ? [] : [['Content-Type', type]],
      body,
    };
    // Nothing is held by the guard in these runs: every confirmation is refused (409 or 4xx).
    return { label: label(request, 'confirm'), request, mustRefuse: true };
  });

const READS = [
  '/healthz',
  '/readyz',
  '/metrics',
  '/v1/status',
  '/v1/plan',
  '/v1/announced',
  '/v1/desired',
  '/openapi.json',
];
const UNKNOWN_PATHS = [
  '/nope',
  '/v1',
  '/v1/',
  '/v1/desired/x',
  '/HEALTHZ',
  '//healthz',
  '/healthz/',
  '/v2/desired',
  '/%2e%2e/etc/passwd',
  '/v1/plan/confirm/x',
  '/favicon.ico',
];

export const readArb: fc.Arbitrary<FuzzCase> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('GET', 'HEAD'),
      fc.constantFrom(...READS, '/v1/desired?source=api', '/v1/desired?source=routes.d/edge.yaml'),
    )
    .map(([method, target]) => {
      const request: FuzzHttpRequest = { method, target, headers: [] };
      return { label: label(request, 'read'), request, mustRefuse: false };
    }),
  fc
    .constantFrom(...READS)
    .chain((path) =>
      badQueryArb(path === '/v1/desired' ? ['source'] : []).map((q) => `${path}${q}`),
    )
    .map((target) => {
      const request: FuzzHttpRequest = { method: 'GET', target, headers: [] };
      return { label: label(request, 'read query'), request, mustRefuse: true };
    }),
);

export const methodArb: fc.Arbitrary<FuzzCase> = fc
  .tuple(
    fc.constantFrom('DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND', 'PUT', 'POST', 'GET'),
    fc.constantFrom(
      ...UNKNOWN_PATHS,
      '/healthz',
      '/metrics',
      '/v1/status',
      '/v1/announced',
      '/openapi.json',
    ),
    fc.option(
      fc.uint8Array({ maxLength: 200 }).map((u) => Buffer.from(u)),
      { nil: undefined },
    ),
  )
  // Every pair is unknown (404) except a GET of a read endpoint.
  .filter(([method, path]) => method !== 'GET' || UNKNOWN_PATHS.includes(path))
  .map(([method, target, body]) => {
    const request: FuzzHttpRequest = {
      method,
      target,
      headers: body === undefined ? [] : [['Content-Type', 'application/json']],
      ...(body === undefined ? {} : { body }),
    };
    return { label: label(request, 'method'), request, mustRefuse: true };
  });

export const reconcileArb: fc.Arbitrary<FuzzCase> = fc.constantFrom('', '?now=1').map((q) => {
  const request: FuzzHttpRequest = { method: 'POST', target: `/v1/reconcile${q}`, headers: [] };
  return { label: label(request, 'reconcile'), request, mustRefuse: q !== '' };
});

/** Bytes that are not a well-formed request: the server answers 4xx or closes, never worse. */
export const rawArb: fc.Arbitrary<FuzzCase> = fc
  .oneof(
    fc.uint8Array({ minLength: 1, maxLength: 2000 }).map((u) => Buffer.from(u)),
    fc
      .constantFrom(
        'GET /healthz HTTP/9.9\r\n\r\n',
        'GET /healthz HTTP/1.1\r\nHost: t\r\nbad header\r\n\r\n',
        'GET /healthz HTTP/1.1\r\nHost: t\r\nX: a\rb\r\n\r\n',
        'PUT /v1/desired HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
        'PUT /v1/desired HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n',
        'PUT /v1/desired HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n',
        'PUT /v1/desired HTTP/1.1\r\nHost: t\r\nContent-Type: application/yaml\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n0\r\n\r\n',
        'CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: t\r\n\r\n',
        'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
        'GET /%zz HTTP/1.1\r\nHost: t\r\n\r\n',
        `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: t\r\n\r\n`,
        'GET /healthz HTTP/1.1\r\n\r\n',
      )
      .map((s) => Buffer.from(s, 'latin1')),
  )
  .map((raw) => ({
    label: `raw ${describeBody(raw)}`,
    request: { method: 'RAW', target: '', headers: [], raw },
    mustRefuse: true,
  }));

export const refusalArb: fc.Arbitrary<FuzzCase> = fc.oneof(
  { weight: 6, arbitrary: putRefusalArb },
  { weight: 3, arbitrary: classicRefusalArb },
  { weight: 1, arbitrary: confirmArb },
  { weight: 1, arbitrary: readArb.filter((c) => c.mustRefuse) },
  { weight: 1, arbitrary: methodArb },
  { weight: 1, arbitrary: rawArb },
);

export const mixedArb: fc.Arbitrary<FuzzCase> = fc.oneof(
  { weight: 4, arbitrary: putAnyArb },
  { weight: 3, arbitrary: refusalArb },
  { weight: 2, arbitrary: classicValidArb },
  { weight: 2, arbitrary: readArb },
  { weight: 1, arbitrary: reconcileArb },
);
