// Node-only file helpers: crash-safe atomic replace (temp file, fsync, rename, fsync dir) and size-capped reads.

import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

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

/** Reads a whole file of at most `maxBytes`; `what` says what the file is for, e.g. 'checkpoint'. */
export async function readFileLimited(path: string, maxBytes: number, what: string): Promise<Uint8Array> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') throw new Error(`${what} ${path} does not exist`, { cause: err });
    if (errorCode(err) === 'EISDIR') throw new Error(`${what} ${path} is a directory, expected a file`, { cause: err });
    throw new Error(`cannot open ${what} ${path}: ${message(err)}`, { cause: err });
  }
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw new Error(`${what} ${path} is a directory, expected a file`);
    if (stats.size > maxBytes) {
      throw new Error(`${what} ${path} is ${stats.size} bytes, above the limit of ${maxBytes}; is this the right file?`);
    }
    const bytes = await handle.readFile();
    if (bytes.length > maxBytes) throw new Error(`${what} ${path} grew past the limit of ${maxBytes} bytes while being read`);
    return bytes;
  } finally {
    await handle.close();
  }
}
