// The inputs of bench/peers/torch_ae.py's float64 parity check: our checkpoint before one training step (the same
// safetensors file the CLI writes), and that step's batch, gradients and updated parameters as we computed them;
// the same gradients are also checked here against our own float64 reference (src/ref/model.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSplit } from '../src/data/dataset.ts';
import type { Gpu } from '../src/gpu/device.ts';
import type { KernelCache } from '../src/gpu/kernels.ts';
import { encodeSafetensors, type TensorEntry } from '../src/io/safetensors.ts';
import type { TrainConfig } from '../src/model/config.ts';
import { unpackTensor } from '../src/model/init.ts';
import { refForwardBackward } from '../src/ref/model.ts';
import { encodeCheckpoint } from '../src/train/checkpoint.ts';
import { Trainer } from '../src/train/trainer.ts';

export interface Parity { loss: number; worst: number; tensors: Record<string, number> }

/**
 * Writes <out>/checkpoint-step0.safetensors and <out>/parity.safetensors (batch, grad.*, after.*) and returns, per
 * parameter, the largest |ours − float64 reference| of its gradient over the reference's largest magnitude.
 */
export async function writeParityDump(gpu: Gpu, cfg: TrainConfig, data: DataSplit, cache: KernelCache, out: string): Promise<Parity> {
  const trainer = await Trainer.create(gpu, cfg, data, 'auto', cache);
  try {
    const before = await trainer.readSlabs();
    const { plan } = trainer;
    const zeros = new Float32Array(before.params.length);
    const checkpoint = await encodeCheckpoint(plan, cfg, { params: before.params, state: before.state, m: zeros, v: zeros, epoch: 0, globalStep: 0,
      stepInEpoch: 0, lrScale: 1, kernels: {}, history: [] }, data.sha256);
    writeFileSync(join(out, 'checkpoint-step0.safetensors'), checkpoint);
    trainer.beginEpoch();
    trainer.submitSteps(0, 1);
    const batch = await trainer.readInputBatch();
    const after = await trainer.readSlabs();
    const D = plan.inputDim;
    const width = batch.length / cfg.batch; // pad4(D)
    const x = new Float32Array(cfg.batch * D);
    for (let b = 0; b < cfg.batch; b++) x.set(batch.subarray(b * width, b * width + D), b * D);
    const tensors: TensorEntry[] = [{ name: 'batch', dtype: 'F32', shape: [cfg.batch, D], data: x }];
    for (const t of plan.params) {
      tensors.push({ name: `grad.${t.name}`, dtype: 'F32', shape: t.shape, data: unpackTensor(after.grads, t) });
      tensors.push({ name: `after.${t.name}`, dtype: 'F32', shape: t.shape, data: unpackTensor(after.params, t) });
    }
    const meta = { step: '0', seed: String(cfg.seed), lr: String(trainer.lrAt(0, 0)), kernels: JSON.stringify(trainer.kernels.choices) };
    writeFileSync(join(out, 'parity.safetensors'), encodeSafetensors(tensors, meta));
    const params = new Map([...plan.params.map((t) => [t.name, unpackTensor(before.params, t)] as const),
      ...plan.buffers.map((t) => [t.name, unpackTensor(before.state, t)] as const)].map(([n, v]) => [n, Float64Array.from(v)]));
    const ref = refForwardBackward(cfg, params, Float64Array.from(x), cfg.batch, 0, true);
    const normalised = (g: Float64Array, ours: Float32Array) =>
      g.reduce((m, v, i) => Math.max(m, Math.abs(v - ours[i])), 0) / (g.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1);
    const parity = Object.fromEntries(plan.params.map((t) => [t.name, normalised(ref.grads.get(t.name)!, unpackTensor(after.grads, t))]));
    return { loss: ref.loss, worst: Math.max(...Object.values(parity)), tensors: parity };
  } finally {
    trainer.destroy();
  }
}
