// The TopK SAE's kernels (shaders/sae_*.wgsl) with their bindings, its parameter-slab layout, and the packer of the
// Sae uniform (sae_common.wgsl), checked against the struct's size like every other uniform.
import type { KernelSpec } from '../gpu/kernels.ts';
import type { SaeParams } from '../ref/sae.ts';
import { KERNEL_SPECS } from '../train/kernels.ts';

const S = ['step', 'uniform'] as const;
const spec = (file: string, entry: string, storage: ('read' | 'rw')[]): KernelSpec =>
  ({ file: `sae_${file}.wgsl`, include: ['sae_common.wgsl'], entry, bindings: [...S, ...storage] });
const r = 'read', w = 'rw';

export const SAE_SPECS = {
  gather: spec('forward', 'saeGather', [r, r, w]),
  encode: spec('forward', 'saeEncode', [r, r, w]),
  topk: spec('topk', 'saeTopk', [r, r, w, w, w]),
  topkAux: spec('topk', 'saeTopkAux', [r, r, w, w, w]),
  decode: spec('forward', 'saeDecode', [r, r, r, r, r, w, w]),
  loss: spec('forward', 'saeLoss', [r, r, r, r, w, w]),
  lossGrad: spec('forward', 'saeLossGrad', [r, r, r, r, w, w]),
  codeGrad: spec('backward', 'saeCodeGrad', [r, r, r, r, r, w]),
  decoderGrad: spec('backward', 'saeDecoderGrad', [r, r, r, r, w]),
  encoderGrad: spec('backward', 'saeEncoderGrad', [r, r, r, w]),
  biasGrad: spec('backward', 'saeBiasGrad', [r, r, w]),
  projectRows: spec('update', 'saeProjectRows', [r, w]),
  normaliseRows: spec('update', 'saeNormaliseRows', [w]),
  deadCounters: spec('update', 'saeDeadCounters', [r, w]),
  evalStats: spec('update', 'saeEvalStats', [r, r, r, w]),
  adam: KERNEL_SPECS.adam,
} satisfies Record<string, KernelSpec>;
export const SAE_WG = 256;

/** Float offsets of the four tensors in the parameter slab (and the gradient and Adam slabs), SAELens's order. */
export interface SaeLayout { dIn: number; dSae: number; wEnc: number; bEnc: number; wDec: number; bDec: number; floats: number }

export function saeLayout(dIn: number, dSae: number): SaeLayout {
  const wEnc = 0, bEnc = dIn * dSae, wDec = bEnc + dSae, bDec = wDec + dSae * dIn;
  return { dIn, dSae, wEnc, bEnc, wDec, bDec, floats: Math.ceil((bDec + dIn) / 4) * 4 }; // Adam reads vec4s
}

export function packParams(p: SaeParams, l: SaeLayout): Float32Array {
  const out = new Float32Array(l.floats);
  out.set(p.Wenc, l.wEnc);
  out.set(p.benc, l.bEnc);
  out.set(p.Wdec, l.wDec);
  out.set(p.bdec, l.bDec);
  return out;
}

export function unpackParams(slab: Float32Array, l: SaeLayout): SaeParams {
  const take = (at: number, n: number) => Float64Array.from(slab.subarray(at, at + n));
  return { dIn: l.dIn, dSae: l.dSae, Wenc: take(l.wEnc, l.dIn * l.dSae), benc: take(l.bEnc, l.dSae), Wdec: take(l.wDec, l.dSae * l.dIn), bdec: take(l.bDec, l.dIn) };
}

export interface SaeShape { k: number; kAux: number; auxWeight: number; deadAfter: number; batch: number }

/** The Sae struct's fields in WGSL order (sae_common.wgsl); all u32 but aux_weight (f32). */
export const SAE_UNIFORM_FIELDS = ['d_in', 'd_sae', 'k', 'k_aux', 'batch', 'dead_after', 'aux_weight', 'count', 'w_enc', 'b_enc', 'w_dec', 'b_dec'] as const;

/** Sae (sae_common.wgsl): 48 bytes. `count`: vectors in the matrix a gather reads (0 elsewhere). */
export function saeUniform(l: SaeLayout, s: SaeShape, count = 0): ArrayBuffer {
  const values: Record<(typeof SAE_UNIFORM_FIELDS)[number], number> = { d_in: l.dIn, d_sae: l.dSae, k: s.k, k_aux: s.kAux, batch: s.batch,
    dead_after: s.deadAfter, aux_weight: s.auxWeight, count, w_enc: l.wEnc, b_enc: l.bEnc, w_dec: l.wDec, b_dec: l.bDec };
  const buf = new ArrayBuffer(SAE_UNIFORM_FIELDS.length * 4);
  const view = new DataView(buf);
  SAE_UNIFORM_FIELDS.forEach((f, i) => {
    if (f === 'aux_weight') view.setFloat32(i * 4, values[f], true);
    else view.setUint32(i * 4, values[f] >>> 0, true);
  });
  return buf;
}
