// Images as vectors for the sparse autoencoders (platform-neutral, so the page can use it): each image's pixels/255
// as one float32 row, the split kept as it is (the digits' fixed train/test split), the data hash the images'.
import type { DataSplit, ImageSet } from './dataset.ts';
import type { Matrix } from './npy.ts';
import type { VectorSplit } from './vectors.ts';

function pixels(set: ImageSet): Matrix {
  const cols = set.rows * set.cols;
  const values = new Float32Array(set.count * cols);
  for (let i = 0; i < values.length; i++) values[i] = set.images[i] / 255;
  return { rows: set.count, cols, values };
}

export function vectorsFromImages(split: DataSplit): VectorSplit {
  const train = pixels(split.train);
  return { name: split.name, dim: train.cols, train, test: pixels(split.test), dictionary: null, sha256: split.sha256,
    heldOut: `test split: the ${split.test.count} test images of ${split.name} as ${train.cols}-d pixel vectors in [0, 1]` };
}

/** Vectors scaled by `factor` (the normalisation of docs/sae.md); the dictionary's unit rows stay. */
export function scaleVectors(data: VectorSplit, factor: number): VectorSplit {
  const scale = (m: Matrix): Matrix => ({ ...m, values: m.values.map((x) => x * factor) });
  return { ...data, train: scale(data.train), test: scale(data.test) };
}

/** The factor s that makes the training vectors' mean squared norm d_in: s² · mean ‖x‖² = d_in (SAELens's
 * "expected_average_only_in"). */
export function normalizationFactor(train: Matrix): number {
  let sum = 0;
  for (const x of train.values) sum += x * x;
  const meanSq = sum / train.rows;
  if (!(meanSq > 0)) throw new Error('--normalize: the training vectors are all zero, so they cannot be scaled to a mean squared norm of d_in');
  return Math.sqrt(train.cols / meanSq);
}
