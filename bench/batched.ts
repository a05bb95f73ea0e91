// Batched sweeps (docs/design.md "Batched sweeps"): samples/s per model of N models of one sweep trained as one
// model batch against the same N trained one by one (one model's rate / N: each waits for the others' turns),
// through the same Run and step loop as every other training benchmark; repetitions interleave the settings.
import type { DataSplit } from '../src/data/dataset.ts';
import type { Gpu, LimitRequest } from '../src/gpu/device.ts';
import type { TrainConfig } from '../src/model/config.ts';
import { preset } from '../src/model/presets.ts';
import { DEFAULT_VARIANT } from '../src/train/kernels.ts';
import { limitsFor } from '../src/train/trainer.ts';
import { median } from './stats.ts';
import { benchTraining, type TrainBudget } from './train.ts';

export const BATCHED_COUNTS = [4, 8];

/** Samples/s per model; `aloneSamplesPerS`: one model training by itself; `speedup`: batched / one by one. */
export interface BatchedRow {
  preset: string; models: number; batchedSamplesPerS: number; oneByOneSamplesPerS: number; aloneSamplesPerS: number; speedup: number; msPerStep: number;
}

/** N runs of the L1-weight sweep (the sae-l1 preset, λ and seed per run) at the preset's batch. */
export function sweepConfigs(n: number): TrainConfig[] {
  const base = preset('sae-l1');
  return Array.from({ length: n }, (_, i) => ({ ...base, seed: i, sparsity: { ...base.sparsity, weight: 1e-4 * 10 ** (i / 2) } }));
}

export function batchedLimits(data: DataSplit): LimitRequest {
  return limitsFor(preset('sae-l1'), data, Math.max(...BATCHED_COUNTS));
}

/** One model alone, then each N batched, all with the default matmul variant, `budget.reps` rounds of one repetition
 * each (so load drift hits every setting alike); medians. */
export async function benchBatched(gpu: Gpu, data: DataSplit, budget: TrainBudget, onRow: (r: BatchedRow) => void): Promise<BatchedRow[]> {
  const sets = [1, ...BATCHED_COUNTS].map(sweepConfigs);
  const runs = sets.map(() => ({ rate: [] as number[], ms: [] as number[] }));
  for (let r = 0; r < budget.reps; r++) {
    for (const [i, models] of sets.entries()) {
      const [t] = await benchTraining(gpu, models[0], data, DEFAULT_VARIANT, [1], { ...budget, reps: 1 }, models);
      runs[i].rate.push(t.samplesPerS);
      runs[i].ms.push(t.msPerStep);
    }
  }
  const alone = median(runs[0].rate);
  return BATCHED_COUNTS.map((n, j) => {
    const batched = median(runs[j + 1].rate);
    const row = { preset: 'sae-l1', models: n, batchedSamplesPerS: batched, oneByOneSamplesPerS: alone / n, aloneSamplesPerS: alone,
      speedup: batched / (alone / n), msPerStep: median(runs[j + 1].ms) };
    onRow(row);
    return row;
  });
}
