// Enforces the module boundaries of style.md B4 by scanning import specifiers in src/**.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', '..', 'src');

function listTs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listTs(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

interface ImportRef {
  readonly file: string;
  readonly line: number;
  readonly spec: string;
  readonly typeOnly: boolean;
}

function importsOf(file: string): ImportRef[] {
  const refs: ImportRef[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      const m = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/.exec(text);
      const bare = /^\s*import\s+['"]([^'"]+)['"]/.exec(text);
      const spec = m?.[3] ?? bare?.[1];
      if (spec !== undefined) {
        refs.push({ file: relative(SRC, file), line: i + 1, spec, typeOnly: m?.[2] !== undefined });
      }
    });
  return refs;
}

/** The top-level area a relative import lands in, seen from `file`. */
function areaOf(file: string, spec: string): string {
  if (!spec.startsWith('.')) return spec.startsWith('node:') ? 'node' : 'package';
  const target = join(file, '..', spec);
  const first = target.split('/')[0] ?? '';
  return first.endsWith('.js') ? 'root' : first;
}

/**
 * src/exabgp/*.ts is how we talk to ExaBGP, kept pure (encoding and parsing per dialect);
 * src/exabgp/io/ is the process I/O beside it (stdout writer, stdin reader, instance identity).
 */
function exabgpRule(r: ImportRef, area: string): boolean {
  if (r.file.startsWith('exabgp/io/'))
    return !['http', 'cli', 'ledger'].includes(area) && (area !== 'runtime' || r.typeOnly);
  return ['core', 'config', 'exabgp', 'root'].includes(area);
}

/**
 * src/sources/ is the desired-state seam (one module per source, one interface): sources load
 * and signal only. They may use core, config and the ledger (where the api source is stored), and
 * from runtime only the clock and the logger; never http, cli or ExaBGP I/O.
 */
function sourcesRule(r: ImportRef, area: string): boolean {
  if (area === 'runtime') return /\/runtime\/(clock|logger)\.js$/.test(r.spec);
  return !['http', 'cli', 'exabgp'].includes(area) && (area !== 'ledger' || r.typeOnly);
}

const RULES: Record<string, (ref: ImportRef, area: string) => boolean> = {
  core: (_r, area) => area === 'core' || area === 'root',
  config: (_r, area) => !['runtime', 'http', 'cli', 'ledger', 'exabgp'].includes(area),
  exabgp: exabgpRule,
  ledger: (r, area) =>
    !['runtime', 'http', 'cli'].includes(area) && (area !== 'exabgp' || r.typeOnly),
  runtime: (_r, area) => !['http', 'cli'].includes(area),
  sources: sourcesRule,
  http: (r, area) => area !== 'cli' && (!['runtime', 'ledger'].includes(area) || r.typeOnly),
  cli: () => true,
};

describe('module boundaries', () => {
  const violations: string[] = [];
  for (const file of listTs(SRC)) {
    const rel = relative(SRC, file);
    const from = rel.includes('/') ? rel.split('/')[0]! : 'root';
    for (const ref of importsOf(file)) {
      const area = areaOf(rel, ref.spec);
      const allowed = RULES[from]?.(ref, area) ?? true;
      const importsCli = area === 'cli' && from !== 'cli' && rel !== 'main.ts';
      if (!allowed || importsCli)
        violations.push(`src/${ref.file}:${ref.line}: ${from} imports ${ref.spec}`);
    }
  }

  it('keeps src/core free of node:*, packages and other layers, and every layer within its imports', () => {
    expect(violations).toEqual([]);
  });

  it('keeps the ExaBGP dialects and encoders free of process I/O', () => {
    const pure = listTs(join(SRC, 'exabgp')).filter((f) => !f.includes('/io/'));
    expect(pure.length).toBeGreaterThan(0);
    expect(pure.flatMap(importsOf).filter((r) => !r.spec.startsWith('.'))).toEqual([]);
  });

  it('finds the imports it checks', () => {
    const core = listTs(join(SRC, 'core')).flatMap(importsOf);
    expect(core.length).toBeGreaterThan(0);
  });
});
