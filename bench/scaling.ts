// How throughput scales with work on one adapter: samples/s of the seed model (kernels tuned per shape) against
// the batch size at H = 256, and against the hidden width H at batch 256.
import { stepFlops } from '../src/model/describe.ts';
import type { DataSplit } from '../src/data/dataset.ts';
import type { Gpu, LimitRequest } from '../src/gpu/device.ts';
import { defaultTrainConfig, seedModel, type TrainConfig } from '../src/model/config.ts';
import { buildPlan } from '../src/model/plan.ts';
import { limitsFor } from '../src/train/trainer.ts';
import { benchTraining, type TrainBudget } from './train.ts';

export const BATCHES = [64, 128, 256, 512, 1024];
export const HIDDEN = [128, 256, 512, 1024];

export interface ScalingRow { sweep: 'batch' | 'hidden'; batch: number; hidden: number; samplesPerS: number; msPerStep: number; mflopPerStep: number; gflops: number }

export function scalingConfigs(): { sweep: 'batch' | 'hidden'; cfg: TrainConfig }[] {
  const make = (batch: number, hidden: number) => {
    const cfg = defaultTrainConfig(seedModel(hidden));
    cfg.batch = batch;
    return cfg;
  };
  return [...BATCHES.map((b) => ({ sweep: 'batch' as const, cfg: make(b, 256) })), ...HIDDEN.map((h) => ({ sweep: 'hidden' as const, cfg: make(256, h) }))];
}

/** The limits of the largest configuration, to acquire one device for the whole sweep. */
export function scalingLimits(data: DataSplit): LimitRequest {
  const all = scalingConfigs().map(({ cfg }) => limitsFor(cfg, data));
  const max = (k: 'maxStorageBufferBindingSize' | 'maxBufferSize') => Math.max(...all.map((l) => l[k] ?? 0));
  return { maxStorageBufferBindingSize: max('maxStorageBufferBindingSize'), maxBufferSize: max('maxBufferSize') };
}

export async function benchScaling(gpu: Gpu, data: DataSplit, budget: TrainBudget, onRow: (r: ScalingRow) => void): Promise<ScalingRow[]> {
  const rows: ScalingRow[] = [];
  for (const { sweep, cfg } of scalingConfigs()) {
    const [t] = await benchTraining(gpu, cfg, data, 'auto', [1], budget);
    const hidden = cfg.model.encoder.find((l) => l.kind === 'linear') as { units: number };
    const row = { sweep, batch: cfg.batch, hidden: hidden.units, samplesPerS: t.samplesPerS, msPerStep: t.msPerStep,
      mflopPerStep: (stepFlops(buildPlan(cfg.model)) * cfg.batch) / 1e6, gflops: t.gflops };
    onRow(row);
    rows.push(row);
  }
  return rows;
}
