// The denoising baseline: how far the corrupted test inputs themselves are from the clean ones (MSE), i.e. the
// error of a model that returns its input. The test split's corruption uses fixed RNG steps (base + batch index),
// so this is computed once, on the CPU, with the reference corruption that the GPU's matches (masks exactly,
// Gaussian noise within WGSL's cos accuracy).
import type { ImageSet } from '../data/dataset.ts';
import type { TrainConfig } from '../model/config.ts';
import { corruptBatch } from '../ref/corrupt.ts';

export function corruptedInputMse(test: ImageSet, cfg: TrainConfig, baseStep: number): number {
  const D = test.rows * test.cols;
  let sum = 0;
  for (let b = 0, start = 0; start < test.count; b++, start += cfg.batch) {
    const rows = Math.min(cfg.batch, test.count - start);
    const x = Float64Array.from(test.images.subarray(start * D, (start + rows) * D), (v) => v / 255);
    const y = corruptBatch(x, rows, D, cfg.corruption.kind, cfg.corruption.level, cfg.seed, baseStep + b, test.cols, test.rows);
    for (let i = 0; i < x.length; i++) sum += (y[i] - x[i]) ** 2;
  }
  return sum / (test.count * D);
}
