// `validate` as a real process: exit codes, compiler-style diagnostics on stderr, nothing on stdout.
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/spawn-cli.js';

const BAD = 'test/fixtures/routes/bad';

describe('exabgp-reconciler validate', () => {
  it('accepts the bundled routes.d with exit 0 and prints nothing on stdout', async () => {
    const r = await runCli(['validate', '--routes', 'routes.d']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^routes\.d: \d+ files, \d+ routes, 0 errors, 0 warnings\n$/);
  });

  it('reports every broken file with exact positions and exits 1', async () => {
    const r = await runCli(['validate', '--routes', BAD]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n');
    expect(lines).toContain(
      `${BAD}/host-bits.yaml:4:13: error E_HOST_BITS: routes[1].prefix: 192.0.2.1/24: host bits set, did you mean 192.0.2.0/24?`,
    );
    expect(lines).toContain(
      `${BAD}/yaml-syntax.yaml:4:1: error E_YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`,
    );
    expect(
      lines.some((l) => l.startsWith(`${BAD}/next-hop-family.yaml:3:15: error E_NEXT_HOP_FAMILY:`)),
    ).toBe(true);
    expect(lines.some((l) => l.startsWith(`${BAD}/alias-bomb.yaml: error E_ALIAS_LIMIT:`))).toBe(
      true,
    );
    expect(lines.filter((l) => / error E_/.test(l))).toHaveLength(14);
  });

  it('names both places of a conflict between two files', async () => {
    const r = await runCli(['validate', '--routes', 'test/fixtures/routes/conflict']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /conflict\/b\.yaml:\d+:\d+: error E_CONFLICT: .*conflict\/a\.yaml:\d+/,
    );
  });

  it('accepts identical duplicates across files', async () => {
    const r = await runCli(['validate', '--routes', 'test/fixtures/routes/identical']);
    expect(r.code).toBe(0);
  });

  it('exits 0 with a warning for an IPv6 route with next-hop self', async () => {
    const r = await runCli(['validate', '--routes', 'test/fixtures/routes/valid']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning W_NEXT_HOP_SELF_IPV6/);
  });

  it('reports a missing directory as an error', async () => {
    const r = await runCli(['validate', '--routes', 'no/such/dir']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /no\/such\/dir: error E_IO_READ: cannot read routes directory: not found/,
    );
  });

  it.each([
    [['validate', '--bogus'], /unknown option '--bogus'/],
    [['validate', '--routes'], /argument missing|requires an argument|--routes/],
  ])('rejects bad flags %j with exit 1 and the usage', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/usage: exabgp-reconciler validate/);
  });

  it('prints its help on stdout with --help', async () => {
    const r = await runCli(['validate', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: exabgp-reconciler validate/);
  });
});
