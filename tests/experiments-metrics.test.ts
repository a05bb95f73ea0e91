// The experiments' own figures: the sharpness ratio (hand-computed images, and the CPU decoder's reconstructions of
// the test split against the GPU evaluation pass), the symmetric eigendecomposition and the PCA baseline (numpy's
// numbers, the float64 identities they must satisfy), L1-vs-KL matching, and whole-number epoch ticks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { subsetSplit } from '../src/data/dataset.ts';
import type { ImageSet } from '../src/data/dataset.ts';
import { loadData } from '../src/data/node.ts';
import { symmetricEigen } from '../src/experiments/eigen.ts';
import { matchedLambda } from '../src/experiments/claims-sparsity.ts';
import { pcaFit, pcaTestMse } from '../src/experiments/pca-baseline.ts';
import { lineChart, ticks } from '../src/experiments/plot.ts';
import { gradientEnergySum, reconstructTest, sharpnessRatio } from '../src/experiments/sharpness.ts';
import { acquireNodeGpu } from '../src/gpu/node.ts';
import { pad4 } from '../src/model/plan.ts';
import { preset } from '../src/model/presets.ts';
import { Run } from '../src/train/run.ts';
import { takeSnapshot } from '../src/train/snapshot.ts';

const close = (a: number, b: number, atol: number, rtol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= atol + rtol * Math.abs(b), `${what}: ${a} vs ${b}`);

/** A deterministic generator (LCG) so failures reproduce; the seed is in every message. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
}

test('gradient energy: hand-computed images', () => {
  const shape = { rows: 3, cols: 4 };
  assert.equal(gradientEnergySum(new Float64Array(12).fill(0.7), 1, 12, shape), 0, 'a flat image has no edges');
  // A vertical step 0 | 1 between columns 1 and 2: one horizontal difference of 1 per row.
  const step = Float64Array.from({ length: 12 }, (_, p) => (p % 4 >= 2 ? 1 : 0));
  assert.equal(gradientEnergySum(step, 1, 12, shape), 3);
  // A checkerboard: every one of the 3·3 horizontal and 2·4 vertical neighbour pairs differs by 1.
  const checker = Float64Array.from({ length: 12 }, (_, p) => (Math.floor(p / 4) + (p % 4)) % 2);
  assert.equal(gradientEnergySum(checker, 1, 12, shape), 17);
  // Two images at a stride of 16 (padding ignored), pixel scale 1/255.
  const two = new Float64Array(32);
  two.set(step.map((v) => v * 255), 0);
  two.set(checker.map((v) => v * 255), 16);
  two.fill(99, 12, 16);
  close(gradientEnergySum(two, 2, 16, shape, 1 / 255), 20, 1e-12, 0, 'two images');
});

test('sharpness ratio: 1 for the inputs themselves, below 1 for a blurred copy, error on flat inputs', () => {
  const shape = { rows: 28, cols: 28 };
  const rand = rng(7);
  const u8 = Uint8Array.from({ length: 5 * 784 }, () => Math.floor(rand() * 256));
  const same = Float64Array.from(u8, (v) => v / 255);
  close(sharpnessRatio(same, 784, u8, 5, shape), 1, 1e-12, 0, 'identical');
  const blurred = same.map((_, p) => (p % 28 < 27 ? (same[p] + same[p + 1]) / 2 : same[p]));
  const r = sharpnessRatio(blurred, 784, u8, 5, shape);
  assert.ok(r > 0 && r < 0.8, `a 2-tap blur keeps less than 80% of the edge energy of noise, got ${r}`);
  assert.throws(() => sharpnessRatio(same, 784, new Uint8Array(5 * 784), 5, shape), /flat/);
});

test('symmetricEigen: numpy eigenvalues of the 6×6 Hilbert matrix; A·v = λv and orthonormal vectors on random matrices', () => {
  const n = 6;
  const hilbert = Float64Array.from({ length: n * n }, (_, k) => 1 / (Math.floor(k / n) + (k % n) + 1));
  // numpy.linalg.eigvalsh(scipy.linalg.hilbert(6))[::-1]
  const numpy = [1.6188998589243386, 0.2423608705752093, 0.016321521319875708, 0.0006157483541825938, 1.257075712263069e-05, 1.0827994845192786e-07];
  symmetricEigen(hilbert, n).values.forEach((v, i) => close(v, numpy[i], 1e-15, 1e-9, `λ${i}`));
  for (const [seed, m] of [[1, 1], [2, 2], [3, 17], [4, 64]]) {
    const rand = rng(seed);
    const a = new Float64Array(m * m);
    for (let i = 0; i < m; i++) for (let j = 0; j <= i; j++) { const x = rand() - 0.5; a[i * m + j] = x; a[j * m + i] = x; }
    if (seed === 4) for (let i = 0; i < m; i++) a[i * m + i] = 0.25; // repeated structure: many close eigenvalues
    const { values, vectors } = symmetricEigen(a, m);
    for (let k = 0; k < m; k++) {
      if (k > 0) assert.ok(values[k] <= values[k - 1], `seed ${seed}: descending`);
      for (let i = 0; i < m; i++) {
        let av = 0;
        for (let j = 0; j < m; j++) av += a[i * m + j] * vectors[k * m + j];
        close(av, values[k] * vectors[k * m + i], 1e-12, 0, `seed ${seed}: (A v${k})[${i}]`);
      }
      for (let l = 0; l <= k; l++) {
        let dot = 0;
        for (let j = 0; j < m; j++) dot += vectors[k * m + j] * vectors[l * m + j];
        close(dot, k === l ? 1 : 0, 1e-12, 0, `seed ${seed}: v${k}·v${l}`);
      }
    }
  }
  assert.throws(() => symmetricEigen([1, 2, 3], 2), /2×2 = 4 entries/);
});

/** `count` images of 2×3 pixels from a formula, as u8. */
function tinySet(count: number, seed: number): ImageSet {
  const rand = rng(seed);
  const images = new Uint8Array(count * 6);
  for (let i = 0; i < count; i++) {
    const a = rand();
    const b = rand();
    [a, b, a * b, 1 - a, (a + b) / 2, rand()].forEach((v, p) => { images[i * 6 + p] = Math.round(v * 255); });
  }
  return { count, rows: 2, cols: 3, images, labels: null };
}

