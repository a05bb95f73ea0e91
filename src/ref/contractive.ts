// Float64 reference of the contractive penalty λ·mean_b ‖J_b‖²_F, J_b = ∂code/∂input of sample b, and its
// gradient. Written independently of the GPU's row-wise double backprop: J is built column by column (forward-mode
// tangents e_d pushed through the encoder), and the gradient comes from prefix/suffix products of the per-op local
// Jacobians A_l: with J = A_c ⋯ A_0, ∂‖J‖²/∂A_l = 2 (A_c⋯A_{l+1})ᵀ J (A_{l−1}⋯A_0)ᵀ. BatchNorm statistics are
// constants inside J (the batch's in training, the running ones in evaluation); dropout masks are the step's.

import { rngU32 } from '../model/rng.ts';
import { activationGradFromOutput } from './activation.ts';
import type { RefOp } from './ops.ts';

/** Per-sample diagonal of a non-dense op, or a dense op's output derivative; what J needs of the forward pass. */
export interface EncoderTrace {
  ops: RefOp[]; // encoder ops 0..codeOp
  weights: (Float64Array | null)[]; // dense ops' W (out, in)
  outputs: Float64Array[]; // each op's output (B, width)
  bnScale: (Float64Array | null)[]; // BatchNorm: γ·invStd (F), the constant factor inside J
  bnInvStd: (Float64Array | null)[]; // BatchNorm: invStd (F), for ∂/∂γ
  masks: (Float64Array | null)[]; // dropout in training: (B, F) multipliers; null in evaluation
  inputDim: number;
}

export interface ContractiveResult {
  perSample: Float64Array; // ‖J_b‖²_F
  mean: number; // mean over the batch
  /** With `weight` λ: ∂(λ·mean)/∂W and ∂/∂γ per op (null where none), and the extra gradient at each op's
   * pre-activation (dense: at s = Wx + b; activation op: at its input), (B, width) or null. */
  dW: (Float64Array | null)[];
  dGamma: (Float64Array | null)[];
  dPre: (Float64Array | null)[];
}

const second = (fn: string, y: number): number => (fn === 'sigmoid' ? 1 - 2 * y : fn === 'tanh' ? -2 * y : 0); // σ''/σ' from y

/** Local Jacobian of op l for sample b: (out × in) row-major, and the derivative vector d of its activation. */
function local(t: EncoderTrace, l: number, b: number): { A: Float64Array; rows: number; cols: number; d: Float64Array | null } {
  const op = t.ops[l];
  if (op.kind === 'dense') {
    const W = t.weights[l]!;
    const d = new Float64Array(op.nOut);
    for (let o = 0; o < op.nOut; o++) d[o] = activationGradFromOutput(t.outputs[l][b * op.nOut + o], op.fn, op.alpha);
    const A = new Float64Array(op.nOut * op.nIn);
    for (let o = 0; o < op.nOut; o++) for (let i = 0; i < op.nIn; i++) A[o * op.nIn + i] = d[o] * W[o * op.nIn + i];
    return { A, rows: op.nOut, cols: op.nIn, d };
  }
  const F = op.width;
  const diag = new Float64Array(F);
  let d: Float64Array | null = null;
  if (op.kind === 'activation') {
    for (let f = 0; f < F; f++) diag[f] = activationGradFromOutput(t.outputs[l][b * F + f], op.fn, op.alpha);
    d = diag;
  } else if (op.kind === 'batchnorm') diag.set(t.bnScale[l]!);
  else for (let f = 0; f < F; f++) diag[f] = t.masks[l] ? t.masks[l]![b * F + f] : 1;
  const A = new Float64Array(F * F);
  for (let f = 0; f < F; f++) A[f * F + f] = diag[f];
  return { A, rows: F, cols: F, d };
}

function matmul(a: Float64Array, b: Float64Array, n: number, k: number, m: number): Float64Array {
  const c = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let p = 0; p < k; p++) {
    const v = a[i * k + p];
    if (v !== 0) for (let j = 0; j < m; j++) c[i * m + j] += v * b[p * m + j];
  }
  return c;
}

const transpose = (a: Float64Array, n: number, m: number): Float64Array => {
  const t = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) t[j * n + i] = a[i * m + j];
  return t;
};

/** J_b (Z, D) built column by column: the tangent e_d pushed forward through every encoder op. */
export function jacobianByColumns(t: EncoderTrace, b: number): { J: Float64Array; Z: number } {
  const D = t.inputDim;
  const locals = t.ops.map((_, l) => local(t, l, b));
  const Z = locals[locals.length - 1].rows;
  const J = new Float64Array(Z * D);
  for (let d = 0; d < D; d++) {
    let v: Float64Array = new Float64Array(D);
    v[d] = 1;
    for (const L of locals) v = matmul(L.A, v, L.rows, L.cols, 1);
    for (let z = 0; z < Z; z++) J[z * D + d] = v[z];
  }
  return { J, Z };
}

