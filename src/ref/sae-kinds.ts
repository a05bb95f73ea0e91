// Float64 reference of what differs between the SAE kinds (docs/sae.md): the codes (TopK per sample, BatchTopK over
// the batch, JumpReLU, ReLU), the evaluation codes, BatchTopK's threshold estimate, and the sparsity penalties with
// their gradients (JumpReLU's L0 through the rectangle pseudo-derivative, L1 weighted by decoder-row norms).
import type { SaeHyper, SaeParams } from './sae.ts';

export const SAE_KINDS = ['topk', 'batchtopk', 'jumprelu', 'l1'] as const;
export type SaeKind = (typeof SAE_KINDS)[number];

/** TopK and BatchTopK select latents by rank: they have AuxK; the others have a sparsity penalty instead. */
export const ranksLatents = (kind: SaeKind): boolean => kind === 'topk' || kind === 'batchtopk';
/** Decoder rows are kept at unit norm for every kind but L1, whose penalty carries the norms. */
export const unitRows = (kind: SaeKind): boolean => kind !== 'l1';

/** BatchTopK's threshold: θ ← (1 − r)·θ + r·(smallest positive selected code of the batch), r = 0.01, as SAELens's
 * BatchTopKTrainingSAE.update_topk_threshold (topk_threshold_lr); θ starts at 0 and is left alone by a batch
 * with no positive code. */
export const THRESHOLD_EMA = 0.01;
/** JumpReLU thresholds are clamped to at least this after each Adam step (θ must stay > 0). */
export const THRESHOLD_MIN = 1e-6;

/** Indices of the `k` largest of `h` among `candidate`s, ascending; ties go to the lower index (as on the GPU). */
export function topkIndices(h: ArrayLike<number>, k: number, candidate: (j: number) => boolean = () => true): number[] {
  const js = Array.from({ length: h.length }, (_, j) => j).filter(candidate);
  js.sort((a, b) => h[b] - h[a] || a - b);
  return js.slice(0, k).sort((a, b) => a - b);
}

/** The training codes z (B, d_sae) from the pre-activations h. */
export function trainingCodes(p: SaeParams, h: Float64Array, B: number, hp: SaeHyper): Float64Array {
  const d = p.dSae;
  const z = new Float64Array(B * d);
  if (hp.kind === 'topk') {
    for (let b = 0; b < B; b++) for (const j of topkIndices(h.subarray(b * d, (b + 1) * d), hp.k)) z[b * d + j] = Math.max(0, h[b * d + j]);
  } else if (hp.kind === 'batchtopk') {
    // The k·B largest of ReLU(h) over the whole batch (SAELens's BatchTopK: relu, then top-k of the flattened batch).
    const relu = h.map((v) => Math.max(0, v));
    for (const n of topkIndices(relu, hp.k * B)) z[n] = relu[n];
  } else {
    return evaluationCodes(p, h, B, hp);
  }
  return z;
}

/** The codes used at evaluation: BatchTopK becomes z = h·[h > θ] with its estimated θ (as SAELens saves it, a
 * JumpReLU); JumpReLU z = h·H(h − θ); L1 ReLU(h); TopK as in training. */
export function evaluationCodes(p: SaeParams, h: Float64Array, B: number, hp: SaeHyper): Float64Array {
  if (hp.kind === 'topk') return trainingCodes(p, h, B, hp);
  const d = p.dSae;
  if (hp.kind === 'l1') return h.map((v) => Math.max(0, v));
  return h.map((v, n) => (v > p.threshold[n % d] ? v : 0));
}

/** BatchTopK's running threshold after a batch with codes z (see THRESHOLD_EMA). */
export function thresholdEstimate(theta: number, z: Float64Array): number {
  let min = Infinity;
  for (const v of z) if (v > 0 && v < min) min = v;
  return min === Infinity ? theta : (1 - THRESHOLD_EMA) * theta + THRESHOLD_EMA * min;
}

