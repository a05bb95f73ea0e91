// Checkpoints as safetensors with the names and layouts of the equivalent PyTorch nn.Sequential
// (`encoder.0.weight` (out, in), BatchNorm running stats and num_batches_tracked), the config and run position in
// __metadata__, and the optimizer state under `optimizer.*`. Platform-neutral: the page saves the same file.
import type { TrainConfig } from '../model/config.ts';
import { packTensor, unpackTensor } from '../model/init.ts';
import type { Plan } from '../model/plan.ts';
import { decodeSafetensors, encodeSafetensors, type TensorEntry } from '../io/safetensors.ts';

export const CHECKPOINT_FORMAT = 'webgpu-autoencoder/1';

export interface CheckpointState {
  params: Float32Array; // parameter slab
  state: Float32Array; // running-statistics slab
  m: Float32Array | null; // optimizer slabs (Adam moments / SGD momentum)
  v: Float32Array | null;
  step: number; // optimisation steps taken
  epoch: number; // epochs completed
}

export interface CheckpointMeta { config: TrainConfig; step: number; epoch: number; seed: number; dataSha256: string }

export function encodeCheckpoint(plan: Plan, cfg: TrainConfig, s: CheckpointState, dataSha256: string): Uint8Array {
  const tensors: TensorEntry[] = [];
  for (const t of plan.params) tensors.push({ name: t.name, dtype: 'F32', shape: t.shape, data: unpackTensor(s.params, t) });
  for (const t of plan.buffers) tensors.push({ name: t.name, dtype: 'F32', shape: t.shape, data: unpackTensor(s.state, t) });
  for (const op of plan.ops) {
    if (op.kind === 'batchnorm') tensors.push({ name: `${op.name}.num_batches_tracked`, dtype: 'I64', shape: [], data: BigInt64Array.of(BigInt(s.step)) });
  }
  if (s.m && s.v) {
    for (const t of plan.params) {
      tensors.push({ name: `optimizer.${t.name}.exp_avg`, dtype: 'F32', shape: t.shape, data: unpackTensor(s.m, t) });
      tensors.push({ name: `optimizer.${t.name}.exp_avg_sq`, dtype: 'F32', shape: t.shape, data: unpackTensor(s.v, t) });
    }
  }
  return encodeSafetensors(tensors, {
    format: CHECKPOINT_FORMAT,
    config: JSON.stringify(cfg),
    step: String(s.step),
    epoch: String(s.epoch),
    seed: String(cfg.seed),
    data_sha256: dataSha256,
  });
}

/** Read a checkpoint into slabs laid out for `plan`; every tensor's presence and shape is checked. */
export function decodeCheckpoint(bytes: Uint8Array, plan: Plan, what: string): CheckpointState & { meta: Partial<CheckpointMeta> } {
  const { tensors, metadata } = decodeSafetensors(bytes, what);
  const problems: string[] = [];
  const take = (name: string, shape: number[]): Float32Array | null => {
    const t = tensors.get(name);
    if (!t) { problems.push(`missing tensor ${name} ${JSON.stringify(shape)}`); return null; }
    if (t.dtype !== 'F32') { problems.push(`${name}: dtype ${t.dtype}, expected F32`); return null; }
    if (JSON.stringify(t.shape) !== JSON.stringify(shape)) { problems.push(`${name}: shape ${JSON.stringify(t.shape)}, this model needs ${JSON.stringify(shape)}`); return null; }
    const data = t.data as Float32Array;
    if (!data.every(Number.isFinite)) { problems.push(`${name}: contains NaN or Inf`); return null; }
    return data;
  };
  const params = new Float32Array(plan.paramFloats);
  const state = new Float32Array(plan.bufferFloats);
  for (const t of plan.params) { const d = take(t.name, t.shape); if (d) packTensor(params, t, d); }
  for (const t of plan.buffers) { const d = take(t.name, t.shape); if (d) packTensor(state, t, d); }
  let m: Float32Array | null = null;
  let v: Float32Array | null = null;
  if (plan.params.some((t) => tensors.has(`optimizer.${t.name}.exp_avg`))) {
    m = new Float32Array(plan.paramFloats);
    v = new Float32Array(plan.paramFloats);
    for (const t of plan.params) {
      const a = take(`optimizer.${t.name}.exp_avg`, t.shape);
      const b = take(`optimizer.${t.name}.exp_avg_sq`, t.shape);
      if (a) packTensor(m, t, a);
      if (b) packTensor(v, t, b);
    }
  }
  if (problems.length > 0) {
    throw new Error(`${what} does not fit this model:\n  ${problems.slice(0, 12).join('\n  ')}${problems.length > 12 ? `\n  … and ${problems.length - 12} more` : ''}\n` +
      'Use the same --hidden/--latent (architecture) the checkpoint was trained with.');
  }
  const int = (k: string) => (metadata[k] !== undefined && /^\d+$/.test(metadata[k]) ? Number(metadata[k]) : 0);
  let config: TrainConfig | undefined;
  try { config = metadata.config ? (JSON.parse(metadata.config) as TrainConfig) : undefined; } catch { config = undefined; }
  return { params, state, m, v, step: int('step'), epoch: int('epoch'),
    meta: { config, step: int('step'), epoch: int('epoch'), seed: int('seed'), dataSha256: metadata.data_sha256 } };
}
