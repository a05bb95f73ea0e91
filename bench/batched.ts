// Batched sweeps (docs/design.md "Batched sweeps"): samples/s per model of N models of one sweep trained as one
// model batch against one model at a time (each of N models trained one by one runs at the one-model rate), through
// the same Run and step loop as every other training benchmark.
import type { DataSplit } from '../src/data/dataset.ts';
import type { Gpu, LimitRequest } from '../src/gpu/device.ts';
import type { TrainConfig } from '../src/model/config.ts';
import { preset } from '../src/model/presets.ts';
import { DEFAULT_VARIANT } from '../src/train/kernels.ts';
import { limitsFor } from '../src/train/trainer.ts';
import { benchTraining, type TrainBudget } from './train.ts';

export const BATCHED_COUNTS = [4, 8];

export interface BatchedRow { preset: string; models: number; batchedSamplesPerS: number; aloneSamplesPerS: number; speedup: number; msPerStep: number }

/** N runs of the L1-weight sweep (the sae-l1 preset, λ and seed per run) at the preset's batch. */
export function sweepConfigs(n: number): TrainConfig[] {
  const base = preset('sae-l1');
  return Array.from({ length: n }, (_, i) => ({ ...base, seed: i, sparsity: { ...base.sparsity, weight: 1e-4 * 10 ** (i / 2) } }));
}

export function batchedLimits(data: DataSplit): LimitRequest {
  return limitsFor(preset('sae-l1'), data, Math.max(...BATCHED_COUNTS));
}

/** One model alone (the one-by-one rate), then each N batched; both with the default matmul variant (rb8x8). */
export async function benchBatched(gpu: Gpu, data: DataSplit, budget: TrainBudget, onRow: (r: BatchedRow) => void): Promise<BatchedRow[]> {
  const [alone] = await benchTraining(gpu, sweepConfigs(1)[0], data, DEFAULT_VARIANT, [1], budget);
  const rows: BatchedRow[] = [];
  for (const n of BATCHED_COUNTS) {
    const models = sweepConfigs(n);
    const [t] = await benchTraining(gpu, models[0], data, DEFAULT_VARIANT, [1], budget, models);
    const row = { preset: 'sae-l1', models: n, batchedSamplesPerS: t.samplesPerS, aloneSamplesPerS: alone.samplesPerS,
      speedup: t.samplesPerS / alone.samplesPerS, msPerStep: t.msPerStep };
    onRow(row);
    rows.push(row);
  }
  return rows;
}
