// The SAE selection kernels against the float64 reference (src/ref/sae-kinds.ts) on fresh random inputs: per-sample
// top-k and AuxK, BatchTopK over the batch with its threshold estimate, and saeCodes (JumpReLU, L1, BatchTopK's
// lists and evaluation codes). Values are rounded to 0.25 so ties are common. Platform-neutral like kernel-cases.ts.
import type { Gpu } from '../../src/gpu/device.ts';
import { TestRandom } from '../../src/ref/check.ts';
import { evaluationCodes, thresholdEstimate, topkIndices, trainingCodes, type SaeKind } from '../../src/ref/sae-kinds.ts';
import { deadMask } from '../../src/ref/sae.ts';
import { batchSelectionWords, packParams, SAE_SPECS, saeLayout, saeUniform, unpackParams } from '../../src/sae/kernels.ts';
import { initSae } from '../../src/sae/init.ts';
import { hyper } from '../support/sae.ts';
import { expectClose, runKernel, step } from './harness.ts';

export type Case = (gpu: Gpu, seed: number) => Promise<void>;
export const int = (r: TestRandom, lo: number, hi: number) => lo + Math.floor(r.uniform(1)[0] * (hi - lo + 1));
export const wg = (n: number) => Math.max(1, Math.ceil(n / 256));
export const f32 = (a: ArrayLike<number>) => Float32Array.from(a);
export const u32 = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);
const NONE = 0xffffffff;

/** Per-sample lists of the positive codes, ascending, stride `list`: padded with (0, 0) for TopK, or ended by NONE
 * when shorter than the stride (`terminated`, the other kinds). */
export function codeLists(z: Float64Array, B: number, dSae: number, list: number, terminated: boolean): [Uint32Array, Float32Array] {
  const idx = new Uint32Array(B * list), val = new Float32Array(B * list);
  for (let b = 0; b < B; b++) {
    let t = 0;
    for (let j = 0; j < dSae; j++) if (z[b * dSae + j] > 0 && t < list) { idx[b * list + t] = j; val[b * list + t++] = z[b * dSae + j]; }
    if (terminated && t < list) idx[b * list + t] = NONE;
  }
  return [idx, val];
}

const ties = (r: TestRandom, n: number) => Float64Array.from(r.normal(n), (v) => Math.round(v * 4) / 4);

/** Top-k and AuxK selection: dense codes and ascending lists, ties (values rounded to 0.25) to the lower index. */
const topk: Case = async (gpu, seed) => {
  const r = new TestRandom(seed, 20);
  for (const dSae of [int(r, 1, 40), int(r, 200, 700), int(r, 2000, 3000), 16384]) { // up to the largest size supported
    const big = dSae === 16384;
    const B = int(r, 1, big ? 2 : 5), k = big ? int(r, 200, 256) : int(r, 1, Math.min(48, dSae)), kAux = int(r, 1, Math.min(64, dSae)), dIn = 3;
    const h = ties(r, B * dSae);
    const counters = Uint32Array.from(r.uniform(dSae), (u) => Math.floor(u * 20));
    const dead = deadMask(counters, 10);
    const l = saeLayout(dIn, dSae);
    const u = saeUniform(l, { ...hyper({ k, kAux, auxWeight: 1, deadAfter: 10 }), batch: B });
    for (const [spec, K, cand] of [[SAE_SPECS.topk, k, () => true], [SAE_SPECS.topkAux, kAux, (j: number) => dead[j]]] as const) {
      const out = await runKernel(gpu, spec, step(B), u, [f32(h), counters, { zeros: B * dSae * 4 }, { zeros: B * K * 4 }, { zeros: B * K * 4 }], B);
      const z = new Float64Array(B * dSae), idx = new Uint32Array(B * K), val = new Float64Array(B * K);
      for (let b = 0; b < B; b++) {
        topkIndices(h.subarray(b * dSae, (b + 1) * dSae), K, cand).forEach((j, t) => {
          z[b * dSae + j] = Math.max(0, h[b * dSae + j]);
          idx[b * K + t] = j;
          val[b * K + t] = Math.max(0, h[b * dSae + j]);
        });
      }
      const what = `${spec.entry} B=${B} d_sae=${dSae} K=${K}`;
      expectClose(`${what} z`, out[2].subarray(0, B * dSae), z, seed, 0, 0);
      expectClose(`${what} idx`, u32(out[3]).subarray(0, B * K), idx, seed, 0, 0);
      expectClose(`${what} val`, out[4].subarray(0, B * K), val, seed, 0, 0);
    }
  }
};

/** BatchTopK (sae_batch.wgsl, its dispatches chained as the graph records them): the k·rows largest ReLU(h) of the
 * batch (ties to the lower flat index) and θ's running estimate, twice in a row (the state must reset itself), up to
 * 256 × 4096 values (beyond what one workgroup's loops may run on llvmpipe). */
