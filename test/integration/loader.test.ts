import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRouteFileName, loadRouteDir, RouteDirLoader } from '../../src/config/load-routes.js';

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
