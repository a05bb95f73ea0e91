// The SAE float64 reference (src/ref/sae.ts, sae-kinds.ts): gradients of every kind against central differences
// (AuxK with the residual held constant as the method detaches it; JumpReLU's θ against a surrogate whose derivative is
// the paper's pseudo-derivative), the top-k tie rules, the row-norm procedure and the counters.
// Inputs are fresh each run from a printed seed; REF_TEST_SEED=<n> reproduces a run.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { checkGradient, TestRandom } from '../src/ref/check.ts';
import { deadMask, normaliseRows, removeParallelGradient, saeBackward, saeForward, saeStep, topkIndices, updateDeadCounters,
  type SaeParams } from '../src/ref/sae.ts';
import { evaluationCodes, thresholdEstimate, THRESHOLD_MIN, trainingCodes } from '../src/ref/sae-kinds.ts';
import { firingDensity } from '../src/sae/metrics.ts';
import { geometricMedian } from '../src/sae/median.ts';
import { initSae } from '../src/sae/init.ts';
import { SAE_FLOAT_FIELDS, SAE_UNIFORM_FIELDS, saeLayout, saeUniform } from '../src/sae/kernels.ts';
import { hyper } from './support/sae.ts';

const SEED = Number(process.env.REF_TEST_SEED ?? Math.floor(Math.random() * 2 ** 32));
console.log(`ref-sae.test.ts seed ${SEED} (REF_TEST_SEED=${SEED} to reproduce)`);

function randomSae(r: TestRandom, dIn: number, dSae: number): SaeParams {
  const p = initSae(dIn, dSae, SEED, null);
  p.benc = r.normal(dSae, 0, 0.3);
  p.bdec = r.normal(dIn, 0, 0.3);
  p.Wenc = r.normal(dIn * dSae, 0, 0.5); // untied, so the encoder's and decoder's gradients are told apart
  p.threshold = r.uniform(dSae, 0.05, 0.4);
  return p;
}

test('topkIndices: the k largest, ascending, ties to the lower index, candidates only', () => {
  assert.deepEqual(topkIndices([3, 1, 4, 1, 5, 9, 2, 6], 3), [4, 5, 7]);
  assert.deepEqual(topkIndices([2, 7, 7, 7, 1], 2), [1, 2]);
  assert.deepEqual(topkIndices([2, 7, 7, 7, 1], 9, (j) => j !== 2), [0, 1, 3, 4]);
});

for (const hp of [hyper({ kAux: 4, auxWeight: 0.5 }), hyper({ kind: 'batchtopk', k: 2, kAux: 4, auxWeight: 0.5 }),
  hyper({ kind: 'jumprelu', l0Weight: 0.3 }), hyper({ kind: 'l1', l1Weight: 0.2 })]) {
  test(`${hp.kind}: saeBackward matches central differences of the loss (recon + AuxK or penalty) for W_enc, b_enc, W_dec, b_dec`, () => {
    const r = new TestRandom(SEED);
    const B = 5, dIn = 7, dSae = 11;
    const p = randomSae(r, dIn, dSae);
    if (hp.kind === 'l1') for (let n = 0; n < p.Wdec.length; n++) p.Wdec[n] *= 0.5 + (n % 3) / 2; // rows off unit norm
    const x = r.normal(B * dIn);
    const dead = Array.from({ length: dSae }, (_, j) => j % 2 === 0);
    const f0 = saeForward(p, x, B, hp, dead);
    if (hp.kAux > 0) assert.ok(f0.aux > 0 && f0.zAux.some((v) => v > 0), 'the case must exercise AuxK');
    else assert.ok(f0.penalty > 0 && f0.aux === 0, 'the case must exercise the penalty');
    const residual = x.map((v, n) => v - f0.xhat[n]);
    const g = saeBackward(p, x, B, f0, hp);
    const loss = () => saeForward(p, x, B, hp, dead, residual).loss;
    for (const name of ['Wenc', 'benc', 'Wdec', 'bdec'] as const) checkGradient(`${hp.kind} ${name} (seed ${SEED})`, loss, p[name], g[name], undefined, 1e-6, 1e-7, 1e-4);
  });
}

