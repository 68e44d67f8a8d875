// Watches the routes directory with chokidar and turns bursts of events into one debounced
// "routes changed" signal. Events carry no meaning beyond that: the reconciler reloads everything.
import { realpathSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { Clock, TimerHandle } from './clock.js';
import { LogField, type Logger } from './logger.js';

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
 * Start watching. Two chokidar watchers: one on the directory's real path (files added, changed,
 * removed, atomic saves) and one, depth 0, on its parent, which sees the directory itself deleted
 * and re-created or a symlink swapped (git-sync: `routes.d -> ..data/`); the inner watcher then
 * follows the new real path. Missed events are harmless: the periodic resync catches up.
 */
export function startRouteWatcher(options: RouteWatcherOptions): RouteWatcher {
  const dir = resolve(options.dir);
  const log = options.logger.child({ component: 'watcher' });
  let timer: TimerHandle | undefined;
  let firstEventAt = 0;
  const fire = (): void => {
    timer = undefined;
    firstEventAt = 0;
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
  for (const w of [inner, parent] as FSWatcher[]) w.on('error', onError);
  inner.on('all', (_event, path) => signal(path));
  parent.on('all', (_event, path) => {
    retarget(path);
    signal(path);
  });
  const ready = Promise.all(
    [inner, parent].map((w) => new Promise<void>((resolve) => w.once('ready', () => resolve()))),
  ).then(() => undefined);
  return {
    ready,
    close: async () => {
      if (timer !== undefined) options.clock.clearTimeout(timer);
      await Promise.all([inner.close(), parent.close()]);
    },
  };
}
