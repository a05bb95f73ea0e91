// Whether a model, batch and dataset fit a device's buffer limits, and if not, the largest batch, split or
// parameter count that would: the advice a "too large" error gives instead of a bare limit.
import type { DataSplit } from '../data/dataset.ts';
import type { TrainConfig } from '../model/config.ts';
import { buildPlan, pad4 } from '../model/plan.ts';

export type BufferLimits = Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize'>;

/** Every buffer a run binds whole that would not fit, as sentences naming the limit, the need and what fits. */
export function fitProblems(cfg: TrainConfig, data: DataSplit, limits: BufferLimits): string[] {
  const limit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const name = limits.maxStorageBufferBindingSize <= limits.maxBufferSize ? 'maxStorageBufferBindingSize' : 'maxBufferSize';
  const plan = buildPlan(cfg.model);
  const widest = Math.max(...plan.widths.map(pad4));
  const problems: string[] = [];
  const batchBytes = cfg.batch * widest * 4;
  if (batchBytes > limit) {
    problems.push(`${name} is ${limit} bytes, but one batch of activations (batch ${cfg.batch} × ${widest} floats of the widest layer) needs ` +
      `${batchBytes}: the largest batch that fits is ${Math.floor(limit / (widest * 4))}`);
  }
  const imageBytes = pad4(data.train.rows * data.train.cols);
  const images = Math.max(data.train.count, data.test.count);
  if (images * imageBytes > limit) {
    problems.push(`${name} is ${limit} bytes, but the ${images}-image split needs ${images * imageBytes}: at most ${Math.floor(limit / imageBytes)} images fit`);
  }
  if (plan.paramFloats * 4 > limit) {
    problems.push(`${name} is ${limit} bytes, but the model's ${plan.paramFloats} parameter floats need ${plan.paramFloats * 4}: ` +
      `at most ${Math.floor(limit / 4)} fit (reduce --hidden or --latent)`);
  }
  return problems;
}

/** Throws the fit problems of `cfg` on a device or adapter with `limits`, if any. */
export function checkFits(cfg: TrainConfig, data: DataSplit, limits: BufferLimits, adapter: string): void {
  const problems = fitProblems(cfg, data, limits);
  if (problems.length > 0) throw new Error(`this model, batch or dataset is too large for ${adapter}:\n  ${problems.join('\n  ')}`);
}
