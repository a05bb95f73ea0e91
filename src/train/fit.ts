// Whether a model, batch and dataset fit a device's buffer limits, and if not, the largest batch, split or
// parameter count that would: the advice a "too large" error gives instead of a bare limit.
import type { DataSplit } from '../data/dataset.ts';
import type { TrainConfig } from '../model/config.ts';
import { buildPlan, pad4, type Plan } from '../model/plan.ts';

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
    problems.push(`${name} is ${limit} bytes, but the ${images}-image split needs ${images * imageBytes}: at most ${Math.floor(limit / imageBytes)} image${Math.floor(limit / imageBytes) === 1 ? '' : 's'} fit`);
  }
  if (cfg.contractive > 0) {
    const why = jacobianProblem(plan, cfg.batch, cfg.contractiveSamples, limit, name);
    if (why) problems.push(why);
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

/** The largest buffers ‖J‖²_F binds: `rows` Jacobian rows per sample (P projections, or Z for the exact value) of the
 * widest encoder layer for the whole batch, and the H×H products at the first layer (src/train/jacobian.ts). */
function jacobianBytes(plan: Plan, batch: number, rows: number): { perRow: number; rowBytes: number; squareBytes: number } {
  const perRow = Math.max(...plan.widths.slice(1, plan.codeIndex + 1).map(pad4)) * 4;
  return { perRow, rowBytes: batch * rows * perRow, squareBytes: pad4(plan.widths[1]) ** 2 * 4 };
}

/** Why the contractive penalty (λ > 0) cannot be built within `limit`, with the batch or projection count that fits. */
export function jacobianProblem(plan: Plan, batch: number, samples: number, limit: number, name = 'maxStorageBufferBindingSize'): string | null {
  const rows = samples > 0 ? samples : plan.widths[plan.codeIndex];
  const { perRow, rowBytes, squareBytes } = jacobianBytes(plan, batch, rows);
  if (squareBytes > limit) {
    return `${name} is ${limit} bytes, but the contractive penalty's ${pad4(plan.widths[1])}² products at the first layer need ${squareBytes}: reduce --hidden`;
  }
  if (rowBytes <= limit) return null;
  const maxBatch = Math.floor(limit / (rows * perRow));
  const maxSamples = Math.min(Math.floor(limit / (batch * perRow)), 4096);
  const advice = [maxBatch >= 2 ? `a batch of at most ${maxBatch}` : '',
    maxSamples >= 1 ? `--contractive-samples ${Math.min(maxSamples, 64)} (an unbiased estimate from random projections; at most ${maxSamples} fit)` : '']
    .filter(Boolean).join(', or ');
  return `${name} is ${limit} bytes, but the contractive penalty needs ${batch}×${rows} Jacobian rows of ${perRow / 4} floats (${rowBytes} bytes): ` +
    (advice ? `use ${advice}` : 'reduce --latent or the widest encoder layer');
}

/** How to measure ‖J‖²_F as a metric (λ = 0) within `limit`: exact when it fits, else from as many random projections
 * as fit (unbiased), else not at all; `note` says which when it is not exact. Never a reason to refuse a run. */
export function jacobianMetricPlan(plan: Plan, batch: number, limit: number): { samples: number | null; note: string | null } {
  const z = plan.widths[plan.codeIndex];
  const exact = jacobianBytes(plan, batch, z);
  if (exact.squareBytes > limit) return { samples: null, note: `‖J‖²_F not measured: its ${pad4(plan.widths[1])}² products exceed the ${limit}-byte binding limit` };
  if (exact.rowBytes <= limit) return { samples: 0, note: null };
  const samples = Math.min(Math.floor(limit / (batch * exact.perRow)), z - 1, 4096);
  if (samples < 1) return { samples: null, note: `‖J‖²_F not measured: even one projection per sample exceeds the ${limit}-byte binding limit` };
  return { samples, note: `‖J‖²_F estimated from ${samples} random projections per sample: the exact ${batch}×${z} rows (${exact.rowBytes} bytes) exceed the ${limit}-byte binding limit` };
}
