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