/** RNG layer id of the projection signs (jacobian.wgsl's PROJECTION_LAYER). */
export const PROJECTION_LAYER = 0x4a4143;

/** The P × Z Rademacher projection of sample b: V[p][z] = ±1 from the counter RNG (bit 0 of the hash). */
export function projection(seed: number, step: number, b: number, P: number, Z: number): Float64Array {
  const V = new Float64Array(P * Z);
  for (let p = 0; p < P; p++) for (let z = 0; z < Z; z++) V[p * Z + z] = rngU32(seed, step, PROJECTION_LAYER, (b * P + p) * Z + z) & 1 ? 1 : -1;
  return V;
}

/** λ·mean_b ‖J_b‖²_F (exact), or with `projections` the unbiased estimate mean_b Σ_p ‖v_pᵀJ_b‖²/P and its gradient. */
export function refContractive(t: EncoderTrace, B: number, weight: number, withGrad: boolean,
  projections?: { P: number; seed: number; step: number }): ContractiveResult {
  const n = t.ops.length;
  const perSample = new Float64Array(B);
  const dW: (Float64Array | null)[] = t.ops.map((op) => (withGrad && op.kind === 'dense' ? new Float64Array(op.nOut * op.nIn) : null));
  const dGamma: (Float64Array | null)[] = t.ops.map((op) => (withGrad && op.kind === 'batchnorm' ? new Float64Array(op.width) : null));
  const dPre: (Float64Array | null)[] = t.ops.map((op) =>
    withGrad && (op.kind === 'dense' || op.kind === 'activation') ? new Float64Array(B * (op.kind === 'dense' ? op.nOut : op.width)) : null);
  const g = (2 * weight) / B;
  for (let b = 0; b < B; b++) {
    const { J: full, Z } = jacobianByColumns(t, b);
    const P = projections?.P ?? Z;
    const V = projections ? projection(projections.seed, projections.step, b, P, Z) : null;
    const J = V ? matmul(V, full, P, Z, t.inputDim) : full; // (P, D)
    let s = 0;
    for (const v of J) s += v * v;
    perSample[b] = V ? s / P : s;
    if (!withGrad) continue;
    const L = t.ops.map((_, l) => local(t, l, b));
    // prefix[l] = A_{l−1}⋯A_0 (in_l × D); suffix[l] = A_{n−1}⋯A_{l+1} (Z × out_l)
    const prefix: Float64Array[] = [];
    let p: Float64Array = new Float64Array(t.inputDim * t.inputDim);
    for (let i = 0; i < t.inputDim; i++) p[i * t.inputDim + i] = 1;
    for (let l = 0; l < n; l++) { prefix.push(p); p = matmul(L[l].A, p, L[l].rows, L[l].cols, t.inputDim); }
    const suffix: Float64Array[] = new Array(n);
    // suffix[l] = V·A_{n−1}⋯A_{l+1} (P × out_l), V = I when exact
    let q: Float64Array = V ?? new Float64Array(Z * Z);
    if (!V) for (let i = 0; i < Z; i++) q[i * Z + i] = 1;
    for (let l = n - 1; l >= 0; l--) { suffix[l] = q; q = matmul(q, L[l].A, P, L[l].rows, L[l].cols); }
    const gb = V ? g / P : g;
    for (let l = 0; l < n; l++) {
      const { rows, cols, d } = L[l];
      // M = g · suffixᵀ · J · prefixᵀ: (out × in) = ∂(λ·mean ‖J‖²)/∂A_l
      const M = matmul(matmul(transpose(suffix[l], P, rows), J, rows, P, t.inputDim), transpose(prefix[l], cols, t.inputDim), rows, t.inputDim, cols);
      const op = t.ops[l];
      if (op.kind === 'dense') {
        const W = t.weights[l]!;
        for (let o = 0; o < rows; o++) {
          let dd = 0;
          for (let i = 0; i < cols; i++) { dW[l]![o * cols + i] += gb * d![o] * M[o * cols + i]; dd += M[o * cols + i] * W[o * cols + i]; }
          // d = σ'(s): ∂d/∂s = σ''(s) = σ'·(σ''/σ'), written from the output like every derivative here.
          dPre[l]![b * rows + o] += gb * dd * d![o] * second(op.fn, t.outputs[l][b * rows + o]);
        }
      } else if (op.kind === 'activation') {
        for (let f = 0; f < rows; f++) dPre[l]![b * rows + f] += gb * M[f * cols + f] * d![f] * second(op.fn, t.outputs[l][b * rows + f]);
      } else if (op.kind === 'batchnorm') {
        for (let f = 0; f < rows; f++) dGamma[l]![f] += gb * M[f * cols + f] * t.bnInvStd[l]![f];
      }
    }
  }
  let mean = 0;
  for (const v of perSample) mean += v;
  return { perSample, mean: mean / B, dW, dGamma, dPre };
}
