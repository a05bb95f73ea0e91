// Float64 reference of one sparse-autoencoder step of any kind (docs/sae.md): encode, the codes (src/ref/sae-kinds.ts),
// decode, the AuxK loss on dead latents or the sparsity penalty, backward, removal of the decoder-row-parallel
// gradient, Adam, row renormalisation and the dead-latent counters. The GPU kernels (shaders/sae*.wgsl) are checked
// against these functions.
import { adamUpdate, type AdamHyper } from './optimizer.ts';
import { l1PenaltyGrads, ranksLatents, sparsityPenalty, thresholdEstimate, thresholdGrad, THRESHOLD_MIN, topkIndices, trainingCodes, unitRows,
  type SaeKind } from './sae-kinds.ts';

export { topkIndices } from './sae-kinds.ts';

export interface SaeParams {
  dIn: number;
  dSae: number;
  Wenc: Float64Array; // (d_in, d_sae)
  benc: Float64Array; // (d_sae)
  Wdec: Float64Array; // (d_sae, d_in): one row per latent, kept at unit norm (but for L1)
  bdec: Float64Array; // (d_in)
  threshold: Float64Array; // (d_sae) JumpReLU's θ, BatchTopK's estimate (all equal); unused by TopK and L1
}
export interface SaeHyper {
  kind: SaeKind;
  k: number; // TopK: latents per sample; BatchTopK: mean latents per sample (k·B over the batch)
  kAux: number; // AuxK latents (TopK kinds)
  auxWeight: number;
  deadAfter: number;
  l0Weight: number; // JumpReLU's L0 coefficient
  bandwidth: number; // JumpReLU's ε
  l1Weight: number; // L1's λ
}

export interface SaeForward {
  h: Float64Array; // (B, d_sae) pre-activations
  z: Float64Array; // (B, d_sae) the codes (src/ref/sae-kinds.ts trainingCodes)
  zAux: Float64Array; // (B, d_sae) ReLU of the top-k_aux dead pre-activations, 0 elsewhere
  xhat: Float64Array; // (B, d_in)
  ehat: Float64Array; // (B, d_in) the dead latents' reconstruction of the residual: zAux·W_dec (no bias)
  recon: number; // mean (x̂ − x)²
  residualEnergy: number; // Σ (x − x̂)²: the AuxK normaliser
  aux: number; // auxWeight · Σ (ê − e)² / Σ e², 0 without dead latents
  auxScale: number; // d aux / d ê = auxScale · (ê − e): 2 · auxWeight / Σ e², 0 without dead latents
  penalty: number; // the weighted sparsity penalty (JumpReLU, L1), 0 for the TopK kinds
  loss: number; // recon + aux + penalty
}

/** The forward pass. `dead` marks latents that have not fired in the last deadAfter samples; as a function it is
 * asked after the top-k codes exist (saeStep updates the counters with this batch first, as OpenAI's code does, so
 * a latent that fires now is no AuxK candidate). `residual` replaces e = x − x̂ in the AuxK term (a constant there:
 * finite-difference tests pass the unperturbed one). AuxK needs a TopK kind, k_aux > 0 and a dead latent. */
