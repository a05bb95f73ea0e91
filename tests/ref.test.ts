// Finite-difference and hand-computed checks of every float64 reference op (src/ref/*). Inputs are fresh
// each run from a printed seed; REF_TEST_SEED=<n> reproduces a run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActivationKind } from '../src/model/config.ts';
import { rngUniform } from '../src/model/rng.ts';
import { activationBackward, activationForward } from '../src/ref/activation.ts';
import { checkGradient, TestRandom } from '../src/ref/check.ts';
import { denseBackward, denseForward } from '../src/ref/dense.ts';
import { dropoutBackward, dropoutForward, dropoutMask } from '../src/ref/dropout.ts';
import { mseBackward, mseForward } from '../src/ref/loss.ts';
import { batchNormBackward, batchNormEval, batchNormForward, batchNormRunningUpdate } from '../src/ref/norm.ts';
import { adamUpdate } from '../src/ref/optimizer.ts';
import { klSparsityBackward, klSparsityForward, RHO_MAX, RHO_MIN } from '../src/ref/sparsity.ts';

const SEED = Number(process.env.REF_TEST_SEED ?? Math.floor(Math.random() * 2 ** 32));
console.log(`ref.test.ts seed ${SEED} (REF_TEST_SEED=${SEED} to reproduce)`);
const tag = (what: string) => `${what} (seed ${SEED})`;
let stream = 0;
const rand = () => new TestRandom(SEED, stream++);

/** Σ r ⊙ out: a scalar whose gradient wrt out is r. */
const dot = (a: Float64Array, r: Float64Array) => a.reduce((s, v, i) => s + v * r[i], 0);

const ACTS: [ActivationKind, number][] = [
  ['identity', 0], ['relu', 0], ['leaky_relu', 0.1], ['tanh', 0], ['sigmoid', 0],
];

test('activation backward (from the output) matches finite differences', () => {
  for (const [fn, alpha] of ACTS) {
    const g = rand();
    const z = g.normal(20, 0, 2);
    const r = g.normal(20);
    const dz = activationBackward(r, activationForward(z, fn, alpha), fn, alpha);
    checkGradient(tag(`activation ${fn} dz`), () => dot(activationForward(z, fn, alpha), r), z, dz);
  }
});

test('dense backward matches finite differences for every activation', () => {
  const [B, nIn, nOut] = [3, 5, 4];
  for (const [fn, alpha] of ACTS) {
    const g = rand();
    const x = g.normal(B * nIn);
    const W = g.normal(nOut * nIn, 0, 0.7);
    const b = g.normal(nOut, 0, 0.3);
    const r = g.normal(B * nOut);
    const loss = () => dot(denseForward(x, W, b, B, nIn, nOut, fn, alpha), r);
    const y = denseForward(x, W, b, B, nIn, nOut, fn, alpha);
    const { dx, dW, db } = denseBackward(activationBackward(r, y, fn, alpha), x, W, B, nIn, nOut);
    checkGradient(tag(`dense ${fn} dx`), loss, x, dx);
    checkGradient(tag(`dense ${fn} dW`), loss, W, dW);
    checkGradient(tag(`dense ${fn} db`), loss, b, db);
  }
});

test('dense forward is x Wᵀ + b in PyTorch (out, in) layout', () => {
  const y = denseForward(new Float64Array([1, 2]), new Float64Array([1, 0, 3, -1, 0.5, 0.5]),
    new Float64Array([0, 1, -2]), 1, 2, 3, 'identity', 0);
  assert.deepEqual([...y], [1, 2, -0.5]);
});

test('batchnorm training backward (through batch statistics) matches finite differences', () => {
  const [B, F, eps] = [5, 3, 1e-3];
  const g = rand();
  const x = g.normal(B * F, 1, 2);
  const gamma = g.normal(F, 1, 0.3);
  const beta = g.normal(F, 0, 0.3);
  const r = g.normal(B * F);
  const loss = () => dot(batchNormForward(x, gamma, beta, B, F, eps).y, r);
  const cache = batchNormForward(x, gamma, beta, B, F, eps);
  const { dx, dgamma, dbeta } = batchNormBackward(r, cache, gamma, B, F);
  checkGradient(tag('batchnorm dx'), loss, x, dx);
  checkGradient(tag('batchnorm dgamma'), loss, gamma, dgamma);
  checkGradient(tag('batchnorm dbeta'), loss, beta, dbeta);
});