test('jumprelu: θ\'s gradient is the derivative of a surrogate built from the paper\'s pseudo-derivatives', () => {
  // z̃ = h·H(h − θ₀) + θ₀·(R(h − θ) − R(h − θ₀)) and L0 = Σ R(h − θ), R(u) = clamp(u/ε + ½, 0, 1): at θ = θ₀ their
  // θ-derivatives are −(θ/ε)·K((h − θ)/ε) and −(1/ε)·K((h − θ)/ε), the pseudo-derivatives of "Jumping Ahead".
  const r = new TestRandom(SEED, 4);
  const B = 10, dIn = 5, dSae = 9;
  const hp = hyper({ kind: 'jumprelu', l0Weight: 0.7, bandwidth: 1 });
  const p = randomSae(r, dIn, dSae);
  const x = r.normal(B * dIn);
  const f0 = saeForward(p, x, B, hp, new Array(dSae).fill(false));
  const theta0 = p.threshold.slice();
  const R = (u: number) => Math.min(1, Math.max(0, u / hp.bandwidth + 0.5));
  const loss = () => {
    let sq = 0, l0 = 0;
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < dIn; i++) {
        let s = p.bdec[i];
        for (let j = 0; j < dSae; j++) {
          const h = f0.h[b * dSae + j];
          const z = (h > theta0[j] ? h : 0) + theta0[j] * (R(h - p.threshold[j]) - R(h - theta0[j]));
          s += z * p.Wdec[j * dIn + i];
        }
        sq += (s - x[b * dIn + i]) ** 2;
      }
      for (let j = 0; j < dSae; j++) l0 += R(f0.h[b * dSae + j] - p.threshold[j]);
    }
    return sq / (B * dIn) + (hp.l0Weight * l0) / B;
  };
  const g = saeBackward(p, x, B, f0, hp);
  assert.ok(g.threshold.filter((v) => v !== 0).length >= 3, `θ gradients ${g.threshold}: the window must hold samples`);
  checkGradient(`θ (seed ${SEED})`, loss, p.threshold, g.threshold, undefined, 1e-6, 1e-7, 1e-4);
  assert.equal(saeBackward(p, x, B, f0, { ...hp, kind: 'topk' }).threshold.some((v) => v !== 0), false, 'θ has no gradient but for JumpReLU');
});

test('batchtopk: the k·B largest ReLU(h) over the batch, ties to the lower flat index; θ is the EMA of the smallest', () => {
  const p = initSae(2, 4, SEED, null);
  const h = Float64Array.from([5, 4.5, -2, 3, /* sample 2 */ 3, 0.5, 1, 3]);
  const z = trainingCodes(p, h, 2, hyper({ kind: 'batchtopk', k: 2 }));
  assert.deepEqual(Array.from(z), [5, 4.5, 0, 3, 3, 0, 0, 0], 'four of eight: the tie 3 = 3 = 3 goes to flat indices 3 and 4; 3 + 1 per sample');
  assert.equal(thresholdEstimate(0, z), 0.01 * 3);
  assert.equal(thresholdEstimate(0.5, new Float64Array(8)), 0.5, 'no positive code: θ unchanged');
  p.threshold.fill(2.5);
  assert.deepEqual(Array.from(evaluationCodes(p, h, 2, hyper({ kind: 'batchtopk', k: 2 }))), [5, 4.5, 0, 3, 3, 0, 0, 3], 'evaluation: h·[h > θ]');
  assert.deepEqual(Array.from(trainingCodes(p, Float64Array.from([-1, -2, -3, -4]), 1, hyper({ kind: 'batchtopk', k: 2 }))), [0, 0, 0, 0]);
});

test('without dead latents AuxK is 0; every sample has exactly k positive codes when the top-k are positive', () => {
  const r = new TestRandom(SEED, 1);
  const p = randomSae(r, 6, 20);
  p.benc.fill(10); // every pre-activation positive
  const f = saeForward(p, r.normal(4 * 6), 4, hyper({ k: 5, kAux: 3, auxWeight: 1 }), new Array(20).fill(false));
  assert.equal(f.aux, 0);
  for (let b = 0; b < 4; b++) assert.equal(f.z.subarray(b * 20, (b + 1) * 20).filter((v) => v > 0).length, 5);
  assert.equal(f.zAux.filter((v) => v !== 0).length, 0);
  const noAux = saeForward(p, r.normal(4 * 6), 4, hyper({ k: 5, kAux: 0, auxWeight: 1 }), new Array(20).fill(true));
  assert.equal(noAux.aux, 0, 'k_aux = 0 turns AuxK off even with dead latents');
});

test('parallel-gradient removal leaves g ⟂ each row; normaliseRows makes unit rows', () => {
  const r = new TestRandom(SEED, 2);
  const W = r.normal(6 * 9), g = r.normal(6 * 9);
  removeParallelGradient(W, g, 6, 9);
  for (let j = 0; j < 6; j++) {
    const dot = Array.from({ length: 9 }, (_, i) => W[j * 9 + i] * g[j * 9 + i]).reduce((a, b) => a + b);
    assert.ok(Math.abs(dot) < 1e-12, `row ${j}: g·w = ${dot}`);
  }
  normaliseRows(W, 6, 9);
  for (let j = 0; j < 6; j++) assert.ok(Math.abs(Math.hypot(...W.subarray(j * 9, j * 9 + 9)) - 1) < 1e-12);
});

test('dead counters: reset where a latent fired, + B elsewhere; the mask is counter ≥ deadAfter', () => {
  const c = new Uint32Array([0, 5, 7, 0xfffffffe]);
  const z = new Float64Array([0, 1, 0, 0, /* sample 2 */ 0, 0, 0, 0, /* sample 3 */ 0, 0, 0, 0]);
  updateDeadCounters(c, z, 3, 4);
  assert.deepEqual(Array.from(c), [3, 0, 10, 0xffffffff]);
  assert.deepEqual(deadMask(c, 10), [false, false, true, true]);
});

