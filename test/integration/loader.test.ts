import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DIR_BOUNDS,
  isRouteFileName,
  loadRouteDir,
  RouteDirLoader,
} from '../../src/config/load-routes.js';

const A = 'routes:\n  - prefix: 192.0.2.0/24\n    next-hop: 192.0.2.1\n';
const B = 'routes:\n  - prefixes: [198.51.100.0/24, 203.0.113.0/24]\n    next-hop: 192.0.2.1\n';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'routes-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('RouteDirLoader', () => {
  it('re-parses only the file that changed', async () => {
    await writeFile(join(dir, 'a.yaml'), A);
    await writeFile(join(dir, 'b.yml'), B);
    const loader = new RouteDirLoader(dir);
    const first = await loader.load();
    expect([first.parsed, first.reused]).toEqual([2, 0]);
    const again = await loader.load();
    expect([again.parsed, again.reused]).toEqual([0, 2]);
    expect(again.sources[0]).toBe(first.sources[0]);
    await writeFile(join(dir, 'a.yaml'), A.replace('192.0.2.1', '192.0.2.9'));
    const edited = await loader.load();
    expect([edited.parsed, edited.reused]).toEqual([1, 1]);
    expect(edited.sources.map((s) => s.routes.length)).toEqual([1, 2]);
    expect(edited.sources[0]?.routes[0]?.value).toBe('next-hop 192.0.2.9');
  });

  it('forgets deleted files', async () => {
    await writeFile(join(dir, 'a.yaml'), A);
    const loader = new RouteDirLoader(dir);
    await loader.load();
    await rm(join(dir, 'a.yaml'));
    expect((await loader.load()).sources).toEqual([]);
  });

  it('ignores dotfiles, editor temp files and non-yaml files, and reports a directory', async () => {
    await writeFile(join(dir, 'a.yaml'), A);
    for (const name of [
      '.hidden.yaml',
      'a.yaml~',
      'a.yaml.swp',
      '.a.yaml.swp',
      'a.tmp',
      '#a.yaml#',
      'notes.txt',
    ]) {
      await writeFile(join(dir, name), 'not: [valid');
    }
    await mkdir(join(dir, 'sub.yaml'));
    const { sources } = await new RouteDirLoader(dir).load();
    expect(sources.map((s) => [s.source, s.diagnostics.map((d) => d.code)])).toEqual([
      [join(dir, 'a.yaml'), []],
      [join(dir, 'sub.yaml'), ['E_IO_READ']],
    ]);
  });

  it('reports a missing directory as a diagnostic', async () => {
    const missing = join(dir, 'nope');
    const r = await loadRouteDir(missing);
    expect(r.ok ? [] : r.diagnostics.map((d) => [d.code, d.file, d.message])).toEqual([
      ['E_IO_READ', missing, 'cannot read routes directory: not found'],
    ]);
  });

  it('rejects an oversized file without reading it', async () => {
    await writeFile(join(dir, 'big.yaml'), A + '#'.repeat(200) + '\n');
    const r = await loadRouteDir(dir, { maxBytes: 100 });
    expect(r.ok ? [] : r.diagnostics.map((d) => d.code)).toEqual(['E_FILE_TOO_LARGE']);
  });

  it('merges a fixture tree with a conflict into an error naming both files', async () => {
    const r = await loadRouteDir('test/fixtures/routes/conflict');
    expect(r.ok ? [] : r.diagnostics.map((d) => [d.code, d.file, d.line])).toEqual([
      ['E_CONFLICT', 'test/fixtures/routes/conflict/b.yaml', 5],
    ]);
  });

  it('loads the bundled routes.d without errors', async () => {
    const r = await loadRouteDir('routes.d');
    expect(r.ok).toBe(true);
    // 12 routes and the 3 FlowSpec rules of routes.d/flows.yaml
    expect(r.ok && r.value.size).toBe(15);
  });
});

describe('isRouteFileName', () => {
  it.each([
    ['a.yaml', true],
    ['a.yml', true],
    ['.a.yaml', false],
    ['a.yaml~', false],
    ['a.swp', false],
    ['a.tmp', false],
    ['#a.yaml#', false],
    ['a.json', false],
  ])('%s → %s', (name, ok) => {
    expect(isRouteFileName(name)).toBe(ok);
  });
});

describe('RouteDirLoader bounds on the whole directory', () => {
  const many = (n: number, base: number) =>
    `routes:\n  - prefixes: [${Array.from({ length: n }, (_, i) => `10.${base}.${i >> 8}.${i & 255}/32`).join(', ')}]\n    next-hop: 192.0.2.1\n`;

  it('has the limits of limits.ts by default: 10,000 files, 256 MiB, 4 Mi routes', () => {
    expect(DIR_BOUNDS).toEqual({
      files: 10_000,
      bytes: 256 * 1024 * 1024,
      routes: 4 * 1024 * 1024,
    });
  });

  it.each([
    ['more files', { files: 2, bytes: 1e9, routes: 1e9 }, '3 route files, more than 2'],
    ['more bytes', { files: 100, bytes: 100, routes: 1e9 }, 'more than 100 bytes of route files'],
    [
      'more routes',
      { files: 100, bytes: 1e9, routes: 4 },
      'more than 4 routes in all (6 by c.yaml)',
    ],
  ])(
    'fails the directory with one E_DIR_TOO_LARGE when it holds %s than allowed',
    async (_n, bounds, why) => {
      await writeFile(join(dir, 'a.yaml'), many(2, 1));
      await writeFile(join(dir, 'b.yaml'), many(2, 2));
      await writeFile(join(dir, 'c.yaml'), many(2, 3));
      const loaded = await new RouteDirLoader(dir, {}, undefined, bounds).load();
      expect(loaded.sources).toHaveLength(1);
      const [d] = loaded.sources[0]!.diagnostics;
      expect(d).toMatchObject({ code: 'E_DIR_TOO_LARGE', severity: 'error', file: dir });
      expect(d!.message).toContain(why);
      expect(loaded.sources[0]!.routes).toEqual([]);
      // within the bounds again: loads
      await rm(join(dir, 'c.yaml'));
      const ok = await new RouteDirLoader(dir, {}, undefined, {
        ...bounds,
        files: 2,
        routes: 4,
      }).load();
      if (bounds.bytes >= 1e9) expect(ok.sources.map((s) => s.routes.length)).toEqual([2, 2]);
    },
  );

  it('never holds the event loop much longer than one slice during a long load', async () => {
    for (let f = 0; f < 60; f++) await writeFile(join(dir, `f${f}.yaml`), many(4000, f));
    let last = performance.now();
    let worst = 0;
    let loading = true;
    const tick = () => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
      if (loading) setImmediate(tick);
    };
    setImmediate(tick);
    const started = performance.now();
    const loaded = await new RouteDirLoader(dir).load();
    const ms = performance.now() - started;
    await new Promise((resolve) => setImmediate(resolve)); // the turn right after the load counts
    loading = false;
    expect(loaded.sources.map((s) => s.routes.length)).toEqual(Array(60).fill(4000));
    // 240k routes take 0.6-0.9 s here in one go; each file alone ~10 ms, a slice 50 ms
    process.stderr.write(
      `loader: 240k routes in 60 files: ${ms.toFixed(0)} ms, worst turn ${worst.toFixed(0)} ms\n`,
    );
    expect(worst).toBeLessThan(300);
  });
});
