// Image sets and train/test splits built from IDX files, plus the content hash that names a split.
// Platform-neutral: the browser fetches the same four files the Node loader reads from disk.

import { type Idx, MAX_DECOMPRESSED_BYTES, readIdxBytes } from './idx.ts';

export interface ImageSet {
  count: number;
  rows: number;
  cols: number;
  images: Uint8Array; // (count, rows, cols) row-major, one u8 per pixel
  labels: Uint8Array | null; // (count) or null for unlabelled sets
}

export interface DataSplit {
  name: string;
  train: ImageSet;
  test: ImageSet;
  sha256: string; // hex SHA-256 over train images, train labels, test images, test labels payloads, in that order
}

/** The four roles of an MNIST-style directory and their canonical file names (without .gz). */
export const IDX_FILE_NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;
export type IdxRole = keyof typeof IDX_FILE_NAMES;

/** One file's raw (possibly gzip'd) bytes and the name it came under, which errors quote. */
export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

export const pixelsOf = (set: ImageSet): number => set.rows * set.cols;

/** Pairs parsed images with parsed labels (or none), checking shapes and that the counts agree. */
export function imageSetFromIdx(images: Idx, labels: Idx | null, what: string): ImageSet {
  if (images.dims.length !== 3) {
    throw new Error(`${what}: images must have 3 dims (count, rows, cols), got ${images.dims.join('×')}; is this a labels file?`);
  }
  const [count, rows, cols] = images.dims as [number, number, number];
  if (labels !== null) {
    if (labels.dims.length !== 1) {
      throw new Error(`${what}: labels must have 1 dim (count), got ${labels.dims.join('×')}; is this an images file?`);
    }
    if (labels.dims[0] !== count) {
      throw new Error(
        `${what}: ${count} image${count === 1 ? '' : 's'} but ${labels.dims[0]} label${labels.dims[0] === 1 ? '' : 's'}; the image and label files belong to different sets`,
      );
    }
  }
  return { count, rows, cols, images: images.data, labels: labels?.data ?? null };
}

/** Hex SHA-256 of the concatenation of `parts`, via WebCrypto (global in Node 20 and browsers). */
export async function sha256Hex(parts: Uint8Array[]): Promise<string> {
  const total = parts.reduce((a, p) => a + p.length, 0);
  const joined = new Uint8Array(total); // subtle.digest has no incremental API, so hash one contiguous copy
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', joined));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Builds a split from the four files' bytes; train and test images must share rows × cols. */
export async function splitFromIdxFiles(
  name: string,
  files: Record<IdxRole, NamedBytes>,
  cap = MAX_DECOMPRESSED_BYTES,
): Promise<DataSplit> {
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    (['trainImages', 'trainLabels', 'testImages', 'testLabels'] as const).map((role) =>
      readIdxBytes(files[role].bytes, files[role].name, cap),
    ),
  );
  const train = imageSetFromIdx(trainImages, trainLabels, `${name} train (${files.trainImages.name})`);
  const test = imageSetFromIdx(testImages, testLabels, `${name} test (${files.testImages.name})`);
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new Error(
      `${name}: train images are ${train.rows}×${train.cols} but test images are ${test.rows}×${test.cols}; ` +
        `the files come from different datasets`,
    );
  }
  const sha256 = await sha256Hex([trainImages.data, trainLabels.data, testImages.data, testLabels.data]);
  return { name, train, test, sha256 };
}

/** Fetches `<baseUrl><canonical name>.gz` for all four roles (the embedded default's layout; baseUrl ends in '/'). */
export async function fetchIdxSplit(name: string, baseUrl: string | URL, fetchFn: typeof fetch = fetch): Promise<DataSplit> {
  const entries = await Promise.all(
    (Object.keys(IDX_FILE_NAMES) as IdxRole[]).map(async (role): Promise<[IdxRole, NamedBytes]> => {
      const file = `${IDX_FILE_NAMES[role]}.gz`;
      const url = new URL(file, baseUrl);
      const res = await fetchFn(url);
      if (!res.ok) throw new Error(`${name}: fetching ${url} failed with HTTP ${res.status} ${res.statusText}`);
      return [role, { name: file, bytes: new Uint8Array(await res.arrayBuffer()) }];
    }),
  );
  return splitFromIdxFiles(name, Object.fromEntries(entries) as Record<IdxRole, NamedBytes>);
}

/** The first `train` and `test` images of a split (quick runs and smoke tests); hashed anew, named `name[:train/:test]`. */
export async function subsetSplit(data: DataSplit, train: number, test: number): Promise<DataSplit> {
  const head = (set: ImageSet, n: number): ImageSet => {
    const count = Math.min(n, set.count);
    return { ...set, count, images: set.images.subarray(0, count * pixelsOf(set)), labels: set.labels?.subarray(0, count) ?? null };
  };
  const [tr, te] = [head(data.train, train), head(data.test, test)];
  const empty = new Uint8Array(0);
  const sha256 = await sha256Hex([tr.images, tr.labels ?? empty, te.images, te.labels ?? empty]);
  return { name: `${data.name}[:${tr.count}/:${te.count}]`, train: tr, test: te, sha256 };
}