const batchTopk: Case = async (gpu, seed) => {
  const r = new TestRandom(seed, 23);
  for (const [dSae, maxB] of [[int(r, 1, 40), 9], [int(r, 200, 700), 9], [4096, 256]]) {
    const B = dSae === 4096 ? 256 : int(r, 1, maxB), k = int(r, 1, Math.min(64, dSae)), dIn = 2;
    const l = saeLayout(dIn, dSae);
    const hp = hyper({ kind: 'batchtopk', k });
    const p = { ...initSae(dIn, dSae, seed, null), threshold: new Float64Array(dSae).fill(0.375) };
    let state: Float32Array = new Float32Array(batchSelectionWords(B)), params: Float32Array = packParams(p, l); // state: u32 words
    for (let round = 0; round < 2; round++) {
      const rows = round === 0 ? B : int(r, 1, B);
      const h = ties(r, B * dSae);
      if (r.uniform(1)[0] < 0.2) h.fill(-1); // no positive code: θ unchanged
      const u = saeUniform(l, { ...hp, batch: B });
      let z: Float32Array = new Float32Array(B * dSae);
      const run = async (name: keyof typeof SAE_SPECS, groups: number) => {
        const out = await runKernel(gpu, SAE_SPECS[name], step(rows), u, [f32(h), state, z, params], groups);
        [state, z, params] = [out[1], out[2], out[3]];
      };
      await run('batchStart', 1);
      for (let bit = 0; bit < 32; bit++) { await run('batchCount', Math.ceil(B / 16)); await run('batchDecide', 1); }
      for (const [name, groups] of [['batchTies', B], ['batchScan', 1], ['batchWrite', B], ['batchThreshold', Math.ceil(dSae / 64)]] as const) await run(name, groups);
      const want = trainingCodes(p, h.subarray(0, rows * dSae), rows, hp);
      const what = `saeBatch* rows=${rows} d_sae=${dSae} k=${k} round ${round}`;
      expectClose(`${what} z`, z.subarray(0, rows * dSae), want, seed, 0, 0);
      p.threshold.fill(thresholdEstimate(p.threshold[0], want));
      expectClose(`${what} θ`, unpackParams(params, l).threshold, p.threshold, seed, 1e-7, 1e-6);
      expectClose(`${what} per-row state reset`, u32(state).subarray(8, 8 + 2 * B), new Uint32Array(2 * B), seed, 0, 0);
    }
  }
};

/** saeCodes: z and the NONE-ended lists for JumpReLU, L1, BatchTopK's training lists (from z) and evaluation codes. */
const codes: Case = async (gpu, seed) => {
  const r = new TestRandom(seed, 24);
  for (const [kind, training] of [['jumprelu', true], ['l1', true], ['batchtopk', true], ['batchtopk', false]] as [SaeKind, boolean][]) {
    const dSae = [int(r, 1, 40), int(r, 300, 3000)][int(r, 0, 1)], B = int(r, 1, 6), dIn = 2;
    const h = ties(r, B * dSae);
    const l = saeLayout(dIn, dSae);
    const hp = hyper({ kind, k: int(r, 1, 8) });
    const p = { ...initSae(dIn, dSae, seed, null), threshold: Float64Array.from(r.uniform(dSae), (v) => Math.round(v * 8) / 8) };
    const z = training ? trainingCodes(p, h, B, hp) : evaluationCodes(p, h, B, hp);
    const out = await runKernel(gpu, SAE_SPECS.codes, step(B, { training }), saeUniform(l, { ...hp, batch: B }),
      [f32(h), packParams(p, l), kind === 'batchtopk' && training ? f32(z) : { zeros: B * dSae * 4 }, { zeros: B * dSae * 4 }, { zeros: B * dSae * 4 }], B);
    const [idx, val] = codeLists(z, B, dSae, dSae, true);
    const what = `saeCodes ${kind} ${training ? 'training' : 'evaluation'} B=${B} d_sae=${dSae}`;
    expectClose(`${what} z`, out[2].subarray(0, B * dSae), z, seed, 0, 0);
    for (let b = 0; b < B; b++) { // entries past NONE are not read by the decode
      const end = Array.from(idx.subarray(b * dSae, (b + 1) * dSae)).indexOf(NONE);
      const n = end < 0 ? dSae : end + 1;
      expectClose(`${what} idx row ${b}`, u32(out[3]).subarray(b * dSae, b * dSae + n), idx.subarray(b * dSae, b * dSae + n), seed, 0, 0);
      expectClose(`${what} val row ${b}`, out[4].subarray(b * dSae, b * dSae + Math.min(n, end < 0 ? dSae : end)),
        val.subarray(b * dSae, b * dSae + Math.min(n, end < 0 ? dSae : end)), seed, 0, 0);
    }
  }
};

export const saeSelectCases: Record<string, Case> = { 'sae topk': topk, 'sae batchtopk': batchTopk, 'sae codes': codes };