export function saeForward(p: SaeParams, x: Float64Array, B: number, hp: SaeHyper, dead: boolean[] | ((z: Float64Array) => boolean[]),
  residual?: Float64Array): SaeForward {
  const { dIn, dSae } = p;
  const h = new Float64Array(B * dSae), z = new Float64Array(B * dSae), zAux = new Float64Array(B * dSae);
  const xhat = new Float64Array(B * dIn), ehat = new Float64Array(B * dIn);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < dSae; j++) {
      let s = p.benc[j];
      for (let i = 0; i < dIn; i++) s += (x[b * dIn + i] - p.bdec[i]) * p.Wenc[i * dSae + j];
      h[b * dSae + j] = s;
    }
  }
  z.set(trainingCodes(p, h, B, hp));
  const deadNow = typeof dead === 'function' ? dead(z) : dead;
  const auxOn = ranksLatents(hp.kind) && hp.kAux > 0 && deadNow.some((d) => d);
  let sq = 0, auxNum = 0, energy = 0;
  for (let b = 0; b < B; b++) {
    const row = h.subarray(b * dSae, (b + 1) * dSae);
    if (auxOn) for (const j of topkIndices(row, hp.kAux, (j) => deadNow[j])) zAux[b * dSae + j] = Math.max(0, row[j]);
    for (let i = 0; i < dIn; i++) {
      let s = p.bdec[i], a = 0;
      for (let j = 0; j < dSae; j++) {
        s += z[b * dSae + j] * p.Wdec[j * dIn + i];
        a += zAux[b * dSae + j] * p.Wdec[j * dIn + i];
      }
      xhat[b * dIn + i] = s;
      ehat[b * dIn + i] = a;
      const e = residual ? residual[b * dIn + i] : x[b * dIn + i] - s;
      sq += (s - x[b * dIn + i]) ** 2;
      energy += e * e;
      auxNum += (a - e) ** 2;
    }
  }
  const recon = sq / (B * dIn);
  const auxScale = auxOn && energy > 0 ? (2 * hp.auxWeight) / energy : 0;
  const aux = (auxScale * auxNum) / 2;
  const penalty = sparsityPenalty(p, h, z, B, hp);
  return { h, z, zAux, xhat, ehat, recon, residualEnergy: energy, aux, auxScale, penalty, loss: recon + aux + penalty };
}

export interface SaeGrads { Wenc: Float64Array; benc: Float64Array; Wdec: Float64Array; bdec: Float64Array; threshold: Float64Array }
export const SAE_TENSORS = ['Wenc', 'benc', 'Wdec', 'bdec', 'threshold'] as const;

/** d loss / d x̂ (recon) and d loss / d ê (AuxK, the residual held constant: it is detached, as in OpenAI's code). */
export function saeOutputGrads(x: Float64Array, f: SaeForward, B: number, dIn: number): { gx: Float64Array; ge: Float64Array } {
  const gx = new Float64Array(B * dIn), ge = new Float64Array(B * dIn);
  for (let n = 0; n < B * dIn; n++) {
    gx[n] = (2 * (f.xhat[n] - x[n])) / (B * dIn);
    ge[n] = f.auxScale * (f.ehat[n] - (x[n] - f.xhat[n]));
  }
  return { gx, ge };
}

/** d loss / d h: through the selected latents only (ReLU after top-k), from both the main and the AuxK codes. */
export function saeCodeGrad(p: SaeParams, f: SaeForward, gx: Float64Array, ge: Float64Array, B: number): Float64Array {
  const { dIn, dSae } = p;
  const gh = new Float64Array(B * dSae);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < dSae; j++) {
      const on = f.z[b * dSae + j] > 0, onAux = f.zAux[b * dSae + j] > 0;
      let s = 0;
      if (on || onAux) for (let i = 0; i < dIn; i++) s += ((on ? gx[b * dIn + i] : 0) + (onAux ? ge[b * dIn + i] : 0)) * p.Wdec[j * dIn + i];
      gh[b * dSae + j] = s;
    }
  }
  return gh;
}

/** Gradients of `f.loss` with the residual held constant in the AuxK term (θ's through the pseudo-derivative). */
export function saeBackward(p: SaeParams, x: Float64Array, B: number, f: SaeForward, hp: SaeHyper): SaeGrads {
  const { dIn, dSae } = p;
  const g: SaeGrads = { Wenc: new Float64Array(dIn * dSae), benc: new Float64Array(dSae), Wdec: new Float64Array(dSae * dIn), bdec: new Float64Array(dIn),
    threshold: new Float64Array(dSae) };
  const { gx, ge } = saeOutputGrads(x, f, B, dIn);
  const gh = saeCodeGrad(p, f, gx, ge, B);
  if (hp.kind === 'l1') l1PenaltyGrads(p, f.z, B, hp, g.Wdec, gh);
  if (hp.kind === 'jumprelu') g.threshold = thresholdGrad(p, f.h, gx, B, hp);
  for (let n = 0; n < B * dIn; n++) g.bdec[n % dIn] += gx[n];
  for (let j = 0; j < dSae; j++) {
    for (let i = 0; i < dIn; i++) {
      let s = 0;
      for (let b = 0; b < B; b++) s += f.z[b * dSae + j] * gx[b * dIn + i] + f.zAux[b * dSae + j] * ge[b * dIn + i];
      g.Wdec[j * dIn + i] += s;
    }
    for (let b = 0; b < B; b++) g.benc[j] += gh[b * dSae + j];
  }
  for (let i = 0; i < dIn; i++) {
    for (let j = 0; j < dSae; j++) {
      let s = 0;
      for (let b = 0; b < B; b++) s += (x[b * dIn + i] - p.bdec[i]) * gh[b * dSae + j];
      g.Wenc[i * dSae + j] = s;
      g.bdec[i] -= p.Wenc[i * dSae + j] * g.benc[j];
    }
  }
  return g;
}

