// `confirm`: release the plan a running reconciler's mass-withdraw guard holds, named by its hash
// (POST /v1/plan/confirm). Exit codes: 0 confirmed, 1 error (bad arguments, unreachable, refused
// token), 2 nothing held or another hash held (the held one is printed).
import { readTokenFile } from '../http/auth.js';
import { parseArgs } from 'node:util';
import { DEFAULT_URL, endpointOf, errorOf, requestJson } from './http-client.js';
import { errorText, EXIT, writeLine, type CliIo } from './io.js';

export const CONFIRM_USAGE = `usage: exabgp-reconciler confirm [--url URL] [--token-file FILE] HASH

Confirm the plan held by a running reconciler's mass-withdraw guard. HASH is the plan hash that
\`status\`, the /ui page, GET /v1/plan (plan_hash) and the run log (plan_hash) show; a plan that
changed since has another hash and is not confirmed. The next reconcile applies it once.

options:
  --url URL          the reconciler's HTTP API                             [${DEFAULT_URL}]
  --token-file FILE  bearer token, when run has --token-file
                     (default: $EXABGP_RECONCILER_TOKEN_FILE)
  -h, --help

exit status: 0 confirmed, 1 error (bad arguments, unreachable, token refused),
2 nothing to confirm, or the guard holds a plan with another hash (printed on stderr)
`;

export async function confirmCommand(argv: readonly string[], io: CliIo): Promise<number> {
  let url: string;
  let hash: string;
  let tokenFile: string | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: {
        url: { type: 'string' },
        'token-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
    if (values.help === true) {
      io.stdout.write(CONFIRM_USAGE);
      return EXIT.ok;
    }
    if (positionals.length !== 1 || positionals[0] === '')
      throw new Error('expected exactly one plan HASH');
    hash = positionals[0]!;
    url = values.url ?? DEFAULT_URL;
    tokenFile = values['token-file'] ?? io.env['EXABGP_RECONCILER_TOKEN_FILE'];
  } catch (err) {
    writeLine(io.stderr, `exabgp-reconciler confirm: ${errorText(err)}`);
    io.stderr.write(`\n${CONFIRM_USAGE}`);
    return EXIT.error;
  }
  try {
    const token = tokenFile === undefined ? undefined : await readTokenFile(tokenFile);
    const res = await requestJson(endpointOf(url, '/v1/plan/confirm'), {
      method: 'POST',
      body: { hash },
      ...(token === undefined ? {} : { token }),
    });
    if (res.status === 202) {
      writeLine(io.stdout, `confirmed plan ${hash}: the next reconcile applies it`);
      return EXIT.ok;
    }
    writeLine(io.stderr, `exabgp-reconciler confirm: ${res.status} ${errorOf(res.body)}`);
    return res.status === 409 ? EXIT.changes : EXIT.error;
  } catch (err) {
    writeLine(io.stderr, `exabgp-reconciler confirm: ${errorText(err)}`);
    return EXIT.error;
  }
}
