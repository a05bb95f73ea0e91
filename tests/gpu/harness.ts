// Runs single kernels on a device for tests (Node or browser): uploads typed arrays, binds them in order after
// the Step and kernel uniforms, dispatches once, and reads every buffer back. Plus padding helpers and allclose.
// `asSecondModel` runs a case's kernels as model 2 of a batch of 2 (docs/design.md "Batched sweeps").
import type { Gpu } from '../../src/gpu/device.ts';
import { dispatch, KernelCache, storageBuffer, uniformBuffer, type KernelSpec } from '../../src/gpu/kernels.ts';
import { TextureMirror } from '../../src/gpu/mirror.ts';
import { readBuffer } from '../../src/gpu/readback.ts';
import { pad4 } from '../../src/model/plan.ts';
import { MAX_MODELS, STEP_BYTES, STEP_SLOT, writeStep, type StepValues } from '../../src/train/uniforms.ts';
import { firstMismatch } from '../../src/ref/check.ts';

export type Input = Float32Array | Uint32Array | { zeros: number /* bytes */ };

export const step = (rows: number, extra: Partial<StepValues> = {}): StepValues =>
  ({ rows, step: 0, seed: 0, batchStart: 0, lr: 0, bc1: 1, bc2: 1, training: true, record: 0, ...extra });

const caches = new WeakMap<Gpu, KernelCache>();
export function cacheFor(gpu: Gpu): KernelCache {
  let c = caches.get(gpu);
  if (!c) caches.set(gpu, (c = new KernelCache(gpu)));
  return c;
}

// Batched kernels find model m's slice of a buffer from strides: the case's buffers hold `st.rows` rows (the
// capacity), and these name the inputs that are slabs (param4 / state4 from their size) and those all models share.
const SLABS: Record<string, { param?: number; state?: number; shared?: number[] }> = {
  denseForward: { param: 1 }, denseBackwardInput: { param: 1 }, denseBackwardWeight: { param: 2 }, batchNormForward: { param: 1, state: 4 },
  batchNormBackward: { param: 1 }, adamUpdate: { param: 0 }, gatherBatch: { shared: [0, 1] },
};
const PER_MODEL_UNIFORM = ['reconLoss', 'sparsityForward', 'sparsityBackward', 'corruptBatch'];
let secondModel = false;

/** Run `work`'s kernels as model 2 of 2: each buffer gets a decoy slice for model 1 in front of the case's own (its
 * bytes reversed), model 1 runs too with another seed and learning rate, and the case sees only model 2's slices —
 * so a kernel that reads or writes the wrong model's slice, seed, rate or uniform entry fails the case's checks. */
export async function asSecondModel(work: () => Promise<void>): Promise<void> {
  secondModel = true;
  try { await work(); } finally { secondModel = false; }
}

function asModels(spec: KernelSpec, st: StepValues, uniform: ArrayBuffer, inputs: Input[]) {
  const layout = SLABS[spec.entry.replace(/(Tiled|Shared|Subgroup)$/, '')] ?? {}; // every matmul family binds alike
  const bytes = (x: Input) => ('zeros' in x ? x.zeros : x.byteLength);
  const sliced = inputs.map((x, i) => {
    if (layout.shared?.includes(i)) return x;
    if ('zeros' in x) return { zeros: 2 * x.zeros };
    const both = new Uint8Array(2 * x.byteLength);
    const own = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    both.set(own.slice().reverse()); // the decoy: other values, mostly finite
    both.set(own, x.byteLength);
    return new Uint32Array(both.buffer);
  });
  const size = uniform.byteLength / MAX_MODELS;
  const u = PER_MODEL_UNIFORM.includes(spec.entry) ? new Uint8Array(uniform.byteLength) : null;
  if (u) { u.set(new Uint8Array(uniform, 0, size)); u.set(new Uint8Array(uniform, 0, size), size); }
  // The header's seed and lr (single-model kernels) are model 1's too: batched kernels must read models[m].
  const decoy = { seed: (st.seed ^ 0x5bd1e995) >>> 0, lr: 3 * st.lr + 0.5 };
  const step: StepValues = { ...st, ...decoy, capacity: st.rows, param4: layout.param === undefined ? 0 : bytes(inputs[layout.param]) / 16,
    state4: layout.state === undefined ? 0 : bytes(inputs[layout.state]) / 16, models: [decoy, { seed: st.seed, lr: st.lr }] };
  const ownSlice = (i: number) => (all: Float32Array) => (layout.shared?.includes(i) ? all : all.subarray(all.length / 2));
  return { inputs: sliced, uniform: u ? u.buffer : uniform, step, outputs: inputs.map((_, i) => ownSlice(i)) };
}

