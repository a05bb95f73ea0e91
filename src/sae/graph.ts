// The sparse-autoencoder step as data: every batch buffer and bind group made once, and the ordered dispatch lists
// (train step, evaluation) of the configured kind that SaeTrainer records into one encoder — the same shape as
// src/train/graph.ts for the MLP models.
import type { Kernel, KernelCache } from '../gpu/kernels.ts';
import { unitRows } from '../ref/sae-kinds.ts';
import { BufferOwner, groups, makeBinder, type Bind, type Dispatch, type Slabs } from '../train/bind.ts';
import { optimizerUniform } from '../train/uniforms.ts';
import { auxLatents, batchSelectionWords, denseEncoder, encodeProduct, encodeThreads, listStride, SAE_SPECS, SAE_WG, saeUniform, type SaeLayout, type SaeShape } from './kernels.ts';

export interface SaeOptimizerHyper { beta1: number; beta2: number; eps: number }

export interface SaeGraph {
  x: GPUBuffer; // (batch, d_in) the gathered batch
  h: GPUBuffer; // (batch, d_sae) pre-activations
  z: GPUBuffer; // (batch, d_sae) codes
  zAux: GPUBuffer; // (batch, d_sae) AuxK codes
  idx: GPUBuffer; // (batch, list) u32 active latents
  val: GPUBuffer; // (batch, list)
  xhat: GPUBuffer; // (batch, d_in)
  ehat: GPUBuffer; // (batch, d_in)
  loss: GPUBuffer; // (8) recon, Σe², aux, aux gradient scale, penalty of the last step
  sums: GPUBuffer; // (4) Σ recon, Σ aux, steps since the epoch began, Σ penalty
  counters: GPUBuffer; // (d_sae) u32 samples since each latent fired
  fires: GPUBuffer; // (d_sae) u32 held-out samples where each latent fired (evaluation)
  stats: GPUBuffer; // (4 + 2 d_in) evaluation sums (sae_update.wgsl saeEvalStats)
  step: Dispatch[]; // a whole training step after the gather
  evaluate: Dispatch[]; // encode, codes, decode, statistics after the gather
  gather(data: GPUBuffer, order: GPUBuffer, count: number): Dispatch;
  destroy(): void;
}

/** BatchTopK's selection over the batch (sae_batch.wgsl): 32 bisection passes of count and decide, then the ties,
 * the codes and θ's estimate. `buffers`: h, the selection state, z, the parameter slab. */
export function batchSelection(bind: Bind, k: Record<string, Kernel>, u: ArrayBuffer, buffers: GPUBuffer[], batch: number, dSae: number): Dispatch[] {
  const at = (name: string, groups: number) => bind(`Sae.${name}`, k[name], u, buffers, groups);
  const count = at('batchCount', Math.ceil(batch / 16)), decide = at('batchDecide', 1); // 16 rows a workgroup
  return [at('batchStart', 1), ...Array.from({ length: 32 }, () => [count, decide]).flat(), at('batchTies', batch), at('batchScan', 1),
    at('batchWrite', batch), at('batchThreshold', Math.ceil(dSae / 64))];
}

