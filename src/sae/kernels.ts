// The sparse autoencoders' kernels (shaders/sae_*.wgsl) with their bindings, the parameter-slab layout, and the packer
// of the Sae uniform (sae_common.wgsl), checked against the struct's size like every other uniform.
import type { KernelSpec } from '../gpu/kernels.ts';
import { ranksLatents, SAE_KINDS, type SaeKind } from '../ref/sae-kinds.ts';
import type { SaeParams } from '../ref/sae.ts';
import { denseSpecs, denseWorkgroups, KERNEL_SPECS, variantByName } from '../train/kernels.ts';
import { denseUniform } from '../train/uniforms.ts';

/** The dense product family of the encoder: register blocks, the fastest on the CPU adapters (docs/performance.md). */
const ENCODE_VARIANT = 'rb8x8';

const S = ['step', 'uniform'] as const;
const spec = (file: string, entry: string, storage: ('read' | 'rw')[]): KernelSpec =>
  ({ file: `sae_${file}.wgsl`, include: ['sae_common.wgsl'], entry, bindings: [...S, ...storage] });
const r = 'read', w = 'rw';

export const SAE_SPECS = {
  gather: spec('forward', 'saeGather', [r, r, w]),
  encode: spec('encode', 'saeEncode', [r, r, w]),
  center: spec('encode', 'saeCenter', [r, r, w]),
  addBias: spec('encode', 'saeAddBias', [r, w]),
  encodeProduct: denseSpecs(variantByName(ENCODE_VARIANT)).denseBackwardInput,
  topk: spec('topk', 'saeTopk', [r, r, w, w, w]),
  topkAux: spec('topk', 'saeTopkAux', [r, r, w, w, w]),
  batchStart: spec('batch', 'saeBatchStart', [r, w, w, w]),
  batchCount: spec('batch', 'saeBatchCount', [r, w, w, w]),
  batchDecide: spec('batch', 'saeBatchDecide', [r, w, w, w]),
  batchTies: spec('batch', 'saeBatchTies', [r, w, w, w]),
  batchScan: spec('batch', 'saeBatchScan', [r, w, w, w]),
  batchWrite: spec('batch', 'saeBatchWrite', [r, w, w, w]),
  batchThreshold: spec('batch', 'saeBatchThreshold', [r, w, w, w]),
  codes: spec('codes', 'saeCodes', [r, r, w, w, w]),
  decode: spec('forward', 'saeDecode', [r, r, r, r, r, w, w]),
  loss: spec('forward', 'saeLoss', [r, r, r, r, w, w, r, r]),
  lossGrad: spec('forward', 'saeLossGrad', [r, r, r, r, w, w]),
  codeGrad: spec('backward', 'saeCodeGrad', [r, r, r, r, r, r, r, w]),
  columns: spec('backward', 'saeColumns', [r, r, w, w]),
  decoderGrad: spec('backward', 'saeDecoderGrad', [r, r, r, r, w, r, r]),
  l1DecoderGrad: spec('codes', 'saeL1DecoderGrad', [r, r, r, w]),
  encoderGrad: spec('backward', 'saeEncoderGrad', [r, r, r, w, r, r]),
  biasGrad: spec('backward', 'saeBiasGrad', [r, r, w]),
  thresholdTerms: spec('codes', 'saeThresholdTerms', [r, r, r, w]),
  thresholdGrad: spec('codes', 'saeThresholdGrad', [r, w]),
  rowNorms: spec('update', 'saeRowNorms', [r, w]),
  projectRows: spec('update', 'saeProjectRows', [r, w]),
  normaliseRows: spec('update', 'saeNormaliseRows', [w]),
  latentStats: spec('update', 'saeLatentStats', [r, w, w, w]),
  evalStats: spec('update', 'saeEvalStats', [r, r, w]),
  adam: KERNEL_SPECS.adam,
} satisfies Record<string, KernelSpec>;
export const SAE_WG = 256;
/** BatchTopK's selection state (sae_batch.wgsl b_sel): 8 words, then two per row. */
export const batchSelectionWords = (batch: number): number => 8 + 2 * batch;
/** Threads of saeEncode: one per 8 samples × 4 latents. */
export const encodeThreads = (batch: number, dSae: number): number => Math.ceil(batch / 8) * Math.ceil(dSae / 4);
/** Whether the encoder runs as the dense product (sae_encode.wgsl): its operands must be whole vec4 rows. */
export const denseEncoder = (dIn: number, dSae: number): boolean => dIn % 4 === 0 && dSae % 4 === 0;
/** Dense uniform and workgroups of the encoder's product h = (x − b_dec)·W_enc as dense.wgsl's dY·W. */
export function encodeProduct(l: SaeLayout, batch: number): { uniform: ArrayBuffer; workgroups: number } {
  const identity = { kind: 'identity', alpha: 0 } as const;
  const v = variantByName(ENCODE_VARIANT);
  return { uniform: denseUniform(l.dIn, l.dSae, l.wEnc, l.bEnc, identity, identity),
    workgroups: denseWorkgroups(v.family, v.backwardInput, batch, l.dSae / 4) };
}

