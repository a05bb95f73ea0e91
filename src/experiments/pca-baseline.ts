// The PCA baseline of the latent-size and loss experiments, on the CPU in float64: the top principal directions of
// the training images (eigenvectors of the pixel covariance) and, for each code size Z, the test MSE of projecting the
// test images on the first Z of them: the best any linear code of size Z can do. Pixels are u8/255 as the models see them.
import type { ImageSet } from '../data/dataset.ts';
import { symmetricEigen } from './eigen.ts';
import { sharpnessRatio } from './sharpness.ts';

export interface PcaFit {
  dim: number; // pixels per image
  mean: Float64Array; // (dim)
  values: Float64Array; // (dim) covariance eigenvalues, descending
  vectors: Float64Array; // (dim, dim) row k = k-th principal direction
}

/** Mean and covariance (normalised by the count) of the training images; the outer products skip zero pixels,
 * which are half of Fashion-MNIST's and four fifths of MNIST's. */
export function pcaFit(train: ImageSet): PcaFit {
  const dim = train.rows * train.cols;
  const n = train.count;
  if (n < 2) throw new Error(`PCA baseline: needs at least 2 training images, got ${n}`);
  const sum = new Float64Array(dim);
  const outer = new Float64Array(dim * dim); // upper triangle of Σ x xᵀ
  const idx = new Int32Array(dim);
  const val = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    let nz = 0;
    for (let p = 0; p < dim; p++) { const v = train.images[i * dim + p]; if (v !== 0) { idx[nz] = p; val[nz++] = v / 255; } }
    for (let a = 0; a < nz; a++) {
      const va = val[a];
      const row = idx[a] * dim;
      sum[idx[a]] += va;
      for (let b = a; b < nz; b++) outer[row + idx[b]] += va * val[b];
    }
  }
  const mean = sum.map((s) => s / n);
  const cov = new Float64Array(dim * dim);
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) { const c = outer[a * dim + b] / n - mean[a] * mean[b]; cov[a * dim + b] = c; cov[b * dim + a] = c; }
  }
  return { dim, mean, ...symmetricEigen(cov, dim) };
}

/** Coefficients of every test image on the first `k` directions: (count, k). */
function project(fit: PcaFit, test: ImageSet, k: number): Float64Array {
  const { dim, mean, vectors } = fit;
  const out = new Float64Array(test.count * k);
  const c = new Float64Array(dim);
  for (let i = 0; i < test.count; i++) {
    for (let p = 0; p < dim; p++) c[p] = test.images[i * dim + p] / 255 - mean[p];
    for (let j = 0; j < k; j++) {
      let s = 0;
      const v = j * dim;
      for (let p = 0; p < dim; p++) s += vectors[v + p] * c[p];
      out[i * k + j] = s;
    }
  }
  return out;
}

/** Test MSE (mean over images and pixels) of the rank-Z PCA reconstruction for each Z in `zs`: the centred image's
 * energy minus the energy of its first Z coefficients (the directions are orthonormal). */
export function pcaTestMse(fit: PcaFit, test: ImageSet, zs: number[]): Map<number, number> {
  const { dim, mean } = fit;
  if (test.rows * test.cols !== dim) throw new Error(`PCA baseline: test images have ${test.rows * test.cols} pixels, the fit ${dim}`);
  const bad = zs.find((z) => !Number.isInteger(z) || z < 1 || z > dim);
  if (bad !== undefined) throw new Error(`PCA baseline: code size ${bad} must be an integer from 1 to ${dim}`);
  const k = Math.max(...zs);
  const coef = project(fit, test, k);
  let total = 0;
  const captured = new Float64Array(k + 1); // captured[z] = Σ_images Σ_(j<z) coef²
  for (let i = 0; i < test.count; i++) {
    for (let p = 0; p < dim; p++) { const c = test.images[i * dim + p] / 255 - mean[p]; total += c * c; }
    let run = 0;
    for (let j = 0; j < k; j++) { run += coef[i * k + j] ** 2; captured[j + 1] += run; }
  }
  return new Map(zs.map((z) => [z, (total - captured[z]) / (test.count * dim)]));
}

/** The rank-Z reconstructions of the test images, (count, dim), and their sharpness ratio (src/experiments/sharpness.ts). */
export function pcaSharpness(fit: PcaFit, test: ImageSet, z: number): number {
  const { dim, mean, vectors } = fit;
  const coef = project(fit, test, z);
  const recon = new Float64Array(test.count * dim);
  for (let i = 0; i < test.count; i++) {
    const r = recon.subarray(i * dim, (i + 1) * dim);
    r.set(mean);
    for (let j = 0; j < z; j++) { const a = coef[i * z + j]; const v = j * dim; for (let p = 0; p < dim; p++) r[p] += a * vectors[v + p]; }
  }
  return sharpnessRatio(recon, dim, test.images, test.count, { rows: test.rows, cols: test.cols });
}
