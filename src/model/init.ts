// Initial values of the parameter and buffer slabs: Glorot-uniform weights, zero biases, BatchNorm γ = 1 and
// β = 0, running mean 0 and variance 1. Draws come from the counter RNG, so they depend only on the seed.
import { CounterStream } from './rng.ts';
import type { Plan, SlabTensor } from './plan.ts';

const INIT_STREAM = 0x494e4954; // 'INIT': keeps initialisation draws apart from dropout and shuffling

function fill(slab: Float32Array, t: SlabTensor, value: number): void {
  const n = t.shape[t.shape.length - 1];
  for (let r = 0; r < (t.shape.length === 2 ? t.shape[0] : 1); r++) slab.fill(value, t.offset + r * t.stride, t.offset + r * t.stride + n);
}

export function initParams(plan: Plan, seed: number): Float32Array {
  const slab = new Float32Array(plan.paramFloats); // padding stays zero forever
  for (const op of plan.ops) {
    if (op.kind === 'dense') {
      const limit = Math.sqrt(6 / (op.in + op.out));
      const rng = new CounterStream(seed, INIT_STREAM, op.layer);
      for (let o = 0; o < op.out; o++) {
        for (let i = 0; i < op.in; i++) slab[op.weight.offset + o * op.weight.stride + i] = (2 * rng.nextUniform() - 1) * limit;
      }
    } else if (op.kind === 'batchnorm') {
      fill(slab, op.gamma, 1);
    }
  }
  return slab;
}

export function initBuffers(plan: Plan): Float32Array {
  const slab = new Float32Array(plan.bufferFloats);
  for (const op of plan.ops) if (op.kind === 'batchnorm') fill(slab, op.runningVar, 1);
  return slab;
}

/** Copy a tensor out of a padded slab into its dense PyTorch layout. */
export function unpackTensor(slab: Float32Array, t: SlabTensor): Float32Array {
  const cols = t.shape[t.shape.length - 1];
  const rows = t.shape.length === 2 ? t.shape[0] : 1;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) out.set(slab.subarray(t.offset + r * t.stride, t.offset + r * t.stride + cols), r * cols);
  return out;
}

/** Write a dense PyTorch-layout tensor into its padded place in a slab. */
export function packTensor(slab: Float32Array, t: SlabTensor, data: Float32Array): void {
  const cols = t.shape[t.shape.length - 1];
  const rows = t.shape.length === 2 ? t.shape[0] : 1;
  if (data.length !== rows * cols) throw new Error(`${t.name}: expected ${rows * cols} values, got ${data.length}`);
  for (let r = 0; r < rows; r++) slab.set(data.subarray(r * cols, (r + 1) * cols), t.offset + r * t.stride);
}
