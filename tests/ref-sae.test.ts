// The TopK SAE float64 reference (src/ref/sae.ts): its gradients against central differences (AuxK included, with
// the residual held constant as the method detaches it), the top-k tie rule, the row-norm procedure and the counters.
// Inputs are fresh each run from a printed seed; REF_TEST_SEED=<n> reproduces a run.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { checkGradient, TestRandom } from '../src/ref/check.ts';
import { deadMask, normaliseRows, removeParallelGradient, saeBackward, saeForward, saeStep, topkIndices, updateDeadCounters,
  type SaeHyper, type SaeParams } from '../src/ref/sae.ts';
import { initSae } from '../src/sae/init.ts';
import { SAE_UNIFORM_FIELDS, saeLayout, saeUniform } from '../src/sae/kernels.ts';

const SEED = Number(process.env.REF_TEST_SEED ?? Math.floor(Math.random() * 2 ** 32));
console.log(`ref-sae.test.ts seed ${SEED} (REF_TEST_SEED=${SEED} to reproduce)`);

function randomSae(r: TestRandom, dIn: number, dSae: number): SaeParams {
  const p = initSae(dIn, dSae, SEED, null);
  p.benc = r.normal(dSae, 0, 0.3);
  p.bdec = r.normal(dIn, 0, 0.3);
  p.Wenc = r.normal(dIn * dSae, 0, 0.5); // untied, so the encoder's and decoder's gradients are told apart
  return p;
}

test('topkIndices: the k largest, ascending, ties to the lower index, candidates only', () => {
  assert.deepEqual(topkIndices([3, 1, 4, 1, 5, 9, 2, 6], 3), [4, 5, 7]);
  assert.deepEqual(topkIndices([2, 7, 7, 7, 1], 2), [1, 2]);
  assert.deepEqual(topkIndices([2, 7, 7, 7, 1], 9, (j) => j !== 2), [0, 1, 3, 4]);
});

test('saeBackward matches central differences of recon + AuxK (residual held constant) for every tensor', () => {
  const r = new TestRandom(SEED);
  const B = 5, dIn = 7, dSae = 11;
  const hp: SaeHyper = { k: 3, kAux: 4, auxWeight: 0.5, deadAfter: 1 };
  const p = randomSae(r, dIn, dSae);
  const x = r.normal(B * dIn);
  const dead = Array.from({ length: dSae }, (_, j) => j % 2 === 0);
  const f0 = saeForward(p, x, B, hp, dead);
  assert.ok(f0.aux > 0 && f0.zAux.some((v) => v > 0), 'the case must exercise AuxK');
  const residual = x.map((v, n) => v - f0.xhat[n]);
  const g = saeBackward(p, x, B, f0);
  const loss = () => saeForward(p, x, B, hp, dead, residual).loss;
  for (const name of ['Wenc', 'benc', 'Wdec', 'bdec'] as const) checkGradient(`${name} (seed ${SEED})`, loss, p[name], g[name], undefined, 1e-6, 1e-7, 1e-4);
});

test('without dead latents AuxK is 0; every sample has exactly k positive codes when the top-k are positive', () => {
  const r = new TestRandom(SEED, 1);
  const p = randomSae(r, 6, 20);
  p.benc.fill(10); // every pre-activation positive
  const f = saeForward(p, r.normal(4 * 6), 4, { k: 5, kAux: 3, auxWeight: 1, deadAfter: 1 }, new Array(20).fill(false));
  assert.equal(f.aux, 0);
  for (let b = 0; b < 4; b++) assert.equal(f.z.subarray(b * 20, (b + 1) * 20).filter((v) => v > 0).length, 5);
  assert.equal(f.zAux.filter((v) => v !== 0).length, 0);
  const noAux = saeForward(p, r.normal(4 * 6), 4, { k: 5, kAux: 0, auxWeight: 1, deadAfter: 1 }, new Array(20).fill(true));
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
  const zeros = () => ({ Wenc: new Float64Array(dIn * dSae), benc: new Float64Array(dSae), Wdec: new Float64Array(dSae * dIn), bdec: new Float64Array(dIn) });
  const opt = { m: zeros(), v: zeros(), t: 0, lr: 1e-2, hyper: { beta1: 0.9, beta2: 0.999, eps: 1e-7 } };
  const counters = new Uint32Array(dSae);
  const hp = { k: 4, kAux: 8, auxWeight: 1 / 32, deadAfter: 32 };
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
  assert.deepEqual(fields, SAE_UNIFORM_FIELDS.map((f) => [f, f === 'aux_weight' ? 'f32' : 'u32']));
  const u = new DataView(saeUniform(saeLayout(3, 5), { k: 2, kAux: 4, auxWeight: 0.25, deadAfter: 9, batch: 7 }, 11));
  assert.equal(u.byteLength, fields.length * 4);
  assert.deepEqual([u.getUint32(0, true), u.getUint32(16, true), u.getFloat32(24, true), u.getUint32(28, true), u.getUint32(44, true)], [3, 7, 0.25, 11, 15 + 5 + 15]);
});