test('batchnorm running stats: momentum on the new value, unbiased variance; eval uses them', () => {
  const x = new Float64Array([1, 10, 2, 10, 3, 10, 4, 10]); // (4, 2): column 0 mean 2.5, biased var 1.25
  const c = batchNormForward(x, new Float64Array([1, 1]), new Float64Array([0, 0]), 4, 2, 1e-3);
  assert.deepEqual([...c.mean], [2.5, 10]);
  assert.deepEqual([...c.variance], [1.25, 0]);
  const upd = batchNormRunningUpdate(new Float64Array([0, 1]), new Float64Array([1, 2]), c.mean, c.variance, 4, 0.01);
  assert.ok(Math.abs(upd.runningMean[0] - 0.025) < 1e-15);
  assert.ok(Math.abs(upd.runningMean[1] - (0.99 + 0.1)) < 1e-15);
  assert.ok(Math.abs(upd.runningVar[0] - (0.99 + 0.01 * (5 / 3))) < 1e-15);
  assert.ok(Math.abs(upd.runningVar[1] - 1.98) < 1e-15);
  assert.throws(() => batchNormRunningUpdate(c.mean, c.variance, c.mean, c.variance, 1, 0.01), /at least 2/);
  const y = batchNormEval(new Float64Array([3, 5]), new Float64Array([2, 1]), new Float64Array([1, 0]),
    new Float64Array([1, 4]), new Float64Array([4 - 1e-3, 1 - 1e-3]), 1, 2, 1e-3);
  assert.ok(Math.abs(y[0] - 3) < 1e-12 && Math.abs(y[1] - 1) < 1e-12); // 2·(3−1)/2 + 1, 1·(5−4)/1 + 0
});

test('dropout: deterministic mask, keep rate ≈ 1 − p, f32 scale, backward matches finite differences', () => {
  const [B, F, p] = [200, 500, 0.3];
  const m1 = dropoutMask(SEED, 5, 3, B, F, p);
  assert.deepEqual(m1, dropoutMask(SEED, 5, 3, B, F, p));
  const scale = Math.fround(1 / (1 - p));
  let kept = 0;
  for (let e = 0; e < m1.length; e++) {
    assert.equal(m1[e], rngUniform(SEED, 5, 3, e) >= Math.fround(p) ? scale : 0);
    if (m1[e] !== 0) kept++;
  }
  const rate = kept / m1.length; // σ ≈ 0.001
  assert.ok(Math.abs(rate - (1 - p)) < 0.006, tag(`keep rate ${rate}`));
  const other = [ // another step, layer, seed
    dropoutMask(SEED, 6, 3, B, F, p), dropoutMask(SEED, 5, 9, B, F, p), dropoutMask(SEED + 1, 5, 3, B, F, p),
  ];
  for (const m of other) assert.ok(m.some((v, e) => v !== m1[e]), tag('step, layer and seed change the mask'));
  assert.ok(dropoutMask(SEED, 5, 3, 4, 8, 0).every((v) => v === 1));

  const g = rand();
  const [b, f] = [4, 6];
  const mask = dropoutMask(SEED, 11, 3, b, f, 0.5);
  const x = g.normal(b * f);
  const r = g.normal(b * f);
  const y = dropoutForward(x, mask);
  for (let e = 0; e < y.length; e++) assert.equal(y[e], mask[e] === 0 ? 0 : x[e] * 2);
  checkGradient(tag('dropout dx'), () => dot(dropoutForward(x, mask), r), x, dropoutBackward(r, mask));
});

test('mse value and backward', () => {
  assert.equal(mseForward(new Float64Array([1, 2, 3, 4]), new Float64Array([1, 1, 1, 1])), (0 + 1 + 4 + 9) / 4);
  const g = rand();
  const xhat = g.uniform(24);
  const x = g.uniform(24);
  checkGradient(tag('mse dxhat'), () => mseForward(xhat, x), xhat, mseBackward(xhat, x));
});

/** KL loss wrt z for a (B, Z) code, with sparsity weight folded in by the caller. */
function klCheck(what: string, z: Float64Array, B: number, Z: number, rho: number, tanhCode: boolean) {
  const { rhoHat } = klSparsityForward(z, B, Z, rho, tanhCode);
  const dz = klSparsityBackward(rhoHat, B, Z, rho, tanhCode);
  checkGradient(tag(what), () => klSparsityForward(z, B, Z, rho, tanhCode).value, z, dz);
  return { rhoHat, dz };
}

