// The contractive penalty's float64 reference: J built column by column agrees with finite differences of the
// encoder, and the gradient of the whole loss with λ·mean‖J‖²_F agrees with finite differences for stacks with
// sigmoid/tanh (second-order terms), a standalone activation, BatchNorm (statistics held constant inside J, as
// the engine defines it) and dropout. REF_TEST_SEED reproduces a run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultTrainConfig, seedModel, type LayerSpec, type ModelConfig, type TrainConfig } from '../src/model/config.ts';
import { centralDiff, checkGradient, TestRandom } from '../src/ref/check.ts';
import { jacobianByColumns, projection, refContractive } from '../src/ref/contractive.ts';
import { encoderTrace, refForwardBackward, refPlan, type ParamMap } from '../src/ref/model.ts';
import { randomParams } from './support/ref-params.ts';

const SEED = Number(process.env.REF_TEST_SEED ?? Math.floor(Math.random() * 2 ** 32));
console.log(`ref-contractive.test.ts seed ${SEED} (REF_TEST_SEED=${SEED} to reproduce)`);
const tag = (what: string) => `${what} (seed ${SEED})`;
let stream = 300;
const rand = () => new TestRandom(SEED, stream++);
const [D, B, STEP] = [10, 5, 3];

const lin = (units: number): LayerSpec => ({ kind: 'linear', units });
const act = (fn: 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'identity', alpha?: number): LayerSpec => ({ kind: 'activation', fn, alpha });

const stacks: Record<string, ModelConfig> = {
  // cae-like: sigmoid everywhere (second-order terms at every level)
  sigmoid: { inputDim: D, encoder: [lin(7), act('sigmoid'), lin(5), act('sigmoid'), lin(3), act('sigmoid')],
    decoder: [lin(6), act('relu'), lin(D), act('sigmoid')] },
  // a standalone tanh after BatchNorm, dropout in front of the code layer
  standalone: { inputDim: D, encoder: [lin(6), { kind: 'batchnorm' }, act('tanh'), { kind: 'dropout', p: 0.3 }, lin(4), act('tanh')],
    decoder: [lin(D), act('sigmoid')] },
  seed: seedModel(6, 3, 0.25, D),
};

function config(model: ModelConfig, lambda: number, samples = 0): TrainConfig {
  const cfg = defaultTrainConfig(model);
  cfg.contractive = lambda;
  cfg.contractiveSamples = samples;
  cfg.sparsity = { kind: 'none', weight: 0, rho: 0.05 };
  cfg.seed = SEED;
  return cfg;
}

/** The encoder's code for a batch, as a function of the input (BatchNorm in evaluation: constant statistics). */
function code(cfg: TrainConfig, params: ParamMap, x: Float64Array, training: boolean): Float64Array {
  const r = refForwardBackward(cfg, params, x, B, STEP, training, { width: D, height: 1, corrupt: false });
  return r.code;
}

