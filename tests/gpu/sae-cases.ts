// The TopK SAE kernels (shaders/sae_*.wgsl) against the float64 reference (src/ref/sae.ts) on fresh random inputs,
// each kernel on its own (inputs taken from the reference's forward), and whole training steps through SaeTrainer.
// Platform-neutral like kernel-cases.ts.
import type { Gpu } from '../../src/gpu/device.ts';
import { TestRandom } from '../../src/ref/check.ts';
import { epochPermutation } from '../../src/data/shuffle.ts';
import { deadMask, normaliseRows, removeParallelGradient, saeBackward, saeCodeGrad, saeForward, saeOutputGrads, saeStep, topkIndices,
  updateDeadCounters, type SaeHyper, type SaeParams } from '../../src/ref/sae.ts';
import { initSae } from '../../src/sae/init.ts';
import { packParams, SAE_SPECS, saeLayout, saeUniform, unpackParams } from '../../src/sae/kernels.ts';
import { SaeTrainer, type SaeConfig } from '../../src/sae/trainer.ts';
import { expectClose, runKernel, step } from './harness.ts';

type Case = (gpu: Gpu, seed: number) => Promise<void>;
const int = (r: TestRandom, lo: number, hi: number) => lo + Math.floor(r.uniform(1)[0] * (hi - lo + 1));
const wg = (n: number) => Math.max(1, Math.ceil(n / 256));
const f32 = (a: ArrayLike<number>) => Float32Array.from(a);
const u32 = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** Random untied parameters, rounded to f32 so the reference sees exactly what the GPU sees. */
function randomParams(r: TestRandom, dIn: number, dSae: number, seed: number): SaeParams {
  const p = initSae(dIn, dSae, seed, null);
  const round = (a: Float64Array) => Float64Array.from(Float32Array.from(a));
  return { dIn, dSae, Wenc: round(r.normal(dIn * dSae, 0, 0.5)), benc: round(r.normal(dSae, 0, 0.3)), Wdec: round(p.Wdec), bdec: round(r.normal(dIn, 0, 0.3)) };
}

