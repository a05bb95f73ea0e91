// The SAE kernels (shaders/sae_*.wgsl) against the float64 reference (src/ref/sae.ts, sae-kinds.ts) on fresh random
// inputs, each kernel on its own for every kind (inputs taken from the reference's forward), and whole training steps
// of every kind through SaeTrainer. Selection kernels are in sae-select-cases.ts. Platform-neutral like kernel-cases.ts.
import type { Gpu } from '../../src/gpu/device.ts';
import { TestRandom } from '../../src/ref/check.ts';
import { epochPermutation } from '../../src/data/shuffle.ts';
import { l1PenaltyGrads, ranksLatents, rowNorms, SAE_KINDS, thresholdGrad, THRESHOLD_MIN, type SaeKind } from '../../src/ref/sae-kinds.ts';
import { deadMask, normaliseRows, removeParallelGradient, saeBackward, saeCodeGrad, saeForward, saeOutputGrads, saeStep, SAE_TENSORS,
  updateDeadCounters, type SaeGrads, type SaeHyper, type SaeParams } from '../../src/ref/sae.ts';
import { initSae } from '../../src/sae/init.ts';
import { encodeProduct, encodeThreads, packParams, SAE_SPECS, saeLayout, saeUniform, unpackParams } from '../../src/sae/kernels.ts';
import { SaeTrainer, type SaeConfig } from '../../src/sae/trainer.ts';
import { hyper } from '../support/sae.ts';
import { expectClose, runKernel, step } from './harness.ts';
import { codeLists, f32, int, saeSelectCases, u32, wg, type Case } from './sae-select-cases.ts';

/** Random untied parameters (θ in [0.05, 0.4); L1's rows off unit norm), rounded to f32 as the GPU sees them. */
export function randomParams(r: TestRandom, dIn: number, dSae: number, seed: number, kind: SaeKind): SaeParams {
  const p = initSae(dIn, dSae, seed, null);
  const round = (a: Float64Array) => Float64Array.from(Float32Array.from(a));
  const Wdec = kind === 'l1' ? p.Wdec.map((v, n) => v * (0.5 + (n % 3) / 2)) : p.Wdec;
  return { dIn, dSae, Wenc: round(r.normal(dIn * dSae, 0, 0.5)), benc: round(r.normal(dSae, 0, 0.3)), Wdec: round(Wdec), bdec: round(r.normal(dIn, 0, 0.3)),
    threshold: round(r.uniform(dSae, 0.05, 0.4)) };
}

const kindHyper = (r: TestRandom, kind: SaeKind): SaeHyper => hyper({ kind, k: int(r, 1, 6), kAux: ranksLatents(kind) ? int(r, 1, 8) : 0,
  auxWeight: 0.25, deadAfter: 10, l0Weight: 0.3, bandwidth: 0.5, l1Weight: 0.2 });