test('PCA baseline: numpy values on a tiny set; on its own training set the rank-Z MSE is the trailing eigenvalues over D', () => {
  const train = tinySet(40, 11);
  const test2 = tinySet(15, 12);
  const fit = pcaFit(train);
  // numpy: mu = X.mean(0); C = (X-mu).T @ (X-mu) / n; w, V = eigh(C); V = V[:, ::-1];
  // mse(z) = (((Y-mu) - (Y-mu) @ V[:, :z] @ V[:, :z].T)**2).mean() on the same u8/255 images
  const numpy = new Map([[1, 0.03524194732711942], [2, 0.019967133767391843], [3, 0.0010378104971852996], [6, 0]]);
  const mse = pcaTestMse(fit, test2, [...numpy.keys()]);
  for (const [z, want] of numpy) close(mse.get(z)!, want, 1e-15, 1e-9, `test MSE at Z=${z}`);
  const own = pcaTestMse(fit, train, [1, 2, 3, 4, 5]);
  for (const [z, got] of own) {
    const tail = fit.values.slice(z).reduce((s, x) => s + x, 0) / 6;
    close(got, tail, 1e-15, 1e-9, `training MSE at Z=${z}`);
  }
  assert.throws(() => pcaTestMse(fit, test2, [7]), /code size 7 must be an integer from 1 to 6/);
});

test('matchedLambda interpolates log λ between the bracketing runs', () => {
  const ladder = [{ lambda: 0.01, active: 0.4, mse: 0.01 }, { lambda: 0.1, active: 0.2, mse: 0.02 }, { lambda: 1, active: 0.1, mse: 0.04 }];
  const m = matchedLambda(ladder, 0.3)!;
  close(m.lambda, Math.sqrt(0.01 * 0.1), 1e-15, 1e-12, 'λ at the midpoint');
  close(m.mse, 0.015, 1e-15, 1e-12, 'MSE at the midpoint');
  close(matchedLambda(ladder, 0.1)!.lambda, 1, 1e-15, 1e-12, 'an end point');
  assert.equal(matchedLambda(ladder, 0.5), null);
});

test('epoch axes tick at whole numbers only', () => {
  for (const [lo, hi] of [[1, 2], [1, 3], [1, 5], [1, 10], [1, 15], [0, 1], [1, 1.5]]) {
    const t = ticks(lo, hi, false, true);
    assert.ok(t.length > 0 && t.every(Number.isInteger), `[${lo}, ${hi}]: ${t}`);
  }
  assert.ok(ticks(1, 3, false).some((v) => !Number.isInteger(v)), 'without the flag a short axis takes half steps');
  const svg = lineChart('t', 'epoch', 'y', [{ name: 'a', points: [[1, 0.5], [2, 0.4], [3, 0.3]] }], { integerX: true });
  const xLabels = [...svg.matchAll(/<text x="[\d.]+" y="330\.0" text-anchor="middle">([^<]+)<\/text>/g)].map((m) => m[1]);
  assert.deepEqual(xLabels, ['1', '2', '3']);
});

test('reconstructTest: the CPU decoder on GPU codes equals the GPU evaluation pass (llvmpipe)', async () => {
  const gpu = await acquireNodeGpu('llvmpipe');
  try {
    const data = await subsetSplit(await loadData('default'), 600, 300);
    const run = await Run.start({ gpu, hooks: { log: () => {} }, cfg: preset('ae', 8), data, kernel: 'rb8x8' });
    try {
      await run.epoch();
      const s = await takeSnapshot(run.trainer); // the last test batch's GPU reconstructions
      const recon = await reconstructTest(run.trainer);
      assert.equal(recon.length, 300 * 784);
      const d4 = pad4(784);
      for (let r = 0; r < s.rows; r++) for (let p = 0; p < 784; p++) {
        close(recon[(s.firstTestIndex + r) * 784 + p], s.output[r * d4 + p], 1e-5, 1e-4, `test image ${s.firstTestIndex + r}, pixel ${p}`);
      }
    } finally {
      run.release();
    }
  } finally {
    gpu.release();
  }
});