/** Top-k and AuxK selection: dense codes and ascending lists, ties (values rounded to 0.25) to the lower index. */
const topk: Case = async (gpu, seed) => {
  const r = new TestRandom(seed, 20);
  for (const dSae of [int(r, 1, 40), int(r, 200, 700), int(r, 2000, 3000), 16384]) { // up to the largest size supported
    const big = dSae === 16384;
    const B = int(r, 1, big ? 2 : 5), k = big ? int(r, 200, 256) : int(r, 1, Math.min(48, dSae)), kAux = int(r, 1, Math.min(64, dSae)), dIn = 3;
    const h = Float64Array.from(r.normal(B * dSae), (v) => Math.round(v * 4) / 4);
    const counters = Uint32Array.from(r.uniform(dSae), (u) => Math.floor(u * 20));
    const dead = deadMask(counters, 10);
    const l = saeLayout(dIn, dSae);
    const shape = { k, kAux, auxWeight: 1, deadAfter: 10, batch: B };
    for (const [spec, K, cand] of [[SAE_SPECS.topk, k, () => true], [SAE_SPECS.topkAux, kAux, (j: number) => dead[j]]] as const) {
      const out = await runKernel(gpu, spec, step(B), saeUniform(l, { ...shape }), [f32(h), counters, { zeros: B * dSae * 4 }, { zeros: B * K * 4 }, { zeros: B * K * 4 }], B);
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

/** Every other kernel alone, on the reference forward's intermediates (so one kernel's error cannot hide another's). */
const pieces: Case = async (gpu, seed) => {
  const r = new TestRandom(seed, 21);
  const B = int(r, 1, 9), dIn = int(r, 1, 37), dSae = int(r, 8, 70), k = int(r, 1, 6), kAux = int(r, 1, 8);
  const hp: SaeHyper = { k, kAux, auxWeight: 0.25, deadAfter: 10 };
  const p = randomParams(r, dIn, dSae, seed);
  const x = Float64Array.from(f32(r.normal(B * dIn)));
  const counters = Uint32Array.from(r.uniform(dSae), (u) => Math.floor(u * 20));
  const f = saeForward(p, x, B, hp, deadMask(counters, hp.deadAfter));
  const l = saeLayout(dIn, dSae);
  const u = saeUniform(l, { ...hp, batch: B });
  const slab = packParams(p, l);
  const run = (name: keyof typeof SAE_SPECS, inputs: Parameters<typeof runKernel>[4], groups: number) => runKernel(gpu, SAE_SPECS[name], step(B), u, inputs, groups);
  const what = `B=${B} d_in=${dIn} d_sae=${dSae} k=${k} k_aux=${kAux}`;
  const enc = await run('encode', [f32(x), slab, { zeros: B * dSae * 4 }], wg(Math.ceil(B / 4) * dSae));
  expectClose(`saeEncode ${what}`, enc[2].subarray(0, B * dSae), f.h, seed, 1e-5, 1e-4);
  const lists = (z: Float64Array, K: number) => {
    const idx = new Uint32Array(B * K), val = new Float32Array(B * K);
    for (let b = 0; b < B; b++) {
      let t = 0;
      for (let j = 0; j < dSae; j++) if (z[b * dSae + j] > 0 && t < K) { idx[b * K + t] = j; val[b * K + t++] = z[b * dSae + j]; }
    }
    return [idx, val];
  };
  const dec = await run('decode', [slab, ...lists(f.z, k), ...lists(f.zAux, kAux), { zeros: B * dIn * 4 }, { zeros: B * dIn * 4 }], wg(B * dIn));
  expectClose(`saeDecode x̂ ${what}`, dec[5].subarray(0, B * dIn), f.xhat, seed, 1e-5, 1e-4);
  expectClose(`saeDecode ê ${what}`, dec[6].subarray(0, B * dIn), f.ehat, seed, 1e-5, 1e-4);
  const [xhat, ehat] = [f32(f.xhat), f32(f.ehat)];
  const loss = await run('loss', [f32(x), xhat, ehat, counters, { zeros: 16 }, { zeros: 16 }], 1);
  expectClose(`saeLoss ${what}`, loss[4], [f.recon, f.residualEnergy, f.aux, f.auxScale], seed, 1e-6, 1e-4);
  expectClose('saeLoss training sums', loss[5], [f.recon, f.aux, 1, 0], seed, 1e-6, 1e-4);
  const { gx, ge } = saeOutputGrads(x, f, B, dIn);
  const lg = await run('lossGrad', [f32(x), xhat, ehat, f32([f.recon, f.residualEnergy, f.aux, f.auxScale]), { zeros: B * dIn * 4 }, { zeros: B * dIn * 4 }], wg(B * dIn));
  expectClose(`saeLossGrad gx ${what}`, lg[4].subarray(0, B * dIn), gx, seed, 1e-7, 1e-4);
  expectClose(`saeLossGrad ge ${what}`, lg[5].subarray(0, B * dIn), ge, seed, 1e-6, 1e-4);
  const gh = saeCodeGrad(p, f, gx, ge, B);
  const cg = await run('codeGrad', [slab, f32(f.z), f32(f.zAux), f32(gx), f32(ge), { zeros: B * dSae * 4 }], wg(B * dSae));
  expectClose(`saeCodeGrad ${what}`, cg[5].subarray(0, B * dSae), gh, seed, 1e-6, 1e-4);
  const g = saeBackward(p, x, B, f);
  const dg = await run('decoderGrad', [f32(f.z), f32(f.zAux), f32(gx), f32(ge), { zeros: l.floats * 4 }], wg(dSae * Math.ceil(dIn / 4)));
  expectClose(`saeDecoderGrad ${what}`, dg[4].subarray(l.wDec, l.wDec + dSae * dIn), g.Wdec, seed, 1e-6, 1e-4);
  const eg = await run('encoderGrad', [f32(x), slab, f32(gh), { zeros: l.floats * 4 }], wg((Math.ceil(dIn / 4) + 1) * dSae));
  const grads = unpackParams(eg[3], l);
  expectClose(`saeEncoderGrad W_enc ${what}`, grads.Wenc, g.Wenc, seed, 1e-6, 1e-4);
  expectClose(`saeEncoderGrad b_enc ${what}`, grads.benc, g.benc, seed, 1e-6, 1e-4);
  const bg = await run('biasGrad', [slab, f32(gx), f32(eg[3])], wg(dIn));
  expectClose(`saeBiasGrad ${what}`, unpackParams(bg[2], l).bdec, g.bdec, seed, 1e-6, 1e-4);
  const gSlab = packParams({ ...p, ...g }, l);
  const pr = await run('projectRows', [slab, gSlab], dSae);
  removeParallelGradient(p.Wdec, g.Wdec, dSae, dIn);
  expectClose(`saeProjectRows ${what}`, unpackParams(pr[1], l).Wdec, g.Wdec, seed, 1e-6, 1e-4);
  const scaled = { ...p, Wdec: p.Wdec.map((v, n) => v * (1 + (n % 3))) };
  const nr = await run('normaliseRows', [packParams(scaled, l)], dSae);
  normaliseRows(scaled.Wdec, dSae, dIn);
  expectClose(`saeNormaliseRows ${what}`, unpackParams(nr[0], l).Wdec, scaled.Wdec, seed, 1e-6, 1e-5);
  const dc = await run('deadCounters', [f32(f.z), Uint32Array.from(counters)], wg(dSae));
  updateDeadCounters(counters, f.z, B, dSae);
  expectClose(`saeDeadCounters ${what}`, u32(dc[1]).subarray(0, dSae), counters, seed, 0, 0);
};

/** Whole steps through SaeTrainer (gather, AuxK with dead latents, Adam, renormalisation, counters) vs saeStep. */
const wholeSteps: Case = async (gpu, seed) => {
  const r = new TestRandom(seed, 22);
  const dIn = int(r, 2, 19), dSae = int(r, 12, 60), N = int(r, 6, 40), B = int(r, 2, N);
  const cfg: SaeConfig = { dSae, k: int(r, 1, 4), kAux: int(r, 1, 6), auxWeight: 0.5, deadAfter: B, batch: B, epochs: 1, lr: 1e-3,
    beta1: 0.9, beta2: 0.999, eps: 1e-7, seed };
  const p = randomParams(r, dIn, dSae, seed);
  const vectors = { rows: N, cols: dIn, values: f32(r.normal(N * dIn)) };
  const data = { name: 't', dim: dIn, train: vectors, test: vectors, dictionary: null, heldOut: '', sha256: '' };
  const t = await SaeTrainer.create(gpu, cfg, data, undefined, p);
  try {
    const steps = Math.min(3, Math.ceil(N / B));
    const order = epochZeroOrder(t, N);
    const counters = new Uint32Array(dSae);
    const zeros = () => ({ Wenc: new Float64Array(dIn * dSae), benc: new Float64Array(dSae), Wdec: new Float64Array(dSae * dIn), bdec: new Float64Array(dIn) });
    const ref = { ...p, Wenc: p.Wenc.slice(), benc: p.benc.slice(), Wdec: p.Wdec.slice(), bdec: p.bdec.slice() };
    const opt = { m: zeros(), v: zeros(), t: 0, lr: cfg.lr, hyper: cfg };
    for (let s = 0; s < steps; s++) {
      const rows = Math.min(B, N - s * B);
      const x = new Float64Array(rows * dIn);
      for (let b = 0; b < rows; b++) for (let i = 0; i < dIn; i++) x[b * dIn + i] = vectors.values[order[s * B + b] * dIn + i];
      opt.t = s + 1;
      saeStep(ref, x, rows, cfg, counters, opt);
      t.submitSteps(s, 1);
    }
    const got = await t.readState();
    const gp = unpackParams(got.params, t.layout);
    const what = `SAE ${steps} steps d_in=${dIn} d_sae=${dSae} B=${B} k=${cfg.k} k_aux=${cfg.kAux}`;
    for (const name of ['Wenc', 'benc', 'Wdec', 'bdec'] as const) expectClose(`${what} ${name}`, gp[name], ref[name], seed, 2e-5, 1e-3);
    expectClose(`${what} Adam m (W_dec)`, unpackParams(got.m, t.layout).Wdec, opt.m.Wdec, seed, 1e-7, 1e-3);
    expectClose(`${what} dead counters`, got.counters, counters, seed, 0, 0);
  } finally {
    t.destroy();
  }
};

/** Opens epoch 0 and returns its sample order (seeded shuffle), so the reference gathers the same rows. */
function epochZeroOrder(t: SaeTrainer, n: number): Uint32Array {
  t.beginEpoch();
  return epochPermutation(n, t.cfg.seed, 0);
}

export const saeKernelCases: Record<string, Case> = { 'sae topk': topk, 'sae kernels': pieces };
export const saeStepCases: Record<string, Case> = { 'sae whole steps': wholeSteps };