/** Dispatch `spec` once with buffers bound at 2, 3, …; returns every buffer's contents afterwards as f32. */
export async function runKernel(gpu: Gpu, spec: KernelSpec, st: StepValues, uniform: ArrayBuffer, inputs: Input[], workgroups: number): Promise<Float32Array[]> {
  if (secondModel) {
    const m = asModels(spec, st, uniform, inputs);
    const all = await runKernelOn(gpu, spec, m.step, m.uniform, m.inputs, workgroups, 2);
    return all.map((b, i) => m.outputs[i](b));
  }
  return runKernelOn(gpu, spec, st, uniform, inputs, workgroups, 1);
}

async function runKernelOn(gpu: Gpu, spec: KernelSpec, st: StepValues, uniform: ArrayBuffer, inputs: Input[], workgroups: number, models: number): Promise<Float32Array[]> {
  const { device } = gpu;
  const kernel = await cacheFor(gpu).get(spec);
  const stepData = new ArrayBuffer(STEP_SLOT);
  writeStep(stepData, 0, st);
  const stepBuf = device.createBuffer({ size: STEP_SLOT, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(stepBuf, 0, stepData);
  const buffers = inputs.map((x, i) => {
    const bytes = 'zeros' in x ? x.zeros : x.byteLength;
    const b = storageBuffer(device, `test.${spec.entry}.${i}`, bytes);
    if (!('zeros' in x)) device.queue.writeBuffer(b, 0, x);
    return b;
  });
  // 'texture' bindings (the tx matmuls) read a texture mirror of the buffer, copied before the dispatch.
  const mirrors = buffers.map((b, i) => (spec.bindings[i + 2] === 'texture' ? new TextureMirror(device, b) : null));
  const group = device.createBindGroup({
    layout: kernel.layout,
    entries: [{ binding: 0, resource: { buffer: stepBuf, size: STEP_BYTES } }, { binding: 1, resource: { buffer: uniformBuffer(device, 'test.uniform', uniform) } },
      ...buffers.map((buffer, i) => ({ binding: i + 2, resource: mirrors[i]?.view ?? { buffer } }))],
  });
  device.pushErrorScope('validation');
  const encoder = device.createCommandEncoder();
  for (const m of mirrors) m?.refresh(encoder);
  const pass = encoder.beginComputePass();
  dispatch(pass, kernel, group, workgroups, 0, models);
  pass.end();
  device.queue.submit([encoder.finish()]);
  const err = await device.popErrorScope();
  if (err) throw new Error(`${spec.entry}: ${err.message}`);
  const out = await Promise.all(buffers.map(async (b) => new Float32Array(await readBuffer(device, b))));
  for (const b of [stepBuf, ...buffers]) b.destroy();
  for (const m of mirrors) m?.destroy();
  return out;
}

/** (rows, cols) float64 → (rows, pad4(cols)) f32 with zero padding, as the kernels store activations. */
export function padRows(x: ArrayLike<number>, rows: number, cols: number, padRowsTo = rows): Float32Array {
  const s = pad4(cols);
  const out = new Float32Array(padRowsTo * s);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * s + c] = x[r * cols + c];
  return out;
}

/** Inverse of padRows: (rows, pad4(cols)) → (rows, cols); also asserts the padding is exactly zero. */
export function unpadRows(y: Float32Array, rows: number, cols: number, what: string, checkPad = true): Float64Array {
  const s = pad4(cols);
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < s; c++) {
      if (c < cols) out[r * cols + c] = y[r * s + c];
      else if (checkPad && y[r * s + c] !== 0) throw new Error(`${what}: padding at row ${r} col ${c} is ${y[r * s + c]}, not 0`);
    }
  }
  return out;
}

/** |gpu − ref| ≤ atol + rtol·|ref| everywhere, else an error naming the element and the seed to reproduce it. */
export function expectClose(what: string, gpu: ArrayLike<number>, ref: ArrayLike<number>, seed: number, atol = 1e-5, rtol = 1e-4): void {
  const i = firstMismatch(gpu, ref, atol, rtol);
  if (i < 0) return;
  if (gpu.length !== ref.length) throw new Error(`${what}: ${gpu.length} values, reference has ${ref.length} (seed ${seed})`);
  throw new Error(`${what}: element ${i} is ${gpu[i]}, reference ${ref[i]} (|diff| ${Math.abs(gpu[i] - ref[i]).toExponential(2)} > ` +
    `${atol} + ${rtol}·|ref|; seed ${seed})`);
}

export function freshSeed(): number {
  return Math.floor(Math.random() * 0xffffffff) >>> 0;
}