/** ‖W_dec,j‖ for every latent. */
export function rowNorms(Wdec: Float64Array, dSae: number, dIn: number): Float64Array {
  return Float64Array.from({ length: dSae }, (_, j) => Math.hypot(...Wdec.subarray(j * dIn, (j + 1) * dIn)));
}

/** The weighted sparsity penalty, a batch mean: JumpReLU l0Weight·Σ_j H(h_j − θ_j); L1 l1Weight·Σ_j z_j·‖W_dec,j‖;
 * 0 for the TopK kinds. */
export function sparsityPenalty(p: SaeParams, h: Float64Array, z: Float64Array, B: number, hp: SaeHyper): number {
  const d = p.dSae;
  let s = 0;
  if (hp.kind === 'jumprelu') {
    for (let n = 0; n < B * d; n++) s += h[n] > p.threshold[n % d] ? 1 : 0;
    return (hp.l0Weight * s) / B;
  }
  if (hp.kind !== 'l1') return 0;
  const norms = rowNorms(p.Wdec, d, p.dIn);
  for (let n = 0; n < B * d; n++) s += z[n] * norms[n % d];
  return (hp.l1Weight * s) / B;
}

/** The rectangle kernel K(u) = 1 on (−½, ½), else 0 (Rajamanoharan et al. 2024, "Jumping Ahead", eq. 10). */
export const rectangle = (u: number): number => (u > -0.5 && u < 0.5 ? 1 : 0);

/** JumpReLU's d loss / d θ through the pseudo-derivatives of "Jumping Ahead" (Rajamanoharan et al. 2024, eqs. 11–12):
 * ∂JumpReLU_θ(h)/∂θ := −(θ/ε)·K((h − θ)/ε) and ∂H(h − θ)/∂θ := −(1/ε)·K((h − θ)/ε). So
 * dL/dθ_j = Σ_b −(1/ε)·K((h_bj − θ_j)/ε)·(θ_j·∂L/∂z_bj + l0Weight/B), with ∂L/∂z_bj = Σ_i gx_bi·W_dec,ji. */
export function thresholdGrad(p: SaeParams, h: Float64Array, gx: Float64Array, B: number, hp: SaeHyper): Float64Array {
  const { dIn, dSae } = p;
  const g = new Float64Array(dSae);
  for (let j = 0; j < dSae; j++) {
    const theta = p.threshold[j];
    for (let b = 0; b < B; b++) {
      if (!rectangle((h[b * dSae + j] - theta) / hp.bandwidth)) continue;
      let gz = 0;
      for (let i = 0; i < dIn; i++) gz += gx[b * dIn + i] * p.Wdec[j * dIn + i];
      g[j] -= (theta * gz + hp.l0Weight / B) / hp.bandwidth;
    }
  }
  return g;
}

/** L1's extra decoder gradient: d/dW_dec,j of l1Weight/B·Σ_b z_bj·‖W_dec,j‖ = l1Weight/B·(Σ_b z_bj)·W_dec,j/‖W_dec,j‖,
 * added to gWdec; and its code gradient l1Weight/B·‖W_dec,j‖ on active latents, added to gh. */
export function l1PenaltyGrads(p: SaeParams, z: Float64Array, B: number, hp: SaeHyper, gWdec: Float64Array, gh: Float64Array): void {
  const { dIn, dSae } = p;
  const norms = rowNorms(p.Wdec, dSae, dIn);
  const c = hp.l1Weight / B;
  for (let j = 0; j < dSae; j++) {
    let s = 0;
    for (let b = 0; b < B; b++) {
      s += z[b * dSae + j];
      if (z[b * dSae + j] > 0) gh[b * dSae + j] += c * norms[j];
    }
    if (norms[j] > 0) for (let i = 0; i < dIn; i++) gWdec[j * dIn + i] += (c * s * p.Wdec[j * dIn + i]) / norms[j];
  }
}
