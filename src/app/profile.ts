// Per-kernel GPU times of one training step, measured on a separate, throw-away Trainer with the same config and
// data, so the run being trained is never touched: one real step fills its buffers and step uniforms, then every
// dispatch of a step is timed in its own pass (timestamp queries; median of three).
import { dispatch } from '../gpu/kernels.ts';
import { medianRuns, timePasses } from '../gpu/timing.ts';
import type { Gpu } from '../gpu/device.ts';
import type { DataSplit } from '../data/dataset.ts';
import type { TrainConfig } from '../model/config.ts';
import { Trainer } from '../train/trainer.ts';

export interface KernelTime { label: string; ms: number }
export interface KernelProfile { rows: KernelTime[]; totalMs: number }

export const NO_TIMESTAMPS = "Per-kernel times need the 'timestamp-query' feature, which this adapter does not offer " +
  '(the OpenGL ES adapters never do); SwiftShader and most hardware adapters have it.';

export async function profileKernels(gpu: Gpu, cfg: TrainConfig, data: DataSplit, kernel?: string): Promise<KernelProfile> {
  if (!gpu.hasTimestamps) throw new Error(NO_TIMESTAMPS);
  const t = await Trainer.create(gpu, cfg, data, kernel);
  try {
    t.beginEpoch();
    t.submitSteps(0, 1); // step slot 0 now holds a real training step's uniforms
    const list = t.stepDispatches();
    const runs = await timePasses(gpu.device, list.map((d) => ({ label: d.label, record: (pass) => dispatch(pass, d.kernel, d.group, d.workgroups, 0) })));
    const ms = medianRuns(runs);
    const rows = list.map((d, i) => ({ label: d.label, ms: ms[i] }));
    return { rows, totalMs: ms.reduce((a, b) => a + b, 0) };
  } finally {
    await gpu.device.queue.onSubmittedWorkDone();
    t.destroy();
  }
}
