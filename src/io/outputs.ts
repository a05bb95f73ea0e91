// Output files are checked before a run starts and written so that nothing is destroyed: a regular or absent target
// is replaced atomically, the null device and this process's own stdout/stderr are written directly, and every other
// kind (directory, FIFO, socket, block or other character device, dangling link) is refused with the reason. A
// symbolic link to a regular file is written through: the link stays and its target is replaced.
import { accessSync, constants, fstatSync, lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileKind, writeFileAtomic } from './files.ts';

export interface OutputSpec {
  flag: string; // '--save', as the user typed it
  path: string;
  mayReplace?: string[]; // input flags this output may overwrite: --save over the --resume it continues
}
export interface InputSpec { flag: string; path: string }

export interface CheckedOutput {
  flag: string;
  path: string; // as given
  target: string; // what is written: the path itself, or the regular file a symbolic link points to
  direct: boolean; // written in place (the null device, our own stdout/stderr), not through a temporary file
  stream?: 1 | 2; // the target is this process's stdout or stderr: written through that stream (it may be a socket)
}

const errno = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | null)?.code;
const statOrNull = (get: () => Stats): Stats | null => {
  try { return get(); } catch (err) { if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return null; throw err; }
};
const identity = (s: Stats): string => `${s.dev}:${s.ino}`;

/** The files this process already writes to (stdout, stderr): writing them in place is what the user asked for. */
function ownStreams(): Map<string, 1 | 2> {
  const out = new Map<string, 1 | 2>();
  for (const fd of [2, 1] as const) {
    try { out.set(identity(fstatSync(fd)), fd); } catch { /* closed: nothing to match */ }
  }
  return out;
}

function isNullDevice(s: Stats): boolean {
  const nul = statOrNull(() => statSync('/dev/null'));
  return nul !== null && s.isCharacterDevice() && s.rdev === nul.rdev;
}

/** One output: where it is written and how, or the reason it cannot be. `key` identifies the file for clash checks. */
function checkOne(spec: OutputSpec, streams: Map<string, 1 | 2>): { out: CheckedOutput; key: string } {
  const { flag, path } = spec;
  const fail = (why: string): never => { throw new Error(`${flag} ${path}: ${why}`); };
  if (path === '' || path.endsWith('/')) fail('names a directory; give a file name');
  const link = statOrNull(() => lstatSync(path));
  let target = resolve(path);
  let stats = link;
  if (link?.isSymbolicLink()) {
    stats = statOrNull(() => statSync(path));
    if (!stats) fail('is a symbolic link to a file that does not exist; give the target path itself');
    target = realpathSync(path);
  }
  if (!stats) {
    const dir = dirname(target);
    const parent = statOrNull(() => statSync(dir));
    if (!parent) fail(`the directory ${dir} does not exist; create it first`);
    if (!parent!.isDirectory()) fail(`${dir} is not a directory`);
    try { accessSync(dir, constants.W_OK); } catch { fail(`the directory ${dir} is not writable`); }
    const absent = join(realpathSync(dir), basename(target)); // names the file for clash checks until it exists
    return { out: { flag, path, target: absent, direct: false }, key: absent };
  }
  const kind = fileKind(stats);
  const stream = streams.get(identity(stats));
  if (kind === null || stream !== undefined || isNullDevice(stats)) {
    return { out: { flag, path, target, direct: kind !== null || stream !== undefined, stream }, key: identity(stats) };
  }
  const advice = stats.isDirectory() ? `give a file name, e.g. ${join(path, `out${flag === '--save' ? '.safetensors' : ''}`)}`
    : stats.isFIFO() ? 'a FIFO blocks until a reader opens it; give a regular file (or /dev/stdout to stream to this terminal or pipe)'
    : 'writing it could destroy a device; give a regular file, or /dev/null to discard';
  return fail(`is ${kind}; ${advice}`);
}

/**
 * Checks every output before anything is trained: each is a regular file or absent (in an existing directory), the
 * null device, or this process's stdout/stderr; no two outputs are the same file; no output is an input, except an
 * input its spec lists in `mayReplace`. Throws one Error listing every problem.
 */