test('KL sparsity backward matches finite differences (tanh and sigmoid codes)', () => {
  const [B, Z] = [6, 5];
  const g = rand();
  klCheck('kl tanh dz', activationForward(g.normal(B * Z), 'tanh', 0), B, Z, 0.05, true);
  klCheck('kl sigmoid dz', activationForward(g.normal(B * Z, -1), 'sigmoid', 0), B, Z, 0.05, false);
  klCheck('kl sigmoid rho 0.3', activationForward(g.normal(B * Z), 'sigmoid', 0), B, Z, 0.3, false);
});

test('KL sparsity near and beyond the clamp edges: finite value, zero gradient outside, FD inside', () => {
  const [B, Z, rho] = [4, 5, 0.05];
  // columns: activity 0 (clamped), 1 (clamped), mean 1e-4, mean 1 − 1e-4, mid-range
  const cols = [[0, 0, 0, 0], [1, 1, 1, 1], [4e-4, 0, 0, 0], [1, 1, 1, 1 - 4e-4], [0.1, 0.3, 0.02, 0.2]];
  for (const tanhCode of [false, true]) {
    const z = new Float64Array(B * Z);
    for (let j = 0; j < Z; j++) for (let b = 0; b < B; b++) z[b * Z + j] = tanhCode ? 2 * cols[j][b] - 1 : cols[j][b];
    const { value } = klSparsityForward(z, B, Z, rho, tanhCode);
    assert.ok(Number.isFinite(value), tag(`kl value finite (${value})`));
    const { rhoHat, dz } = klCheck(`kl edges tanh=${tanhCode}`, z, B, Z, rho, tanhCode);
    assert.ok(rhoHat[0] < RHO_MIN && rhoHat[1] > RHO_MAX);
    for (let b = 0; b < B; b++) {
      assert.equal(dz[b * Z + 0], 0);
      assert.equal(dz[b * Z + 1], 0);
      assert.ok(dz[b * Z + 2] < -1 && dz[b * Z + 3] > 1, 'gradient pushes ρ̂ back towards ρ');
    }
    const edge = rho * Math.log(rho / RHO_MIN) + (1 - rho) * Math.log((1 - rho) / (1 - RHO_MIN));
    const zOnly = klSparsityForward(z.filter((_, e) => e % Z === 0), B, 1, rho, tanhCode).value;
    assert.ok(Math.abs(zOnly - edge) < 1e-12, 'ρ̂ = 0 costs exactly KL at the clamp bound');
  }
});

test('KL sparsity is 0 with zero gradient when ρ̂ = ρ', () => {
  const [B, Z, rho] = [3, 4, 0.05];
  for (const tanhCode of [false, true]) {
    const z = new Float64Array(B * Z).fill(tanhCode ? 2 * rho - 1 : rho);
    const { value, rhoHat } = klSparsityForward(z, B, Z, rho, tanhCode);
    assert.ok(Math.abs(value) < 1e-14, `value ${value}`);
    assert.ok(klSparsityBackward(rhoHat, B, Z, rho, tanhCode).every((d) => Math.abs(d) < 1e-12));
  }
});

test('adam: two steps against hand-computed values', () => {
  const opt = { beta1: 0.9, beta2: 0.999, eps: 1e-7 };
  const p = new Float64Array([1, -2]);
  const m = new Float64Array(2);
  const v = new Float64Array(2);
  adamUpdate(p, new Float64Array([0.5, -4]), m, v, 1, 0.1, opt);
  // t=1: m̂ = g, v̂ = g², so p −= lr · g/(|g| + eps)
  assert.ok(Math.abs(p[0] - (1 - (0.1 * 0.5) / (0.5 + 1e-7))) < 1e-15);
  assert.ok(Math.abs(p[1] - (-2 + (0.1 * 4) / (4 + 1e-7))) < 1e-15);
  assert.ok(Math.abs(m[0] - 0.05) < 1e-15 && Math.abs(v[0] - 0.00025) < 1e-15);
  adamUpdate(p, new Float64Array([1, 0]), m, v, 2, 0.1, opt);
  // t=2, entry 0: m = 0.145, v = 0.00124975, m̂ = 0.145/0.19, v̂ = 0.00124975/0.001999
  const step2 = (0.1 * (0.145 / 0.19)) / (Math.sqrt(0.00124975 / 0.001999) + 1e-7);
  assert.ok(Math.abs(p[0] - (1 - (0.1 * 0.5) / (0.5 + 1e-7) - step2)) < 1e-14);
  assert.throws(() => adamUpdate(p, p, m, v, 0, 0.1, opt), /1-based/);
});