test('saeStep lowers the loss on a fixed batch and keeps decoder rows at unit norm', () => {
  const r = new TestRandom(SEED, 3);
  const B = 16, dIn = 8, dSae = 24;
  const p = initSae(dIn, dSae, SEED, null);
  const x = r.normal(B * dIn);
  const zeros = () => ({ Wenc: new Float64Array(dIn * dSae), benc: new Float64Array(dSae), Wdec: new Float64Array(dSae * dIn), bdec: new Float64Array(dIn),
    threshold: new Float64Array(dSae) });
  const opt = { m: zeros(), v: zeros(), t: 0, lr: 1e-2, hyper: { beta1: 0.9, beta2: 0.999, eps: 1e-7 } };
  const counters = new Uint32Array(dSae);
  const hp = hyper({ k: 4, kAux: 8, auxWeight: 1 / 32, deadAfter: 32 });
  let first = 0, last = 0;
  for (let s = 1; s <= 30; s++) {
    opt.t = s;
    const f = saeStep(p, x, B, hp, counters, opt);
    if (s === 1) first = f.recon;
    last = f.recon;
  }
  assert.ok(last < 0.7 * first, `recon ${first} → ${last}`);
  for (let j = 0; j < dSae; j++) assert.ok(Math.abs(Math.hypot(...p.Wdec.subarray(j * dIn, (j + 1) * dIn)) - 1) < 1e-12);
});

test('the Sae uniform packer matches the WGSL struct: field names, order and types', () => {
  const wgsl = readFileSync(new URL('../shaders/sae_common.wgsl', import.meta.url), 'utf8');
  const body = /struct Sae \{([^}]*)\}/.exec(wgsl)![1];
  const fields = [...body.matchAll(/^\s*(\w+): (u32|f32),/gm)].map((m) => [m[1], m[2]]);
  assert.deepEqual(fields, SAE_UNIFORM_FIELDS.map((f) => [f, SAE_FLOAT_FIELDS.includes(f) ? 'f32' : 'u32']));
  const u = new DataView(saeUniform(saeLayout(3, 5), { ...hyper({ kind: 'jumprelu', k: 2, kAux: 4, auxWeight: 0.25, deadAfter: 9, bandwidth: 0.5 }), batch: 7 }, 11));
  assert.equal(u.byteLength, fields.length * 4);
  assert.deepEqual([u.getUint32(0, true), u.getUint32(16, true), u.getFloat32(24, true), u.getUint32(28, true), u.getUint32(44, true)], [3, 7, 0.25, 11, 15 + 5 + 15]);
  assert.deepEqual([u.getUint32(12, true), u.getUint32(48, true), u.getUint32(52, true), u.getUint32(56, true), u.getFloat32(64, true)], [0, 38, 2, 5, 0.5],
    'JumpReLU has no AuxK; θ after b_dec; kind 2; lists of d_sae');
  const min = /const THRESHOLD_MIN = ([\d.e-]+);/.exec(wgsl)?.[1];
  assert.equal(Number(min), THRESHOLD_MIN, 'the WGSL θ floor is the reference\'s');
});

test('geometric median: Weiszfeld finds the point of least total distance (not the mean) and honours the subsample', () => {
  const values = Float32Array.from([0, 0, 1, 0, 0, 1, 10, 10]); // three corners of a unit square and an outlier
  const m = geometricMedian({ rows: 4, cols: 2, values });
  const cost = (a: number, b: number) => [0, 1, 2, 3].reduce((s, n) => s + Math.hypot(values[2 * n] - a, values[2 * n + 1] - b), 0);
  for (const [da, db] of [[1e-3, 0], [-1e-3, 0], [0, 1e-3], [0, -1e-3]]) assert.ok(cost(m[0], m[1]) <= cost(m[0] + da, m[1] + db) + 1e-9);
  assert.ok(m[0] < 1 && m[1] < 1, `the outlier does not drag the median: ${m}`);
  const init = initSae(2, 3, SEED, { rows: 4, cols: 2, values }, { kind: 'jumprelu', bDecInit: 'median', thresholdInit: 0.02 });
  assert.deepEqual(Array.from(init.bdec), Array.from(m));
  assert.deepEqual(Array.from(init.threshold), [0.02, 0.02, 0.02]);
  assert.deepEqual(Array.from(initSae(2, 3, SEED, { rows: 4, cols: 2, values }).bdec), [2.75, 2.75], 'the default is the mean');
});

test('firing density: half-decade bins of log10(fires / samples) from −8 to 0, never-firing latents apart', () => {
  const d = firingDensity(Uint32Array.from([0, 1000, 1, 10, 0, 999]), 1000);
  assert.equal(d.neverFired, 2);
  assert.equal(d.edges.length, 17);
  assert.equal(d.counts.reduce((a, b) => a + b), 4);
  assert.equal(d.counts[15], 2, 'densities 1 and 0.999 are in [−0.5, 0]');
  assert.equal(d.counts[10], 1, 'density 1e-3 is in [−3, −2.5)');
  assert.equal(d.counts[12], 1, 'density 1e-2 is in [−2, −1.5)');
});