/** Every kernel but the selections alone, for one kind, on the reference forward's intermediates. */
async function pieces(gpu: Gpu, seed: number, kind: SaeKind): Promise<void> {
  const r = new TestRandom(seed, 21 + SAE_KINDS.indexOf(kind));
  const B = int(r, 1, 9), dIn = int(r, 1, 37), dSae = int(r, 8, 70);
  const hp = kindHyper(r, kind);
  const p = randomParams(r, dIn, dSae, seed, kind);
  const x = Float64Array.from(f32(r.normal(B * dIn)));
  const counters = Uint32Array.from(r.uniform(dSae), (u) => Math.floor(u * 20));
  const trained = Uint32Array.from(counters); // as in a step: this batch's firing counted before AuxK picks the dead
  const f = saeForward(p, x, B, hp, (z) => {
    updateDeadCounters(trained, z, B, dSae);
    return deadMask(trained, hp.deadAfter);
  });
  const l = saeLayout(dIn, dSae);
  const u = saeUniform(l, { ...hp, batch: B });
  const slab = packParams(p, l);
  const run = (name: keyof typeof SAE_SPECS, inputs: Parameters<typeof runKernel>[4], groups: number, training = true) =>
    runKernel(gpu, SAE_SPECS[name], step(B, { training }), u, inputs, groups);
  const what = `${kind} B=${B} d_in=${dIn} d_sae=${dSae} k=${hp.k} k_aux=${hp.kAux}`;
  const enc = await run('encode', [f32(x), slab, { zeros: B * dSae * 4 }], wg(encodeThreads(B, dSae)));
  expectClose(`saeEncode ${what}`, enc[2].subarray(0, B * dSae), f.h, seed, 1e-5, 1e-4);
  await denseEncode(gpu, r, seed, B, hp);
  const list = kind === 'topk' ? hp.k : dSae;
  const lists = [...codeLists(f.z, B, dSae, list, kind !== 'topk'), ...codeLists(f.zAux, B, dSae, Math.max(1, hp.kAux), false)];
  const dec = await run('decode', [slab, ...lists, { zeros: B * dIn * 4 }, { zeros: B * dIn * 4 }], wg(B * Math.ceil(dIn / 4)));
  expectClose(`saeDecode x̂ ${what}`, dec[5].subarray(0, B * dIn), f.xhat, seed, 1e-5, 1e-4);
  expectClose(`saeDecode ê ${what}`, dec[6].subarray(0, B * dIn), f.ehat, seed, 1e-5, 1e-4);
  const latent = new Float32Array(2 * dSae);
  for (let n = 0; n < B * dSae; n++) { latent[2 * (n % dSae)] += f.z[n]; latent[2 * (n % dSae) + 1] += f.z[n] > 0 ? 1 : 0; }
  const ls = await run('latentStats', [f32(f.z), Uint32Array.from(counters), { zeros: 8 * dSae }, { zeros: 4 * dSae }], wg(dSae));
  expectClose(`saeLatentStats counters ${what}`, u32(ls[1]).subarray(0, dSae), trained, seed, 0, 0);
  expectClose(`saeLatentStats sums ${what}`, ls[2].subarray(0, 2 * dSae), latent, seed, 1e-6, 1e-5);
  const fires = await run('latentStats', [f32(f.z), Uint32Array.from(counters), { zeros: 8 * dSae }, Uint32Array.from(counters)], wg(dSae), false);
  expectClose(`saeLatentStats (evaluation) leaves the counters ${what}`, u32(fires[1]).subarray(0, dSae), counters, seed, 0, 0);
  expectClose(`saeLatentStats (evaluation) fires ${what}`, u32(fires[3]).subarray(0, dSae), counters.map((c, j) => c + latent[2 * j + 1]), seed, 0, 0);
  const norms = rowNorms(p.Wdec, dSae, dIn);
  const rn = await run('rowNorms', [slab, { zeros: 4 * dSae }], wg(dSae));
  expectClose(`saeRowNorms ${what}`, rn[1].subarray(0, dSae), norms, seed, 1e-6, 1e-5);
  const [xhat, ehat] = [f32(f.xhat), f32(f.ehat)];
  const loss = await run('loss', [f32(x), xhat, ehat, trained, { zeros: 32 }, { zeros: 16 }, latent, f32(norms)], 1);
  expectClose(`saeLoss ${what}`, loss[4].subarray(0, 5), [f.recon, f.residualEnergy, f.aux, f.auxScale, f.penalty], seed, 1e-6, 1e-4);
  expectClose(`saeLoss training sums ${what}`, loss[5].subarray(0, 4), [f.recon, f.aux, 1, f.penalty], seed, 1e-6, 1e-4);
  const { gx, ge } = saeOutputGrads(x, f, B, dIn);
  const lg = await run('lossGrad', [f32(x), xhat, ehat, f32([f.recon, f.residualEnergy, f.aux, f.auxScale]), { zeros: B * dIn * 4 }, { zeros: B * dIn * 4 }], wg(B * dIn));
  expectClose(`saeLossGrad gx ${what}`, lg[4].subarray(0, B * dIn), gx, seed, 1e-7, 1e-4);
  expectClose(`saeLossGrad ge ${what}`, lg[5].subarray(0, B * dIn), ge, seed, 1e-6, 1e-4);
  const gh = saeCodeGrad(p, f, gx, ge, B);
  const l1Wdec = new Float64Array(dSae * dIn);
  if (kind === 'l1') l1PenaltyGrads(p, f.z, B, hp, l1Wdec, gh);
  const cg = await run('codeGrad', [slab, ...lists, f32(gx), f32(ge), { zeros: B * dSae * 4 }], wg(B * (list + hp.kAux)));
  expectClose(`saeCodeGrad ${what}`, cg[7].subarray(0, B * dSae), gh, seed, 1e-6, 1e-4);
  const g = saeBackward(p, x, B, f, hp);
  const samples = new Uint32Array(dSae * B), count = new Uint32Array(dSae);
  for (let j = 0; j < dSae; j++) for (let b = 0; b < B; b++) if (f.z[b * dSae + j] > 0 || f.zAux[b * dSae + j] > 0) samples[j * B + count[j]++] = b;
  const cols = await run('columns', [f32(f.z), f32(f.zAux), { zeros: dSae * B * 4 }, { zeros: dSae * 4 }], wg(dSae));
  expectClose(`saeColumns count ${what}`, u32(cols[3]).subarray(0, dSae), count, seed, 0, 0);
  for (let j = 0; j < dSae; j++) {
    expectClose(`saeColumns samples of latent ${j} ${what}`, u32(cols[2]).subarray(j * B, j * B + count[j]), samples.subarray(j * B, j * B + count[j]), seed, 0, 0);
  }
  const dg = await run('decoderGrad', [f32(f.z), f32(f.zAux), f32(gx), f32(ge), { zeros: l.floats * 4 }, samples, count], wg(dSae * Math.ceil(dIn / 4)));
  expectClose(`saeDecoderGrad ${what}`, dg[4].subarray(l.wDec, l.wDec + dSae * dIn), g.Wdec.map((v, n) => v - l1Wdec[n]), seed, 1e-6, 1e-4);
  if (kind === 'l1') {
    const l1 = await run('l1DecoderGrad', [slab, latent, f32(norms), dg[4]], wg(dSae * dIn));
    expectClose(`saeL1DecoderGrad ${what}`, unpackParams(l1[3], l).Wdec, g.Wdec, seed, 1e-6, 1e-4);
  }
  if (kind === 'jumprelu') {
    const terms = await run('thresholdTerms', [slab, f32(f.h), f32(gx), { zeros: B * dSae * 4 }], wg(B * dSae));
    const tg = await run('thresholdGrad', [terms[3], { zeros: l.floats * 4 }], wg(dSae));
    expectClose(`saeThresholdTerms + saeThresholdGrad ${what}`, unpackParams(tg[1], l).threshold, thresholdGrad(p, f.h, gx, B, hp), seed, 1e-6, 1e-4);
  }
  const eg = await run('encoderGrad', [f32(x), slab, f32(gh), { zeros: l.floats * 4 }, samples, count], wg((Math.ceil(dIn / 4) + 1) * dSae));
  const grads = unpackParams(eg[3], l);
  expectClose(`saeEncoderGrad W_enc ${what}`, grads.Wenc, g.Wenc, seed, 1e-6, 1e-4);
  expectClose(`saeEncoderGrad b_enc ${what}`, grads.benc, g.benc, seed, 1e-6, 1e-4);
  const bg = await run('biasGrad', [slab, f32(gx), f32(eg[3])], wg(dIn));
  expectClose(`saeBiasGrad ${what}`, unpackParams(bg[2], l).bdec, g.bdec, seed, 1e-6, 1e-4);
  const pr = await run('projectRows', [slab, packParams({ ...p, ...g }, l)], wg(dSae));
  removeParallelGradient(p.Wdec, g.Wdec, dSae, dIn);
  expectClose(`saeProjectRows ${what}`, unpackParams(pr[1], l).Wdec, g.Wdec, seed, 1e-6, 1e-4);
  const scaled = { ...p, Wdec: p.Wdec.map((v, n) => v * (1 + (n % 3))), threshold: p.threshold.map((v, j) => (j % 2 ? -v : v)) };
  const nr = await run('normaliseRows', [packParams(scaled, l)], wg(dSae));
  const back = unpackParams(nr[0], l);
  normaliseRows(scaled.Wdec, dSae, dIn);
  expectClose(`saeNormaliseRows ${what}`, back.Wdec, scaled.Wdec, seed, 1e-6, 1e-5);
  const theta = kind === 'jumprelu' ? scaled.threshold.map((v) => Math.max(v, THRESHOLD_MIN)) : scaled.threshold;
  expectClose(`saeNormaliseRows θ (clamped for JumpReLU only) ${what}`, back.threshold, theta, seed, 0, 1e-6);
}