/** Float offsets of the five tensors in the parameter slab (and the gradient and Adam slabs), SAELens's order with
 * `threshold` last (JumpReLU's θ; BatchTopK's estimate; present but unused for TopK and L1). */
export interface SaeLayout { dIn: number; dSae: number; wEnc: number; bEnc: number; wDec: number; bDec: number; threshold: number; floats: number }

export function saeLayout(dIn: number, dSae: number): SaeLayout {
  const wEnc = 0, bEnc = dIn * dSae, wDec = bEnc + dSae, bDec = wDec + dSae * dIn, threshold = bDec + dIn;
  return { dIn, dSae, wEnc, bEnc, wDec, bDec, threshold, floats: Math.ceil((threshold + dSae) / 4) * 4 }; // Adam reads vec4s
}

export function packParams(p: SaeParams, l: SaeLayout): Float32Array {
  const out = new Float32Array(l.floats);
  out.set(p.Wenc, l.wEnc);
  out.set(p.benc, l.bEnc);
  out.set(p.Wdec, l.wDec);
  out.set(p.bdec, l.bDec);
  out.set(p.threshold, l.threshold);
  return out;
}

export function unpackParams(slab: Float32Array, l: SaeLayout): SaeParams {
  const take = (at: number, n: number) => Float64Array.from(slab.subarray(at, at + n));
  return { dIn: l.dIn, dSae: l.dSae, Wenc: take(l.wEnc, l.dIn * l.dSae), benc: take(l.bEnc, l.dSae), Wdec: take(l.wDec, l.dSae * l.dIn), bdec: take(l.bDec, l.dIn),
    threshold: take(l.threshold, l.dSae) };
}

export interface SaeShape {
  kind: SaeKind;
  k: number; // TopK: latents per sample; BatchTopK: their mean (k·batch over a batch)
  kAux: number; // AuxK latents (TopK kinds; ignored by the others)
  auxWeight: number;
  deadAfter: number; // samples
  batch: number;
  l0Weight: number; // JumpReLU's L0 coefficient
  bandwidth: number; // JumpReLU's straight-through bandwidth ε
  l1Weight: number; // L1's λ
}

/** AuxK latents the kernels use: k_aux for the TopK kinds, 0 (no AuxK) for JumpReLU and L1. */
export const auxLatents = (s: SaeShape): number => (ranksLatents(s.kind) ? s.kAux : 0);
/** Stride of the per-sample code lists: k for TopK, d_sae for the kinds whose count per sample varies. */
export const listStride = (s: SaeShape, dSae: number): number => (s.kind === 'topk' ? s.k : dSae);

/** The Sae struct's fields in WGSL order (sae_common.wgsl); u32 but those in SAE_FLOAT_FIELDS. */
export const SAE_UNIFORM_FIELDS = ['d_in', 'd_sae', 'k', 'k_aux', 'batch', 'dead_after', 'aux_weight', 'count', 'w_enc', 'b_enc', 'w_dec', 'b_dec',
  'threshold', 'kind', 'list', 'l0_weight', 'bandwidth', 'l1_weight'] as const;
export const SAE_FLOAT_FIELDS: readonly string[] = ['aux_weight', 'l0_weight', 'bandwidth', 'l1_weight'];

/** Sae (sae_common.wgsl): 72 bytes. `count`: vectors in the matrix a gather reads (0 elsewhere). */
export function saeUniform(l: SaeLayout, s: SaeShape, count = 0): ArrayBuffer {
  const values: Record<(typeof SAE_UNIFORM_FIELDS)[number], number> = { d_in: l.dIn, d_sae: l.dSae, k: s.k, k_aux: auxLatents(s), batch: s.batch,
    dead_after: s.deadAfter, aux_weight: s.auxWeight, count, w_enc: l.wEnc, b_enc: l.bEnc, w_dec: l.wDec, b_dec: l.bDec, threshold: l.threshold,
    kind: SAE_KINDS.indexOf(s.kind), list: listStride(s, l.dSae), l0_weight: s.l0Weight, bandwidth: s.bandwidth, l1_weight: s.l1Weight };
  const buf = new ArrayBuffer(SAE_UNIFORM_FIELDS.length * 4);
  const view = new DataView(buf);
  SAE_UNIFORM_FIELDS.forEach((f, i) => {
    if (SAE_FLOAT_FIELDS.includes(f)) view.setFloat32(i * 4, values[f], true);
    else view.setUint32(i * 4, values[f] >>> 0, true);
  });
  return buf;
}
