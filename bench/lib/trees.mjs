// Route trees for the benchmarks: N routes in the per-route form, the grouped `prefixes:` form or
// the per-route form with a distinct MED each (no two routes share a bulk line), over F files.
// File 0 also holds the probe route 172.16.0.1/32 whose MED the incremental benchmarks edit.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PROBE_PREFIX = '172.16.0.1/32';
export const GROUP_SIZE = 1000;

/** The i-th benchmark prefix: 10.0.0.0/32, 10.0.0.1/32, ... (16M of them). */
export function prefixOf(i) {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`;
}

/** `10k` → 10000, `1m` → 1000000. */
export function parseSize(text) {
  const m = /^(\d+)([km]?)$/i.exec(text);
  if (m === null) throw new Error(`bad size ${text} (e.g. 10k, 100k, 1m)`);
  return Number(m[1]) * { '': 1, k: 1e3, m: 1e6 }[m[2].toLowerCase()];
}

export function sizeLabel(n) {
  return n >= 1e6 && n % 1e6 === 0
    ? `${n / 1e6}m`
    : n >= 1e3 && n % 1e3 === 0
      ? `${n / 1e3}k`
      : String(n);
}

function fileRange(n, files, f) {
  const per = Math.ceil(n / files);
  return [Math.min(n, f * per), Math.min(n, (f + 1) * per)];
}

/** The text of file `f`; file 0 ends with the probe route at MED `probeMed`. */
export function renderFile({ form, n, files }, f, probeMed = 0) {
  const out = ['# yaml-language-server: $schema=../schemas/routes.schema.json', 'routes:'];
  const [lo, hi] = fileRange(n, files, f);
  if (form === 'grouped') {
    for (let g = lo; g < hi; g += GROUP_SIZE) {
      out.push('  - next-hop: 192.0.2.1', `    med: ${Math.floor(g / GROUP_SIZE) % 10}`);
      out.push('    community: [65000:1]', '    prefixes:');
      for (let i = g; i < Math.min(hi, g + GROUP_SIZE); i++) out.push(`      - ${prefixOf(i)}`);
    }
  } else {
    for (let i = lo; i < hi; i++) {
      const med = form === 'unique' ? i : i % 10;
      out.push(`  - prefix: ${prefixOf(i)}`, '    next-hop: 192.0.2.1');
      out.push('    community: [65000:1]', `    med: ${med}`);
    }
  }
  if (f === 0) {
    out.push(`  - prefix: ${PROBE_PREFIX}`, '    next-hop: 192.0.2.1', `    med: ${probeMed}`);
  }
  return `${out.join('\n')}\n`;
}

export function fileName(f) {
  return `f${String(f).padStart(4, '0')}.yaml`;
}

/** Routes in a tree: N plus the probe. */
export function routeCount(tree) {
  return tree.n + 1;
}

/** Write (once; kept in bench/out) and return the tree's directory. */
export function ensureTree(outDir, tree) {
  const dir = join(outDir, 'trees', `${tree.form}-${sizeLabel(tree.n)}-${tree.files}`);
  if (existsSync(join(dir, '.complete'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (let f = 0; f < tree.files; f++) writeFileSync(join(dir, fileName(f)), renderFile(tree, f));
  writeFileSync(join(dir, '.complete'), '');
  return dir;
}

/** Replace file 0 the way editors and git do: write a dotfile, then rename it over. */
export function writeProbe(dir, tree, probeMed, text = renderFile(tree, 0, probeMed)) {
  const tmp = join(dir, `.${fileName(0)}.tmp`);
  writeFileSync(tmp, text);
  const before = performance.now();
  renameSync(tmp, join(dir, fileName(0)));
  return before;
}