export function checkOutputs(outputs: OutputSpec[], inputs: InputSpec[]): Map<string, CheckedOutput> {
  const streams = ownStreams();
  const problems: string[] = [];
  const checked = new Map<string, CheckedOutput>();
  const owners = new Map<string, string>(); // file identity → the output flag that writes it
  const inputOwners = new Map<string, string[]>();
  for (const { flag, path } of inputs) {
    let key: string;
    try { key = identity(statSync(path)); } catch { continue; } // an unreadable input is its reader's to report
    inputOwners.set(key, [...(inputOwners.get(key) ?? []), flag]);
  }
  for (const spec of outputs) {
    try {
      const { out, key } = checkOne(spec, streams);
      const other = owners.get(key);
      if (other !== undefined && !out.direct) problems.push(`${other} and ${spec.flag} are the same file ${spec.path}; one would overwrite the other`);
      const reads = (inputOwners.get(key) ?? []).filter((f) => !(spec.mayReplace ?? []).includes(f));
      if (reads.length > 0 && !out.direct) problems.push(`${spec.flag} ${spec.path} is also the input of ${reads.join(' and ')}; writing it would destroy that input`);
      owners.set(key, spec.flag);
      checked.set(spec.flag, out);
    } catch (err) {
      const text = (err as Error).message;
      problems.push(text.startsWith(`${spec.flag} `) ? text : `${spec.flag} ${spec.path}: ${errno(err) === 'ELOOP' ? 'is a symbolic link loop' : text}`);
    }
  }
  if (problems.length > 0) throw new Error(`cannot write the output files:\n  ${problems.join('\n  ')}`);
  return checked;
}

/** Writes one checked output: in place for a direct target, else atomically after re-checking that the target is
 * still a regular file or absent (the file system may have changed during a long run). */
export async function writeOutput(out: CheckedOutput, data: Uint8Array | string): Promise<void> {
  if (out.stream) {
    const stream = out.stream === 1 ? process.stdout : process.stderr;
    await new Promise<void>((done, fail) => stream.write(data, (err) => (err ? fail(err) : done())));
    return;
  }
  if (out.direct) {
    const handle = await open(out.target, constants.O_WRONLY | constants.O_APPEND).catch((err: Error) => {
      throw new Error(`cannot write ${out.flag} ${out.path}: ${err.message}`, { cause: err });
    });
    try { await handle.writeFile(data); } finally { await handle.close(); }
    return;
  }
  const now = statOrNull(() => lstatSync(out.target));
  const kind = now && fileKind(now);
  if (kind) throw new Error(`cannot write ${out.flag} ${out.path}: it became ${kind} during the run; nothing was replaced`);
  await writeFileAtomic(out.target, data).catch((err: Error) => {
    throw new Error(`cannot write ${out.flag} ${out.path}: ${(err.cause as Error | undefined)?.message ?? err.message}`, { cause: err });
  });
}

/**
 * Writes a checkpoint so that a failure never costs the model: if `out` cannot be written (a full disk, a directory
 * created there during the run), the same bytes go beside it, then to the temporary directory, and `log` says where.
 * Returns the path written; throws only when every place failed, listing each reason.
 */
export async function writeCheckpointSafely(out: CheckedOutput, bytes: Uint8Array, log: (line: string) => void): Promise<string> {
  const reasons: string[] = [];
  try {
    await writeOutput(out, bytes);
    return out.path;
  } catch (err) {
    reasons.push((err as Error).message);
  }
  const name = `${basename(out.target)}.rescued-${process.pid}-${Date.now()}.safetensors`;
  for (const place of [join(dirname(out.target), name), join(tmpdir(), name)]) {
    try {
      await writeFileAtomic(place, bytes);
      log(`${reasons[0]}; the model was saved to ${place} instead`);
      return place;
    } catch (err) {
      reasons.push((err as Error).message);
    }
  }
  throw new Error(`the checkpoint could not be written anywhere:\n  ${reasons.join('\n  ')}`);
}

export interface OutputJob {
  out: CheckedOutput;
  produce: () => Uint8Array | string | Promise<Uint8Array | string>; // e.g. encode a PNG (may itself fail)
  checkpoint?: boolean; // written first, through writeCheckpointSafely
  detail?: () => string; // for the log line once written, e.g. a picture's size
}

/** The end-of-run writes: checkpoints first, then the rest, each attempted even when an earlier one failed.
 * Returns the failures (empty when all were written); `log` gets one line per file written. */
export async function writeOutputs(jobs: OutputJob[], log: (line: string) => void): Promise<string[]> {
  const failures: string[] = [];
  for (const job of [...jobs.filter((j) => j.checkpoint), ...jobs.filter((j) => !j.checkpoint)]) {
    try {
      const data = await job.produce();
      if (job.checkpoint) {
        const where = await writeCheckpointSafely(job.out, data as Uint8Array, log);
        if (where === job.out.path) log(`saved ${where}`);
      } else {
        await writeOutput(job.out, data);
        log(`wrote ${job.out.path}${job.detail ? ` (${job.detail()})` : ''}`);
      }
    } catch (err) {
      const text = (err as Error).message;
      failures.push(text.includes(job.out.path) ? text : `${job.out.flag} ${job.out.path}: ${text}`);
    }
  }
  return failures;
}
