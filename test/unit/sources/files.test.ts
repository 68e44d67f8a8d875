import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../../src/runtime/clock.js';
import { createSilentLogger } from '../../../src/runtime/logger.js';
import { isIgnoredName, startRouteWatcher, type RouteWatcher } from '../../../src/sources/files.js';

describe('isIgnoredName', () => {
  it.each([
    ['edge.yaml', false],
    ['..data', false],
    ['..2024_01_01_00_00_00.123', false],
    ['.edge.yaml.swp', true],
    ['.hidden.yaml', true],
    ['edge.yaml~', true],
    ['4913', true],
    ['#edge.yaml#', true],
    ['edge.yaml.tmp', true],
  ])('%s ignored: %s', (name, ignored) => {
    expect(isIgnoredName(name)).toBe(ignored);
  });
});

const roots: string[] = [];
const watchers: RouteWatcher[] = [];
afterEach(async () => {
  await Promise.all(watchers.splice(0).map((w) => w.close()));
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

async function watchDir(dir: string): Promise<{ count: () => number }> {
  let n = 0;
  const w = startRouteWatcher({
    dir,
    debounceMs: 60,
    clock: systemClock,
    logger: createSilentLogger(),
    onChange: () => (n += 1),
  });
  watchers.push(w);
  await w.ready;
  return { count: () => n };
}

function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'watch-'));
  roots.push(root);
  return root;
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 250));
const waitCount = (c: { count: () => number }, n: number): Promise<void> =>
  vi.waitFor(() => expect(c.count()).toBeGreaterThanOrEqual(n), { timeout: 5000, interval: 20 });

describe('startRouteWatcher', () => {
  it('coalesces a burst of file writes into one signal', async () => {
    const root = tempRoot();
    const dir = join(root, 'routes.d');
    mkdirSync(dir);
    const c = await watchDir(dir);
    for (let i = 0; i < 20; i += 1) writeFileSync(join(dir, `f${i}.yaml`), 'routes: []\n');
    await waitCount(c, 1);
    await settle();
    expect(c.count()).toBe(1);
  });

  it('signals an atomic save and ignores editor swap files', async () => {
    const root = tempRoot();
    const dir = join(root, 'routes.d');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.yaml'), 'routes: []\n');
    const c = await watchDir(dir);
    writeFileSync(join(dir, '.a.yaml.swp'), 'x');
    await settle();
    expect(c.count()).toBe(0);
    writeFileSync(join(root, 'a.yaml.new'), 'routes: []\n# v2\n');
    renameSync(join(root, 'a.yaml.new'), join(dir, 'a.yaml'));
    await waitCount(c, 1);
  });

  it('follows a symlink swap of the whole directory (git-sync style)', async () => {
    const root = tempRoot();
    mkdirSync(join(root, 'rev1'));
    mkdirSync(join(root, 'rev2'));
    writeFileSync(join(root, 'rev2', 'a.yaml'), 'routes: []\n');
    const link = join(root, 'routes.d');
    symlinkSync('rev1', link);
    const c = await watchDir(link);
    symlinkSync('rev2', join(root, 'routes.d.tmp'));
    renameSync(join(root, 'routes.d.tmp'), link);
    await waitCount(c, 1);
    await settle();
    const before = c.count();
    writeFileSync(join(root, 'rev2', 'b.yaml'), 'routes: []\n');
    await waitCount(c, before + 1);
  });

  it('signals a Kubernetes ConfigMap style swap of ..data inside the directory', async () => {
    const root = tempRoot();
    const dir = join(root, 'config');
    mkdirSync(join(dir, '..rev1'), { recursive: true });
    mkdirSync(join(dir, '..rev2'));
    writeFileSync(join(dir, '..rev1', 'a.yaml'), 'routes: []\n');
    writeFileSync(join(dir, '..rev2', 'a.yaml'), 'routes: []\n# v2\n');
    symlinkSync('..rev1', join(dir, '..data'));
    symlinkSync('..data/a.yaml', join(dir, 'a.yaml'));
    const c = await watchDir(dir);
    symlinkSync('..rev2', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    await waitCount(c, 1);
  });

  it('ignores files next to the directory, such as a log written on every reconcile', async () => {
    const root = tempRoot();
    const dir = join(root, 'routes.d');
    mkdirSync(dir);
    const c = await watchDir(dir);
    for (let i = 0; i < 3; i++) {
      writeFileSync(join(root, 'stderr.log'), `line ${i}\n`, { flag: 'a' });
      await settle();
    }
    expect(c.count()).toBe(0);
    writeFileSync(join(dir, 'a.yaml'), 'routes: []\n');
    await waitCount(c, 1);
  });

  it('survives the directory being deleted and re-created', async () => {
    const root = tempRoot();
    const dir = join(root, 'routes.d');
    mkdirSync(dir);
    const c = await watchDir(dir);
    rmSync(dir, { recursive: true });
    await waitCount(c, 1);
    mkdirSync(dir);
    await settle();
    const before = c.count();
    writeFileSync(join(dir, 'a.yaml'), 'routes: []\n');
    await waitCount(c, before + 1);
  });
});
