// What the pictures need after an epoch: the last evaluation batch (clean input, the corrupted input the encoder
// saw, the code, the reconstruction) and the parameter and running-statistics slabs. All copies are submitted
// before the first await, so they capture the state right after evaluation, ahead of the next training step.
import { readBuffer } from '../gpu/readback.ts';
import { pad4, type Plan } from '../model/plan.ts';
import type { Trainer } from './trainer.ts';

export interface Snapshot {
  plan: Plan;
  rows: number; // samples in the batch
  firstTestIndex: number; // index in the test split of row 0 (the split is evaluated in order)
  input: Float32Array; // (rows, pad4(D)) clean
  corrupted: Float32Array | null; // (rows, pad4(D)) what the encoder read, when denoising
  output: Float32Array; // (rows, pad4(D)) reconstruction
  code: Float32Array; // (rows, pad4(Z))
  params: Float32Array; // parameter slab
  state: Float32Array; // running-statistics slab
}

/** The last evaluation batch of the test split: same images every epoch for a given batch size. */
export function lastTestBatch(testCount: number, batch: number): { first: number; rows: number } {
  const first = (Math.ceil(testCount / batch) - 1) * batch;
  return { first, rows: testCount - first };
}

export function takeSnapshot(t: Trainer): Promise<Snapshot> {
  const { device } = t.gpu;
  const g = t.graph;
  const { plan } = t;
  const { first, rows } = lastTestBatch(t.data.test.count, t.cfg.batch);
  const read = (b: GPUBuffer, floats: number) => readBuffer(device, b, 0, floats * 4).then((a) => new Float32Array(a));
  const d4 = pad4(plan.inputDim);
  const batch = [read(g.acts[0], rows * d4), g.input !== g.acts[0] ? read(g.input, rows * d4) : Promise.resolve(null),
    read(g.acts[g.acts.length - 1], rows * d4), read(g.acts[plan.codeIndex], rows * pad4(plan.widths[plan.codeIndex]))] as const;
  const slabs = [read(t.slabs.params, plan.paramFloats), read(t.slabs.state, Math.max(4, plan.bufferFloats))] as const;
  return Promise.all([...batch, ...slabs]).then(([input, corrupted, output, code, params, state]) =>
    ({ plan, rows, firstTestIndex: first, input, corrupted, output, code, params, state }));
}
