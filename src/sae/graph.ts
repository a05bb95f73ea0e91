// The TopK SAE step as data: every batch buffer and bind group made once, and the ordered dispatch lists (train step,
// evaluation) that SaeTrainer records into one encoder — the same shape as src/train/graph.ts for the MLP models.
import type { KernelCache } from '../gpu/kernels.ts';
import { BufferOwner, groups, makeBinder, type Dispatch, type Slabs } from '../train/bind.ts';
import { optimizerUniform } from '../train/uniforms.ts';
import { SAE_SPECS, SAE_WG, saeUniform, type SaeLayout, type SaeShape } from './kernels.ts';

export interface SaeOptimizerHyper { beta1: number; beta2: number; eps: number }

export interface SaeGraph {
  x: GPUBuffer; // (batch, d_in) the gathered batch
  h: GPUBuffer; // (batch, d_sae) pre-activations
  z: GPUBuffer; // (batch, d_sae) codes
  zAux: GPUBuffer; // (batch, d_sae) AuxK codes
  idx: GPUBuffer; // (batch, k) u32
  val: GPUBuffer; // (batch, k)
  xhat: GPUBuffer; // (batch, d_in)
  ehat: GPUBuffer; // (batch, d_in)
  loss: GPUBuffer; // (4) recon, Σe², aux, aux gradient scale of the last step
  sums: GPUBuffer; // (4) Σ recon, Σ aux, steps since the epoch began
  counters: GPUBuffer; // (d_sae) u32 samples since each latent fired
  stats: GPUBuffer; // (4 + 2 d_in) evaluation sums (sae_update.wgsl saeEvalStats)
  step: Dispatch[]; // a whole training step after the gather
  evaluate: Dispatch[]; // encode, top-k, decode, statistics after the gather
  gather(data: GPUBuffer, order: GPUBuffer, count: number): Dispatch;
  destroy(): void;
}

export async function buildSaeGraph(device: GPUDevice, cache: KernelCache, l: SaeLayout, s: SaeShape, opt: SaeOptimizerHyper,
  slabs: Omit<Slabs, 'state'>, stepBuffer: GPUBuffer): Promise<SaeGraph> {
  const k = Object.fromEntries(await Promise.all(Object.entries(SAE_SPECS).map(async ([name, spec]) => [name, await cache.get(spec)])));
  const owner = new BufferOwner(device);
  const f = (label: string, floats: number) => owner.alloc(`Sae.${label}`, floats * 4);
  const B = s.batch, { dIn, dSae } = l;
  const x = f('x', B * dIn), h = f('h', B * dSae), z = f('z', B * dSae), zAux = f('zAux', B * dSae);
  const idx = f('idx', B * s.k), val = f('val', B * s.k), auxIdx = f('auxIdx', B * s.kAux), auxVal = f('auxVal', B * s.kAux);
  const xhat = f('xhat', B * dIn), ehat = f('ehat', B * dIn), gx = f('gx', B * dIn), ge = f('ge', B * dIn), gh = f('gh', B * dSae);
  const loss = f('loss', 4), sums = f('sums', 4), counters = f('counters', dSae), stats = f('stats', 4 + 2 * dIn);
  const u = saeUniform(l, s);
  const bind = makeBinder(device, stepBuffer, owner);
  const perRow = (n: number) => groups(n, SAE_WG);
  const { params, grads, m, v } = slabs;
  const encode = bind('Sae.encode', k.encode, u, [x, params, h], perRow(Math.ceil(B / 4) * dSae)); // 4 samples a thread
  const topk = bind('Sae.topk', k.topk, u, [h, counters, z, idx, val], B);
  const decode = bind('Sae.decode', k.decode, u, [params, idx, val, auxIdx, auxVal, xhat, ehat], perRow(B * dIn));
  // The counters take this batch's firing before AuxK picks the dead latents (OpenAI's order).
  const step = [
    encode, topk, bind('Sae.deadCounters', k.deadCounters, u, [z, counters], perRow(dSae)),
    ...(s.kAux > 0 ? [bind('Sae.topkAux', k.topkAux, u, [h, counters, zAux, auxIdx, auxVal], B)] : []),
    decode,
    bind('Sae.loss', k.loss, u, [x, xhat, ehat, counters, loss, sums], 1),
    bind('Sae.lossGrad', k.lossGrad, u, [x, xhat, ehat, loss, gx, ge], perRow(B * dIn)),
    bind('Sae.codeGrad', k.codeGrad, u, [params, z, zAux, gx, ge, gh], perRow(B * dSae)),
    bind('Sae.decoderGrad', k.decoderGrad, u, [z, zAux, gx, ge, grads], perRow(dSae * Math.ceil(dIn / 4))),
    bind('Sae.encoderGrad', k.encoderGrad, u, [x, params, gh, grads], perRow((Math.ceil(dIn / 4) + 1) * dSae)),
    bind('Sae.biasGrad', k.biasGrad, u, [params, gx, grads], perRow(dIn)),
    bind('Sae.projectRows', k.projectRows, u, [params, grads], dSae),
    bind('Sae.adam', k.adam, optimizerUniform(l.floats, opt.beta1, opt.beta2, opt.eps, 0), [params, grads, m, v], groups(l.floats / 4)),
    bind('Sae.normaliseRows', k.normaliseRows, u, [params], dSae),
  ];
  const evaluate = [encode, topk, decode, bind('Sae.evalStats', k.evalStats, u, [x, xhat, z, stats], 1)];
  const gather = (data: GPUBuffer, order: GPUBuffer, count: number) =>
    bind('Sae.gather', k.gather, saeUniform(l, s, count), [data, order, x], perRow(B * dIn));
  return { x, h, z, zAux, idx, val, xhat, ehat, loss, sums, counters, stats, step, evaluate, gather, destroy: () => owner.destroy() };
}