export async function buildSaeGraph(device: GPUDevice, cache: KernelCache, l: SaeLayout, s: SaeShape, opt: SaeOptimizerHyper,
  slabs: Omit<Slabs, 'state'>, stepBuffer: GPUBuffer): Promise<SaeGraph> {
  const k = Object.fromEntries(await Promise.all(Object.entries(SAE_SPECS).map(async ([name, spec]) => [name, await cache.get(spec)])));
  const owner = new BufferOwner(device);
  const f = (label: string, floats: number) => owner.alloc(`Sae.${label}`, floats * 4);
  const B = s.batch, { dIn, dSae } = l, kAux = auxLatents(s), list = listStride(s, dSae);
  const x = f('x', B * dIn), h = f('h', B * dSae), z = f('z', B * dSae), zAux = f('zAux', B * dSae);
  const idx = f('idx', B * list), val = f('val', B * list), auxIdx = f('auxIdx', B * kAux), auxVal = f('auxVal', B * kAux);
  const xhat = f('xhat', B * dIn), ehat = f('ehat', B * dIn), gx = f('gx', B * dIn), ge = f('ge', B * dIn), gh = f('gh', B * dSae);
  const loss = f('loss', 8), sums = f('sums', 4), counters = f('counters', dSae), fires = f('fires', dSae), stats = f('stats', 4 + 2 * dIn);
  const xc = f('xc', B * dIn), scratch = f('scratch', 4), thetaTerms = f('thetaTerms', s.kind === 'jumprelu' ? B * dSae : 1);
  const latent = f('latent', 2 * dSae), norms = f('norms', dSae), samples = f('samples', dSae * B), count = f('count', dSae);
  const u = saeUniform(l, s);
  const bind = makeBinder(device, stepBuffer, owner);
  const perRow = (n: number) => groups(n, SAE_WG);
  const { params, grads, m, v } = slabs;
  const product = encodeProduct(l, B);
  const encode = denseEncoder(dIn, dSae) ? [bind('Sae.center', k.center, u, [x, params, xc], perRow(B * dIn)),
    bind('Sae.encodeProduct', k.encodeProduct, product.uniform, [xc, params, h, scratch], product.workgroups),
    bind('Sae.addBias', k.addBias, u, [params, h], perRow(B * dSae))]
    : [bind('Sae.encode', k.encode, u, [x, params, h], perRow(encodeThreads(B, dSae)))];
  const codes = bind('Sae.codes', k.codes, u, [h, params, z, idx, val], B);
  const trainCodes = s.kind === 'topk' ? [bind('Sae.topk', k.topk, u, [h, counters, z, idx, val], B)]
    : s.kind === 'batchtopk' ? [...batchSelection(bind, k, u, [h, f('batchSelection', batchSelectionWords(B)), z, params], B, dSae), codes] : [codes];
  const evalCodes = s.kind === 'topk' ? trainCodes : [codes];
  const decode = bind('Sae.decode', k.decode, u, [params, idx, val, auxIdx, auxVal, xhat, ehat], perRow(B * Math.ceil(dIn / 4)));
  const latentStats = bind('Sae.latentStats', k.latentStats, u, [z, counters, latent, fires], perRow(dSae));
  const when = (on: boolean, ...d: Dispatch[]) => (on ? d : []);
  // The counters take this batch's firing before AuxK picks the dead latents (OpenAI's order).
  const step = [
    ...encode, ...trainCodes, latentStats,
    ...when(kAux > 0, bind('Sae.topkAux', k.topkAux, u, [h, counters, zAux, auxIdx, auxVal], B)),
    ...when(s.kind === 'l1', bind('Sae.rowNorms', k.rowNorms, u, [params, norms], perRow(dSae))),
    decode,
    bind('Sae.loss', k.loss, u, [x, xhat, ehat, counters, loss, sums, latent, norms], 1),
    bind('Sae.lossGrad', k.lossGrad, u, [x, xhat, ehat, loss, gx, ge], perRow(B * dIn)),
    bind('Sae.codeGrad', k.codeGrad, u, [params, idx, val, auxIdx, auxVal, gx, ge, gh], perRow(B * (list + kAux))),
    bind('Sae.columns', k.columns, u, [z, zAux, samples, count], perRow(dSae)),
    bind('Sae.decoderGrad', k.decoderGrad, u, [z, zAux, gx, ge, grads, samples, count], perRow(dSae * Math.ceil(dIn / 4))),
    ...when(s.kind === 'l1', bind('Sae.l1DecoderGrad', k.l1DecoderGrad, u, [params, latent, norms, grads], perRow(dSae * dIn))),
    bind('Sae.encoderGrad', k.encoderGrad, u, [x, params, gh, grads, samples, count], perRow((Math.ceil(dIn / 4) + 1) * dSae)),
    bind('Sae.biasGrad', k.biasGrad, u, [params, gx, grads], perRow(dIn)),
    ...when(s.kind === 'jumprelu', bind('Sae.thresholdTerms', k.thresholdTerms, u, [params, h, gx, thetaTerms], perRow(B * dSae)),
      bind('Sae.thresholdGrad', k.thresholdGrad, u, [thetaTerms, grads], perRow(dSae))),
    ...when(unitRows(s.kind), bind('Sae.projectRows', k.projectRows, u, [params, grads], perRow(dSae))),
    bind('Sae.adam', k.adam, optimizerUniform(l.floats, opt.beta1, opt.beta2, opt.eps, 0), [params, grads, m, v], groups(l.floats / 4)),
    ...when(unitRows(s.kind), bind('Sae.normaliseRows', k.normaliseRows, u, [params], perRow(dSae))),
  ];
  const evaluate = [...encode, ...evalCodes, decode, latentStats, bind('Sae.evalStats', k.evalStats, u, [x, xhat, stats], 1)];
  const gather = (data: GPUBuffer, order: GPUBuffer, count: number) =>
    bind('Sae.gather', k.gather, saeUniform(l, s, count), [data, order, x], perRow(B * dIn));
  return { x, h, z, zAux, idx, val, xhat, ehat, loss, sums, counters, fires, stats, step, evaluate, gather, destroy: () => owner.destroy() };
}
