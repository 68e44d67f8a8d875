// Reading one route file without ever blocking on it: stat first (a symlink is followed, and a
// broken one named as such), refuse anything but a regular file (a FIFO would block the event loop
// forever on open), then open with O_NONBLOCK, check the opened file again with fstat (it may have
// been swapped since the stat), and read at most the size limit plus one byte.
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readSync,
  statSync,
  type BigIntStats,
} from 'node:fs';

export type FileRead =
  | { readonly kind: 'read'; readonly bytes: Buffer; readonly info: BigIntStats }
  | { readonly kind: 'unchanged'; readonly info: BigIntStats }
  | { readonly kind: 'too-large'; readonly size: number }
  | { readonly kind: 'unreadable'; readonly why: string };

function fileType(info: BigIntStats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a fifo';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

function describe(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (code === 'ENOENT') return 'not found';
  if (code === 'ELOOP') return 'symlink loop';
  return err instanceof Error ? err.message : String(err);
}

/** What stat says about `path`, the target's when it is a symlink; a problem when not a file. */
export function statRouteFile(path: string): BigIntStats | { why: string } {
  let info: BigIntStats;
  try {
    info = statSync(path, { bigint: true });
  } catch (err) {
    try {
      if (lstatSync(path).isSymbolicLink()) return { why: `broken symlink (${describe(err)})` };
    } catch {
      // gone between readdir and now: reported as not found below
    }
    return { why: describe(err) };
  }
  if (!info.isFile()) return { why: `not a regular file (${fileType(info)})` };
  return info;
}

function readAll(fd: number, size: number, maxBytes: number): Buffer | undefined {
  const limit = Math.min(size, maxBytes) + 1;
  let buffer = Buffer.allocUnsafe(Math.max(limit, 1));
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      if (length > maxBytes) return undefined;
      const bigger = Buffer.allocUnsafe(Math.min(buffer.length * 2, maxBytes + 1));
      buffer.copy(bigger, 0, 0, length);
      buffer = bigger;
    }
    const n = readSync(fd, buffer, length, buffer.length - length, null);
    if (n === 0) break;
    length += n;
    if (length > maxBytes) return undefined;
  }
  return buffer.subarray(0, length);
}

/**
 * Read a route file of at most `maxBytes`. `isUnchanged` gets the target's stat first: when it
 * says the cached copy is current, the file is not opened at all.
 */
export function readRouteFile(
  path: string,
  maxBytes: number,
  isUnchanged: (info: BigIntStats) => boolean,
): FileRead {
  const info = statRouteFile(path);
  if ('why' in info) return { kind: 'unreadable', why: info.why };
  if (isUnchanged(info)) return { kind: 'unchanged', info };
  if (info.size > BigInt(maxBytes)) return { kind: 'too-large', size: Number(info.size) };
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return { kind: 'unreadable', why: describe(err) };
  }
  try {
    const opened = fstatSync(fd, { bigint: true });
    if (!opened.isFile())
      return { kind: 'unreadable', why: `not a regular file (${fileType(opened)})` };
    const bytes = readAll(fd, Number(opened.size), maxBytes);
    if (bytes === undefined)
      return { kind: 'too-large', size: Math.max(Number(opened.size), maxBytes + 1) };
    return { kind: 'read', bytes, info: opened };
  } catch (err) {
    return { kind: 'unreadable', why: describe(err) };
  } finally {
    closeSync(fd);
  }
}