for (const [name, model] of Object.entries(stacks)) {
  const hasBn = model.encoder.some((l) => l.kind === 'batchnorm');
  test(`contractive reference (${name}): J by columns equals finite differences of the encoder`, () => {
    const g = rand();
    const cfg = config(model, 0);
    const params = randomParams(model, g);
    const x = g.uniform(B * D, 0, 1);
    // Training mode moves BatchNorm's statistics with the input, which J holds constant: compare in evaluation
    // there; elsewhere in training (dropout masks are fixed by the step).
    const training = !hasBn;
    const plan = refPlan(model);
    const r = refForwardBackward(cfg, params, x, B, STEP, training, { width: D, height: 1, corrupt: false }, { jacobian: true });
    const Z = plan.codeDim;
    let total = 0;
    for (let b = 0; b < B; b++) {
      const { J } = jacobianByColumns(encoderTrace(plan, params, r.activations, [], D, false, cfg.batchNorm.eps), b);
      if (training) continue;
      for (let z = 0; z < Z; z++) for (let d = 0; d < D; d++) {
        const fd = centralDiff(() => code(cfg, params, x, false)[b * Z + z], x, b * D + d);
        assert.ok(Math.abs(fd - J[z * D + d]) <= 1e-7 + 1e-5 * Math.abs(fd), tag(`J[${b}][${z}][${d}] = ${J[z * D + d]}, finite difference ${fd}`));
      }
      for (const v of J) total += v * v;
    }
    if (training) {
      // With dropout: per-sample finite differences of the training-mode code (masks are per element and step).
      for (let b = 0; b < B; b++) {
        let s = 0;
        for (let z = 0; z < Z; z++) for (let d = 0; d < D; d++) {
          const fd = centralDiff(() => code(cfg, params, x, true)[b * Z + z], x, b * D + d);
          s += fd * fd;
        }
        assert.ok(Math.abs(s - r.jacobianPerSample![b]) <= 1e-7 + 1e-5 * s, tag(`‖J_${b}‖² = ${r.jacobianPerSample![b]}, finite differences ${s}`));
      }
    } else {
      assert.ok(Math.abs(total / B - r.jacobian) <= 1e-9 * Math.max(1, total), tag('mean ‖J‖² matches the columns'));
    }
  });

  for (const samples of [0, 2]) test(`contractive reference (${name}, ${samples ? `${samples} projections` : 'exact'}): gradient of recon + λ·mean‖J‖² equals finite differences`, () => {
    const g = rand();
    const cfg = config(model, 0.7, samples);
    const params = randomParams(model, g);
    const x = g.uniform(B * D, 0, 1);
    const image = { width: D, height: 1, corrupt: false };
    const r = refForwardBackward(cfg, params, x, B, STEP, true, image);
    assert.ok(r.jacobian > 0);
    // BatchNorm statistics are constants inside J: hold them at this point's values while differencing.
    const plan = refPlan(model);
    const frozen = new Map<string, Float64Array>();
    plan.ops.slice(0, plan.codeOp + 1).forEach((op, l) => {
      if (op.kind !== 'batchnorm') return;
      const a = l === 0 ? x : r.activations[l - 1];
      const inv = new Float64Array(op.width);
      for (let f = 0; f < op.width; f++) {
        let m = 0; let v = 0;
        for (let b = 0; b < B; b++) m += a[b * op.width + f] / B;
        for (let b = 0; b < B; b++) v += (a[b * op.width + f] - m) ** 2 / B;
        inv[f] = 1 / Math.sqrt(v + cfg.batchNorm.eps);
      }
      frozen.set(op.name, inv);
    });
    const loss = () => refForwardBackward(cfg, params, x, B, STEP, true, image, { frozenInvStd: frozen }).loss;
    const without = refForwardBackward(config(model, 0), params, x, B, STEP, true, image);
    let differs = 0;
    for (const [pname, grad] of r.grads) {
      checkGradient(tag(`${name} ${pname}`), loss, params.get(pname)!, grad, g.sample(grad.length, 25));
      const base = without.grads.get(pname)!;
      if (grad.some((v, i) => Math.abs(v - base[i]) > 1e-9)) differs++;
    }
    assert.ok(differs >= 3, tag(`the penalty changes ${differs} gradient tensors`));
  });
}

test('contractive reference: the projection estimate is unbiased, with variance (2/P)(‖JJᵀ‖²_F − Σ_z (JJᵀ)_zz²)', () => {
  const g = rand();
  const model = stacks.sigmoid;
  const cfg = config(model, 0);
  const params = randomParams(model, g);
  const x = g.uniform(B * D, 0, 1);
  const plan = refPlan(model);
  const r = refForwardBackward(cfg, params, x, B, STEP, false, { width: D, height: 1, corrupt: false }, { jacobian: true });
  const trace = encoderTrace(plan, params, r.activations, [], D, false, cfg.batchNorm.eps);
  const P = 2;
  const N = 4000;
  for (let b = 0; b < B; b++) {
    const { J, Z } = jacobianByColumns(trace, b);
    const A = new Float64Array(Z * Z); // JJᵀ
    for (let i = 0; i < Z; i++) for (let j = 0; j < Z; j++) for (let d = 0; d < D; d++) A[i * Z + j] += J[i * D + d] * J[j * D + d];
    let fro = 0; let diag = 0;
    for (let i = 0; i < Z; i++) { diag += A[i * Z + i] ** 2; for (let j = 0; j < Z; j++) fro += A[i * Z + j] ** 2; }
    const variance = (2 / P) * (fro - diag);
    let sum = 0; let sq = 0;
    for (let step = 0; step < N; step++) {
      const e = refContractive(trace, B, 0, false, { P, seed: SEED, step }).perSample[b];
      sum += e; sq += e * e;
    }
    const mean = sum / N;
    const empirical = sq / N - mean * mean;
    const exact = r.jacobianPerSample![b];
    assert.ok(Math.abs(mean - exact) <= 5 * Math.sqrt(variance / N) + 1e-12, tag(`sample ${b}: mean estimate ${mean} vs exact ${exact} (σ/√N ${Math.sqrt(variance / N)})`));
    assert.ok(Math.abs(empirical - variance) <= 0.25 * variance + 1e-15, tag(`sample ${b}: variance ${empirical} vs formula ${variance}`));
    assert.equal(projection(SEED, 0, b, P, Z).length, P * Z);
  }
});
