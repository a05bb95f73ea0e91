// Float vector data for the sparse autoencoders: a train/test split of (N, d_in) matrices, from one .npy file
// (the last 10% of rows held out) or a directory with train.npy and test.npy (plus, for planted data, the true
// dictionary.npy). Images keep their own path (dataset.ts); this is a separate type, so nothing there changes.
import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { sha256Hex } from './dataset.ts';
import { MAX_NPY_BYTES, parseNpy, type Matrix } from './npy.ts';
import { readFileLimited } from '../io/files.ts';

export interface VectorSplit {
  name: string;
  dim: number; // d_in
  train: Matrix;
  test: Matrix;
  dictionary: Matrix | null; // (features, d_in) unit rows, when the data was planted (MMCS is measured against it)
  heldOut: string; // how the test split was chosen, printed with the run
  sha256: string; // over the train then test values
}

export const HELD_OUT_FRACTION = 0.1;

async function readMatrix(path: string): Promise<Matrix> {
  return parseNpy(await readFileLimited(path, MAX_NPY_BYTES, 'vector file'), path);
}

/** Rows [0, n − ⌈n/10⌉) train, the rest test, in file order (no shuffle: the split is reproducible from the file). */
export function holdOut(m: Matrix): { train: Matrix; test: Matrix } {
  const test = Math.ceil(m.rows * HELD_OUT_FRACTION);
  if (m.rows - test < 2) throw new Error(`${m.rows} vectors are too few to hold out 10% and train on the rest; need at least 4`);
  const cut = (m.rows - test) * m.cols;
  return { train: { rows: m.rows - test, cols: m.cols, values: m.values.subarray(0, cut) },
    test: { rows: test, cols: m.cols, values: m.values.subarray(cut) } };
}

/** `FILE.npy` (10% held out) or a directory with train.npy and test.npy (and optionally dictionary.npy). */
export async function loadVectors(spec: string): Promise<VectorSplit> {
  const full = resolve(spec);
  let isDir: boolean;
  try { isDir = (await stat(full)).isDirectory(); } catch (e) {
    throw new Error(`--data ${full} cannot be read (${(e as Error).message}); give a .npy file or a directory with train.npy and test.npy`);
  }
  let train: Matrix, test: Matrix, heldOut: string, dictionary: Matrix | null = null;
  if (isDir) {
    const present = await readdir(full);
    for (const f of ['train.npy', 'test.npy']) {
      if (!present.includes(f)) throw new Error(`--data ${full} has no ${f}; a vector directory holds train.npy and test.npy (it has: ${present.sort().join(', ') || 'nothing'})`);
    }
    [train, test] = await Promise.all([readMatrix(join(full, 'train.npy')), readMatrix(join(full, 'test.npy'))]);
    if (present.includes('dictionary.npy')) dictionary = await readMatrix(join(full, 'dictionary.npy'));
    heldOut = `test split: ${join(full, 'test.npy')} (${test.rows} vectors)`;
  } else {
    if (!full.endsWith('.npy')) throw new Error(`--data ${full}: a vector file must be a .npy file (or give a directory)`);
    ({ train, test } = holdOut(await readMatrix(full)));
    heldOut = `test split: the last 10% of ${basename(full)} (rows ${train.rows}..${train.rows + test.rows - 1}, ${test.rows} vectors)`;
  }
  if (train.cols !== test.cols) throw new Error(`--data ${full}: train vectors have ${train.cols} dimensions but test vectors ${test.cols}`);
  if (dictionary && dictionary.cols !== train.cols) {
    throw new Error(`--data ${full}: dictionary.npy rows have ${dictionary.cols} dimensions but the vectors ${train.cols}`);
  }
  const bytes = (m: Matrix) => new Uint8Array(m.values.buffer, m.values.byteOffset, m.values.byteLength);
  return { name: basename(full), dim: train.cols, train, test, dictionary, heldOut, sha256: await sha256Hex([bytes(train), bytes(test)]) };
}