/** The dense-product encoder (d_in and d_sae multiples of 4): saeCenter, dense.wgsl's dY·W, saeAddBias. */
async function denseEncode(gpu: Gpu, r: TestRandom, seed: number, B: number, hp: SaeHyper): Promise<void> {
  const dIn = 4 * int(r, 1, 12), dSae = 4 * int(r, 2, 20);
  const p = randomParams(r, dIn, dSae, seed, hp.kind);
  const x = Float64Array.from(f32(r.normal(B * dIn)));
  const h = saeForward(p, x, B, hp, new Array(dSae).fill(false)).h;
  const l = saeLayout(dIn, dSae);
  const u = saeUniform(l, { ...hp, batch: B });
  const slab = packParams(p, l);
  const xc = await runKernel(gpu, SAE_SPECS.center, step(B), u, [f32(x), slab, { zeros: B * dIn * 4 }], wg(B * dIn));
  const { uniform, workgroups } = encodeProduct(l, B);
  const prod = await runKernel(gpu, SAE_SPECS.encodeProduct, step(B), uniform, [xc[2], slab, { zeros: B * dSae * 4 }, { zeros: 16 }], workgroups);
  const out = await runKernel(gpu, SAE_SPECS.addBias, step(B), u, [slab, prod[2]], wg(B * dSae));
  expectClose(`dense encoder B=${B} d_in=${dIn} d_sae=${dSae}`, out[1].subarray(0, B * dSae), h, seed, 1e-5, 1e-4);
}

