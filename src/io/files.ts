// Node-only file helpers: crash-safe atomic replace (temp file, fsync, rename, fsync dir) and size-capped reads.

import { randomBytes } from 'node:crypto';
import { constants, existsSync, mkdirSync, type Stats } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { concatBytes } from './bytes.ts';

const errorCode = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | null)?.code;
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Makes the rename itself durable; some platforms and file systems cannot fsync a directory, hence best effort. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // best effort: the file's own data is already on disk
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Writes `data` to a temporary file beside `path`, fsyncs it and renames it over `path`: readers see either the
 * old file or the complete new one, never a half-written file, and a failure leaves no temp file behind.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'wx'); // 'x': never reuse or follow an existing file at the temp name
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, path);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    throw new Error(`cannot write ${path}: ${message(err)}`, { cause: err });
  }
  await syncDirectory(dir);
}

/** What a non-regular file is, for messages; null for a regular file. */
export function fileKind(stats: Stats): string | null {
  if (stats.isFile()) return null;
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Why opening `path` failed, with what to do about it. */
function openProblem(err: unknown, path: string, what: string): Error {
  const code = errorCode(err);
  const text = code === 'ENOENT' ? 'does not exist; check the path'
    : code === 'EISDIR' ? 'is a directory; give the file inside it'
    : code === 'EACCES' || code === 'EPERM' ? 'cannot be read (permission denied); check its permissions'
    : code === 'ELOOP' ? 'is a symbolic link loop; give the real file'
    : code === 'ENOTDIR' ? 'has a path component that is not a directory; check the path'
    : `cannot be opened (${message(err)})`;
  return new Error(`${what} ${path} ${text}`, { cause: err });
}

/**
 * Reads a whole regular file of at most `maxBytes`; `what` says what the file is for, e.g. '--init'. The file is
 * opened without blocking (a FIFO with no writer would otherwise hang the open), checked by fstat of that very
 * descriptor (so a symbolic link swapped in between changes nothing), and read in chunks that count the bytes
 * actually read: `stat().size` is 0 for /dev/zero and for pipes, so it cannot be the cap.
 */
export async function readFileLimited(path: string, maxBytes: number, what: string): Promise<Uint8Array> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw openProblem(err, path, what);
  }
  try {
    const stats = await handle.stat();
    const kind = fileKind(stats);
    if (kind) {
      const advice = stats.isDirectory() ? 'give the file inside it' : 'give a regular file (copy the data to disk first)';
      throw new Error(`${what} ${path} is ${kind}, not a regular file; ${advice}`);
    }
    if (stats.size > maxBytes) {
      throw new Error(`${what} ${path} is ${stats.size} bytes, above the limit of ${maxBytes}; is this the right file?`);
    }
    // Read what stat promises into one exact buffer, then keep reading in chunks: a device, a pipe or a growing file
    // gives more than stat said, and every byte counts against the cap.
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (let size = stats.size; ; size = Math.min(1 << 16, maxBytes + 1 - total)) {
      const chunk = new Uint8Array(size);
      let filled = 0;
      for (let n = -1; filled < size && n !== 0; filled += n) n = await readSome(handle, chunk.subarray(filled), path, what);
      total += filled;
      if (total > maxBytes) throw new Error(`${what} ${path} grew past the limit of ${maxBytes} bytes while being read; is this the right file?`);
      if (filled > 0) chunks.push(filled === size ? chunk : chunk.subarray(0, filled));
      if (filled < size) break; // end of file
    }
    return chunks.length === 1 && chunks[0].byteLength === chunks[0].buffer.byteLength ? chunks[0] : concatBytes(chunks, total);
  } finally {
    await handle.close();
  }
}

async function readSome(handle: FileHandle, into: Uint8Array, path: string, what: string): Promise<number> {
  try {
    return (await handle.read(into, 0, into.length, null)).bytesRead;
  } catch (err) {
    throw new Error(`${what} ${path} cannot be read (${message(err)}); check the file and the disk`, { cause: err });
  }
}


/** `mkdir -p`, one missing component at a time: Node's recursive mkdir spins forever where the parent exists but
 * refuses new entries with ENOENT (under /proc, for one), so each level is created alone and its error surfaces. */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d); d = dirname(d)) missing.unshift(d);
  for (const d of missing) mkdirSync(d);
}
