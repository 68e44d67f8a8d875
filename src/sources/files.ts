// The file source: the routes directory, loaded through the per-file cached loader and watched
// with chokidar, bursts of events turned into one debounced "routes changed" signal. Events carry
// no meaning beyond that: the reconciler reloads everything.
import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { isRouteFileName, RouteDirLoader, type SourceResult } from '../config/load-routes.js';
import type { Clock, TimerHandle } from '../runtime/clock.js';
import { LogField, type Logger } from '../runtime/logger.js';
import type { Speaker } from '../config/speakers.js';
import type { DesiredSource, OnSourceChange, SourceWatch } from './source.js';

export interface RouteWatcherOptions {
  readonly dir: string;
  /** Quiet period that coalesces a burst (a `git pull` touching 50 files is one signal). */
  readonly debounceMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onChange: () => void;
}

export interface RouteWatcher {
  /** Resolves once both watchers finished their initial scan (tests wait for it). */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Editor and tool droppings: swap and backup files, vim's `4913` probe, emacs lock files, and
 * dotfiles, except `..data`-style names, which git-sync and Kubernetes swap atomically.
 */
export function isIgnoredName(name: string): boolean {
  if (name.startsWith('.') && !name.startsWith('..')) return true;
  return (
    name.endsWith('~') ||
    name === '4913' ||
    /^#.*#$/.test(name) ||
    /\.(swp|swx|swo|tmp|bak)$/.test(name)
  );
}

function resolveDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

/**
 * The real paths of the route files in `dir` that are symlinks to regular files: an edit there is
 * an edit of the route file (the loader reads the target), but no event in `dir`.
 */
export function linkedRouteFiles(dir: string): Set<string> {
  const out = new Set<string>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    if (!isRouteFileName(name)) continue;
    const path = join(dir, name);
    try {
      if (!lstatSync(path).isSymbolicLink()) continue;
      const target = realpathSync(path);
      if (statSync(target).isFile()) out.add(target);
    } catch {
      // a broken link: the loader reports it; nothing to watch
    }
  }
  return out;
}

/**
 * Start watching. Three chokidar watchers: one on the directory's real path (files added, changed,
 * removed, atomic saves); one, depth 0, on its parent, which sees the directory itself deleted
 * and re-created or a symlink swapped (git-sync: `routes.d -> ..data/`), after which the inner
 * watcher follows the new real path; and one on the targets of route files that are symlinks
 * (re-read after every signal, so a retargeted link is followed). Missed events are harmless:
 * the periodic resync catches up.
 */
export function startRouteWatcher(options: RouteWatcherOptions): RouteWatcher {
  const dir = resolve(options.dir);
  const log = options.logger.child({ component: 'watcher' });
  let timer: TimerHandle | undefined;
  let firstEventAt = 0;
  const targets = watch([], { ignoreInitial: true, ignorePermissionErrors: true });
  let linked = new Set<string>();
  const followLinks = (): void => {
    const next = linkedRouteFiles(real);
    const gone = [...linked].filter((t) => !next.has(t));
    const added = [...next].filter((t) => !linked.has(t));
    if (gone.length > 0) targets.unwatch(gone);
    if (added.length > 0) targets.add(added);
    linked = next;
  };
  const fire = (): void => {
    timer = undefined;
    firstEventAt = 0;
    followLinks();
    options.onChange();
  };
  const signal = (path: string): void => {
    log.debug({ [LogField.file]: path }, 'routes directory event');
    const now = options.clock.now();
    if (firstEventAt === 0) firstEventAt = now;
    if (timer !== undefined) options.clock.clearTimeout(timer);
    // A steady stream of events still fires at least every 10 quiet periods.
    const wait = Math.min(
      options.debounceMs,
      Math.max(0, firstEventAt + 10 * options.debounceMs - now),
    );
    timer = options.clock.setTimeout(fire, wait);
  };
  const ignored = (path: string): boolean => path !== dir && isIgnoredName(basename(path));
  let real = resolveDir(dir);
  const inner = watch(real, {
    ignoreInitial: true,
    depth: 0,
    followSymlinks: false,
    ignored,
    ignorePermissionErrors: true,
  });
  const retarget = (path: string): void => {
    const next = resolveDir(dir);
    // The directory itself was (re)created or its link swapped: watch what it points at now.
    if (next === real && path !== dir) return;
    log.debug({ [LogField.file]: next }, 'routes directory moved; following it');
    inner.unwatch(real);
    inner.add(next);
    real = next;
  };
  const parent = watch(dirname(dir), {
    ignoreInitial: true,
    depth: 0,
    // Links as entries: a rename over `routes.d` is then reported (following them hides it).
    followSymlinks: false,
    ignorePermissionErrors: true,
    // Only the directory entry itself matters here. Sibling files must not signal: a log file
    // next to routes.d would otherwise make every reconcile's warning trigger the next one.
    ignored: (path: string) => path !== dirname(dir) && path !== dir,
  });
  const onError = (err: unknown): void => log.warn({ [LogField.err]: err }, 'watcher error');
  for (const w of [inner, parent, targets] as FSWatcher[]) w.on('error', onError);
  inner.on('all', (_event, path) => signal(path));
  targets.on('all', (_event, path) => signal(path));
  parent.on('all', (_event, path) => {
    retarget(path);
    signal(path);
  });
  followLinks();
  // (`targets` is left out: chokidar never says ready for a watcher that started with no paths)
  const ready = Promise.all(
    [inner, parent].map((w) => new Promise<void>((resolve) => w.once('ready', () => resolve()))),
  ).then(() => undefined);
  return {
    ready,
    close: async () => {
      if (timer !== undefined) options.clock.clearTimeout(timer);
      await Promise.all([inner.close(), parent.close(), targets.close()]);
    },
  };
}

export interface FileSourceOptions {
  readonly debounceMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** This speaker: entries selecting other speakers (`speakers`, `speaker-selector`) are left out. */
  readonly speaker?: Speaker;
}

/** The routes directory as a desired-state source: one result per route file. */
export class FileSource implements DesiredSource {
  private readonly loader: RouteDirLoader;

  constructor(
    readonly dir: string,
    private readonly options: FileSourceOptions,
  ) {
    const speaker = options.speaker;
    this.loader = new RouteDirLoader(dir, speaker === undefined ? {} : { fleet: { speaker } });
  }

  load(): Promise<{ readonly sources: readonly SourceResult[] }> {
    return this.loader.load();
  }

  watch(onChange: OnSourceChange): SourceWatch {
    const { debounceMs, clock, logger } = this.options;
    return startRouteWatcher({
      dir: this.dir,
      debounceMs,
      clock,
      logger,
      onChange: () => onChange('routes changed'),
    });
  }
}
