// Readers for the announced side of `plan`: another routes directory, the same directory at a git
// ref (read through git, no checkout), or an ExaBGP `show adj-rib out extensive` dump.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, basename, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Result } from '../core/diagnostic.js';
import type { RouteSet } from '../core/route.js';
import { ReconcilerError } from '../errors.js';
import { isRouteFileName, mergeSources, parseRouteDocument } from '../config/load-routes.js';
import type { ParseOptions, SourceResult } from '../config/load-routes.js';
import { expectedRouteAt } from '../core/verify.js';
import { parseAdjRibDump } from '../exabgp/adj-rib.js';
import type { Dialect } from '../exabgp/dialect.js';

const exec = promisify(execFile);
const MAX_GIT_OUTPUT = 1024 * 1024 * 1024;

async function git(args: readonly string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await exec('git', [...args], { cwd, maxBuffer: MAX_GIT_OUTPUT });
    return stdout;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim() ?? '';
    throw new ReconcilerError('E_GIT', `git ${args.join(' ')} failed: ${stderr || String(err)}`, {
      cause: err,
    });
  }
}

/**
 * The route directory as it was at `ref`: every route file under the same path in that commit.
 * A directory that did not exist at `ref` is an empty announced state (a first pull request).
 */
export async function readAnnouncedFromGit(
  dir: string,
  ref: string,
  cwd: string,
  options: ParseOptions = {},
): Promise<Result<RouteSet>> {
  const absDir = resolve(cwd, dir);
  const top = (await git(['rev-parse', '--show-toplevel'], dirname(absDir))).trim();
  await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], top);
  const relDir = relative(top, absDir).split('\\').join('/');
  const listing = await git(
    ['ls-tree', '--name-only', `${ref}:${relDir === '' ? '.' : relDir}`],
    top,
  ).catch(() => '');
  const names = listing.split('\n').filter(isRouteFileName).sort();
  const sources: SourceResult[] = [];
  for (const name of names) {
    const path = relDir === '' ? name : `${relDir}/${name}`;
    const text = await git(['show', `${ref}:${path}`], top);
    const source = `${ref}:${dir.replace(/\/+$/, '')}/${basename(name)}`;
    sources.push(parseRouteDocument(source, text, options));
  }
  return mergeSources(sources);
}

export interface DumpSourceOptions {
  /** The ExaBGP version that printed the dump (default 4.2). */
  readonly dialect?: Dialect;
  /** The desired routes: a dump line ExaBGP would print the same for a desired route reads as it. */
  readonly desired?: RouteSet;
}

/** `show adj-rib out extensive` saved to a file, as `options.dialect` prints it. */
export async function readAnnouncedFromDump(
  file: string,
  cwd: string,
  options: DumpSourceOptions = {},
): Promise<Result<RouteSet>> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), 'utf8');
  } catch (err) {
    throw new ReconcilerError(
      'E_IO_READ',
      `cannot read dump "${file}": ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  return parseAdjRibDump(text, file, {
    ...(options.dialect === undefined ? {} : { dialect: options.dialect }),
    ...(options.desired === undefined ? {} : { expected: expectedRouteAt(options.desired) }),
  });
}