/** g_j ← g_j − (g_j·w_j / ‖w_j‖²) w_j for every decoder row j: the step cannot change a row's norm to first order. */
export function removeParallelGradient(Wdec: Float64Array, gWdec: Float64Array, dSae: number, dIn: number): void {
  for (let j = 0; j < dSae; j++) {
    let gw = 0, ww = 0;
    for (let i = 0; i < dIn; i++) { gw += gWdec[j * dIn + i] * Wdec[j * dIn + i]; ww += Wdec[j * dIn + i] ** 2; }
    if (ww > 0) for (let i = 0; i < dIn; i++) gWdec[j * dIn + i] -= (gw / ww) * Wdec[j * dIn + i];
  }
}

/** Every decoder row scaled to unit norm (a zero row stays zero). */
export function normaliseRows(Wdec: Float64Array, dSae: number, dIn: number): void {
  for (let j = 0; j < dSae; j++) {
    const n = Math.hypot(...Wdec.subarray(j * dIn, (j + 1) * dIn));
    if (n > 0) for (let i = 0; i < dIn; i++) Wdec[j * dIn + i] /= n;
  }
}

/** Samples since each latent last fired: 0 where it fired in this batch, else + B (saturating at 2³² − 1). */
export function updateDeadCounters(counters: Uint32Array, z: Float64Array, B: number, dSae: number): void {
  for (let j = 0; j < dSae; j++) {
    let fired = false;
    for (let b = 0; b < B && !fired; b++) fired = z[b * dSae + j] > 0;
    counters[j] = fired ? 0 : Math.min(counters[j] + B, 0xffffffff);
  }
}

export const deadMask = (counters: Uint32Array, deadAfter: number): boolean[] => Array.from(counters, (c) => c >= deadAfter);

export interface SaeOptimizer { m: SaeGrads; v: SaeGrads; t: number; lr: number; hyper: AdamHyper }

/** One whole training step in place: forward (the counters updated from this batch's codes before AuxK picks the
 * dead latents; BatchTopK's threshold estimate updated from them), backward, parallel-gradient removal, Adam on every
 * tensor (θ's gradient is 0 but for JumpReLU), decoder rows renormalised (not for L1), JumpReLU's θ clamped > 0. */
export function saeStep(p: SaeParams, x: Float64Array, B: number, hp: SaeHyper, counters: Uint32Array, opt: SaeOptimizer): SaeForward {
  const f = saeForward(p, x, B, hp, (z) => {
    updateDeadCounters(counters, z, B, p.dSae);
    return deadMask(counters, hp.deadAfter);
  });
  const g = saeBackward(p, x, B, f, hp);
  if (hp.kind === 'batchtopk') p.threshold.fill(thresholdEstimate(p.threshold[0], f.z));
  if (unitRows(hp.kind)) removeParallelGradient(p.Wdec, g.Wdec, p.dSae, p.dIn);
  for (const name of SAE_TENSORS) adamUpdate(p[name], g[name], opt.m[name], opt.v[name], opt.t, opt.lr, opt.hyper);
  if (unitRows(hp.kind)) normaliseRows(p.Wdec, p.dSae, p.dIn);
  if (hp.kind === 'jumprelu') for (let j = 0; j < p.dSae; j++) p.threshold[j] = Math.max(p.threshold[j], THRESHOLD_MIN);
  return f;
}
