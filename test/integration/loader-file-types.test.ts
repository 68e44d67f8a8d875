// RouteDirLoader on a real temp directory: what is not a regular file is reported (a FIFO is never
// opened: that would block the event loop for good), a symlink to a file loads and an edit behind
// it is seen, and a file truncated to 0 bytes is an error, not "withdraw everything".
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mergeSources, RouteDirLoader } from '../../src/config/load-routes.js';
import { systemClock } from '../../src/runtime/clock.js';
import { createSilentLogger } from '../../src/runtime/logger.js';
import { startRouteWatcher, type RouteWatcher } from '../../src/sources/files.js';

const doc = (med: number): string =>
  `routes:\n  - prefix: 192.0.2.0/24\n    next-hop: 192.0.2.1\n    med: ${med}\n`;

let root = '';
let dir = '';
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'loader-types-'));
  dir = join(root, 'routes.d');
  mkdirSync(dir);
  mkdirSync(join(root, 'real'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Every source as [file name, codes, first message]. */
async function loadAll(loader: RouteDirLoader): Promise<[string, string[], string][]> {
  const { sources } = await loader.load();
  return sources.map((s) => [
    s.source.slice(dir.length + 1),
    s.diagnostics.map((d) => d.code),
    s.diagnostics[0]?.message ?? '',
  ]);
}

/** An mtime well in the past, so the loader trusts its unchanged-file stamp. */
function age(path: string): void {
  const old = new Date(Date.now() - 60_000);
  utimesSync(path, old, old);
}

describe('RouteDirLoader and file types', () => {
  it('reports a FIFO, a directory, a character device and a broken symlink, without blocking', async () => {
    execFileSync('mkfifo', [join(dir, 'fifo.yaml')]);
    mkdirSync(join(dir, 'dir.yaml'));
    symlinkSync('/dev/zero', join(dir, 'zero.yaml'));
    symlinkSync(join(root, 'nowhere.yaml'), join(dir, 'broken.yaml'));
    const start = Date.now();
    expect(await loadAll(new RouteDirLoader(dir))).toEqual([
      ['broken.yaml', ['E_IO_READ'], 'cannot read route file: broken symlink (not found)'],
      ['dir.yaml', ['E_IO_READ'], 'cannot read route file: not a regular file (a directory)'],
      ['fifo.yaml', ['E_IO_READ'], 'cannot read route file: not a regular file (a fifo)'],
      [
        'zero.yaml',
        ['E_IO_READ'],
        'cannot read route file: not a regular file (a character device)',
      ],
    ]);
    expect(Date.now() - start).toBeLessThan(2000);
  });

  it('loads a symlink to a regular file, and sees an edit behind it', async () => {
    const target = join(root, 'real', 'a.yaml');
    writeFileSync(target, doc(1));
    age(target);
    symlinkSync(target, join(dir, 'a.yaml'));
    const loader = new RouteDirLoader(dir);
    const value = async (): Promise<string | undefined> =>
      (await loader.load()).sources[0]?.routes[0]?.value;
    expect(await value()).toBe('next-hop 192.0.2.1 med 1');
    expect((await loader.load()).reused).toBe(1);
    writeFileSync(target, doc(22)); // another size, another mtime: the target's stamp changes
    expect(await value()).toBe('next-hop 192.0.2.1 med 22');
    unlinkSync(join(dir, 'a.yaml'));
    writeFileSync(join(root, 'real', 'b.yaml'), doc(3));
    symlinkSync(join(root, 'real', 'b.yaml'), join(dir, 'a.yaml'));
    expect(await value()).toBe('next-hop 192.0.2.1 med 3');
  });

  it('reports a file truncated to 0 bytes as an error, so the last good routes stay', async () => {
    const path = join(dir, 'a.yaml');
    writeFileSync(path, doc(1));
    const loader = new RouteDirLoader(dir);
    const first = await loader.load();
    expect(mergeSources(first.sources).ok).toBe(true);
    truncateSync(path, 0);
    const after = await loader.load();
    expect(after.changed).toEqual([path]);
    const merged = mergeSources(after.sources);
    expect(merged.ok ? [] : merged.diagnostics.map((d) => [d.code, d.file])).toEqual([
      ['E_EMPTY', path],
    ]);
  });

  it('names the files it had as removed when the directory goes away', async () => {
    writeFileSync(join(dir, 'a.yaml'), doc(1));
    const loader = new RouteDirLoader(dir);
    await loader.load();
    rmSync(dir, { recursive: true });
    const gone = await loader.load();
    expect([gone.removed, gone.sources.map((s) => s.diagnostics[0]?.code)]).toEqual([
      [join(dir, 'a.yaml')],
      ['E_IO_READ'],
    ]);
  });

  it('reports a file over the size limit without parsing it', async () => {
    const path = join(dir, 'a.yaml');
    writeFileSync(path, `${doc(1)}#${'x'.repeat(300)}\n`);
    const r = await loadAll(new RouteDirLoader(dir, { maxBytes: 100 }));
    expect(r.map(([name, codes]) => [name, codes])).toEqual([['a.yaml', ['E_FILE_TOO_LARGE']]]);
  });
});

describe('the route watcher and symlinks', () => {
  let watcher: RouteWatcher | undefined;
  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
  });

  it('signals an edit of the file a route file links to, and follows a retargeted link', async () => {
    const a = join(root, 'real', 'a.yaml');
    const b = join(root, 'real', 'b.yaml');
    writeFileSync(a, doc(1));
    writeFileSync(b, doc(2));
    symlinkSync(a, join(dir, 'a.yaml'));
    let n = 0;
    watcher = startRouteWatcher({
      dir,
      debounceMs: 40,
      clock: systemClock,
      logger: createSilentLogger(),
      onChange: () => (n += 1),
    });
    await watcher.ready;
    const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 300));
    await settle();
    const base = n;
    const waitFor = (count: number): Promise<void> =>
      vi.waitFor(() => expect(n).toBeGreaterThanOrEqual(count), { timeout: 5000, interval: 20 });
    writeFileSync(a, doc(11));
    await waitFor(base + 1);
    unlinkSync(join(dir, 'a.yaml'));
    symlinkSync(b, join(dir, 'a.yaml'));
    await waitFor(base + 2);
    await settle();
    const retargeted = n;
    writeFileSync(b, doc(22));
    await waitFor(retargeted + 1);
  });
});
