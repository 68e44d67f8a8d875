import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RouteDirLoader, mergeSources } from '../../../src/config/load-routes.js';

const doc = (prefix: string, med: number): string =>
  `routes:\n  - prefix: ${prefix}\n    next-hop: 192.0.2.1\n    med: ${med}\n`;

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'loader-changes-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('RouteDirLoader change reporting', () => {
  it('names new, edited and removed files, and nothing when nothing changed', async () => {
    writeFileSync(join(dir, 'a.yaml'), doc('10.0.0.0/8', 1));
    writeFileSync(join(dir, 'b.yaml'), doc('10.1.0.0/16', 1));
    const loader = new RouteDirLoader(dir);
    const first = await loader.load();
    expect([first.changed, first.removed]).toEqual([
      [join(dir, 'a.yaml'), join(dir, 'b.yaml')],
      [],
    ]);
    const again = await loader.load();
    expect([again.changed, again.removed, again.reused]).toEqual([[], [], 2]);
    // an editor's atomic save: same size, written right after the last read
    writeFileSync(join(dir, '.a.yaml.tmp'), doc('10.0.0.0/8', 2));
    renameSync(join(dir, '.a.yaml.tmp'), join(dir, 'a.yaml'));
    rmSync(join(dir, 'b.yaml'));
    const edited = await loader.load();
    expect([edited.changed, edited.removed]).toEqual([
      [join(dir, 'a.yaml')],
      [join(dir, 'b.yaml')],
    ]);
    const merged = mergeSources(edited.sources);
    expect(merged.ok && [...merged.value.values()].map((r) => r.value)).toEqual([
      'next-hop 192.0.2.1 med 2',
    ]);
  });

  it('re-reads a file rewritten in place with the same size within the same second', async () => {
    const loader = new RouteDirLoader(dir);
    for (let med = 1; med <= 5; med++) {
      writeFileSync(join(dir, 'a.yaml'), doc('10.0.0.0/8', med));
      const { sources } = await loader.load();
      expect(sources[0]?.routes[0]?.value).toBe(`next-hop 192.0.2.1 med ${med}`);
    }
  });
});
