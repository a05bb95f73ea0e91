// Learned features as seed 001's "decoder basis": the decoder (evaluation mode: BatchNorm on running statistics,
// dropout off) applied to each one-hot code vector e_j, on the CPU from a copy of the parameter slabs. Small: Z
// rows through the decoder once per epoch. Also the code's activity statistics for the histogram.
import type { Activation, Plan } from '../model/plan.ts';
import { pad4 } from '../model/plan.ts';

export function activate(a: Activation, v: number): number {
  switch (a.kind) {
    case 'identity': return v;
    case 'relu': return v > 0 ? v : 0;
    case 'leaky_relu': return v > 0 ? v : a.alpha * v;
    case 'tanh': return Math.tanh(v);
    case 'sigmoid': return 1 / (1 + Math.exp(-v));
  }
}

/** The decoder on `rows` code vectors (rows, Z) → (rows, D), evaluation mode, from the slabs of `plan`. */
export function decode(plan: Plan, params: Float32Array, state: Float32Array, code: Float64Array, rows: number, eps: number): Float64Array {
  let width = plan.widths[plan.codeIndex];
  let x = code;
  for (const op of plan.ops.slice(plan.codeIndex)) {
    if (op.kind === 'dense') {
      const y = new Float64Array(rows * op.out);
      const { offset: w, stride } = op.weight;
      const b = op.bias.offset;
      for (let r = 0; r < rows; r++) {
        for (let o = 0; o < op.out; o++) {
          let s = params[b + o];
          const row = w + o * stride;
          for (let i = 0; i < op.in; i++) s += params[row + i] * x[r * op.in + i];
          y[r * op.out + o] = activate(op.act, s);
        }
      }
      x = y;
      width = op.out;
    } else if (op.kind === 'batchnorm') {
      const y = new Float64Array(rows * width);
      for (let f = 0; f < width; f++) {
        const scale = params[op.gamma.offset + f] / Math.sqrt(state[op.runningVar.offset + f] + eps);
        const shift = params[op.beta.offset + f] - state[op.runningMean.offset + f] * scale;
        for (let r = 0; r < rows; r++) y[r * width + f] = x[r * width + f] * scale + shift;
      }
      x = y;
    } else if (op.kind === 'activation') {
      x = x.map((v) => activate(op.act, v));
    } // dropout: identity in evaluation
  }
  return x;
}

/** decode(e_j) for every code unit j (capped at `max`): (units, D); with `relative`, minus decode(0), which shows
 * what each unit adds to the image the all-zero code gives. */
export function decoderBasis(plan: Plan, params: Float32Array, state: Float32Array, eps: number, relative = false, max = 256):
  { units: number; images: Float64Array } {
  const z = plan.widths[plan.codeIndex];
  const units = Math.min(z, max);
  const code = new Float64Array((units + 1) * z); // the last row stays the zero code
  for (let j = 0; j < units; j++) code[j * z + j] = 1;
  const all = decode(plan, params, state, code, units + 1, eps);
  const d = plan.inputDim;
  const images = all.subarray(0, units * d);
  if (relative) for (let i = 0; i < images.length; i++) images[i] -= all[units * d + (i % d)];
  return { units, images };
}

/** Activity of a code value as the sparsity kernels read it: (z + 1)/2 for tanh codes, z otherwise. */
export const activity = (code: Activation, z: number): number => (code.kind === 'tanh' ? (z + 1) / 2 : z);
export const ACTIVE = 0.1; // activity above which a unit counts as active (as shaders/sparsity.wgsl)

/** Per-unit mean activity ρ̂_j over `rows` code rows (rows, pad4(Z)). */
export function meanActivity(plan: Plan, code: Float32Array, rows: number): Float64Array {
  const z = plan.widths[plan.codeIndex];
  const stride = pad4(z);
  const mean = new Float64Array(z);
  for (let r = 0; r < rows; r++) for (let j = 0; j < z; j++) mean[j] += activity(plan.codeActivation, code[r * stride + j]) / rows;
  return mean;
}

/** The code of an input that activates nothing: −1 for tanh codes, 0 for sigmoid, ReLU and linear ones. */
export function inactiveCode(plan: Plan): Float64Array {
  return new Float64Array(plan.widths[plan.codeIndex]).fill(plan.codeActivation.kind === 'tanh' ? -1 : 0);
}

/** Mean of `rows` code rows (rows, pad4(Z)), e.g. a snapshot's test batch. */
export function meanCode(plan: Plan, code: Float32Array, rows: number): Float64Array {
  const z = plan.widths[plan.codeIndex];
  const mean = new Float64Array(z);
  for (let r = 0; r < rows; r++) for (let j = 0; j < z; j++) mean[j] += code[r * pad4(z) + j] / rows;
  return mean;
}

/** The value that switches unit j fully on: 1 for bounded codes (tanh, sigmoid), one unit above the baseline else. */
function onValue(plan: Plan, base: number): number {
  const k = plan.codeActivation.kind;
  return k === 'tanh' || k === 'sigmoid' ? 1 : base + 1;
}

/** What each code unit adds to the image: decoder(b with unit j on) − decoder(b) for every unit j (capped at
 * `max`), (units, D). Unlike decoder(e_j), which for a tanh code is mostly the image of the code 0 (every unit
 * half active), this isolates unit j's own contribution. */
export function featureDirections(plan: Plan, params: Float32Array, state: Float32Array, eps: number, baseline: Float64Array, max = 256):
  { units: number; images: Float64Array } {
  const z = plan.widths[plan.codeIndex];
  const units = Math.min(z, max);
  const code = new Float64Array((units + 1) * z);
  for (let j = 0; j <= units; j++) code.set(baseline, j * z); // the last row stays the baseline
  for (let j = 0; j < units; j++) code[j * z + j] = onValue(plan, baseline[j]);
  const all = decode(plan, params, state, code, units + 1, eps);
  const d = plan.inputDim;
  const images = all.slice(0, units * d);
  for (let i = 0; i < images.length; i++) images[i] -= all[units * d + (i % d)];
  return { units, images };
}