const zeroGrads = (dIn: number, dSae: number): SaeGrads => ({ Wenc: new Float64Array(dIn * dSae), benc: new Float64Array(dSae),
  Wdec: new Float64Array(dSae * dIn), bdec: new Float64Array(dIn), threshold: new Float64Array(dSae) });

/** Whole steps of one kind through SaeTrainer (gather, codes, AuxK or penalty, Adam, renormalisation, counters, θ)
 * against saeStep. */
async function wholeSteps(gpu: Gpu, seed: number, kind: SaeKind): Promise<void> {
  const r = new TestRandom(seed, 30 + SAE_KINDS.indexOf(kind));
  const vec4 = SAE_KINDS.indexOf(kind) % 2 === 0; // TopK and JumpReLU through the dense-product encoder
  const dIn = vec4 ? 4 * int(r, 1, 5) : 4 * int(r, 0, 4) + int(r, 1, 3), dSae = 4 * int(r, 3, 15), N = int(r, 6, 40), B = int(r, 2, N);
  const cfg: SaeConfig = { ...hyper({ kind, k: int(r, 1, 4), kAux: ranksLatents(kind) ? int(r, 1, 6) : 0, auxWeight: 0.5, deadAfter: B, l0Weight: 0.3,
    bandwidth: 0.5, l1Weight: 0.2 }), dSae, batch: B, epochs: 1, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-7, seed, thresholdInit: 0.1, bDecInit: 'mean' };
  const p = randomParams(r, dIn, dSae, seed, kind);
  if (kind === 'batchtopk') p.threshold.fill(0.125);
  const vectors = { rows: N, cols: dIn, values: f32(r.normal(N * dIn)) };
  const data = { name: 't', dim: dIn, train: vectors, test: vectors, dictionary: null, heldOut: '', sha256: '' };
  const t = await SaeTrainer.create(gpu, cfg, data, undefined, p);
  try {
    const steps = Math.min(3, Math.ceil(N / B));
    t.beginEpoch();
    const order = epochPermutation(N, seed, 0);
    const counters = new Uint32Array(dSae);
    const ref: SaeParams = { ...p, ...Object.fromEntries(SAE_TENSORS.map((n) => [n, p[n].slice()])) };
    const opt = { m: zeroGrads(dIn, dSae), v: zeroGrads(dIn, dSae), t: 0, lr: cfg.lr, hyper: cfg };
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
    const what = `${kind} SAE ${steps} steps d_in=${dIn} d_sae=${dSae} B=${B} k=${cfg.k} k_aux=${cfg.kAux}`;
    for (const name of SAE_TENSORS) expectClose(`${what} ${name}`, gp[name], ref[name], seed, 2e-5, 1e-3);
    expectClose(`${what} Adam m (W_dec)`, unpackParams(got.m, t.layout).Wdec, opt.m.Wdec, seed, 1e-7, 1e-3);
    expectClose(`${what} dead counters`, got.counters, counters, seed, 0, 0);
  } finally {
    t.destroy();
  }
}

const perKind = (run: (gpu: Gpu, seed: number, kind: SaeKind) => Promise<void>): Case => async (gpu, seed) => {
  for (const kind of SAE_KINDS) await run(gpu, seed, kind);
};
export const saeKernelCases: Record<string, Case> = { ...saeSelectCases, 'sae kernels (every kind)': perKind(pieces) };
export const saeStepCases: Record<string, Case> = Object.fromEntries(SAE_KINDS.map((kind) =>
  [`sae whole steps (${kind})`, (gpu: Gpu, seed: number) => wholeSteps(gpu, seed, kind)]));
