// The whole-model float64 reference: finite-difference gradients wrt every parameter tensor with dropout
// active, running-stat updates, evaluation mode, and the Adam training step. REF_TEST_SEED reproduces a run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultTrainConfig, seedModel } from '../src/model/config.ts';
import type { ModelConfig, TrainConfig } from '../src/model/config.ts';
import { DEFAULT_LEAKY_ALPHA } from '../src/ref/activation.ts';
import { batchNormEval } from '../src/ref/norm.ts';
import { checkGradient, TestRandom } from '../src/ref/check.ts';
import { denseForward } from '../src/ref/dense.ts';
import { dropoutForward, dropoutMask } from '../src/ref/dropout.ts';
import { refAdamStep, refForwardBackward, refParamShapes, refPlan, refTrainStep } from '../src/ref/model.ts';
import type { ParamMap } from '../src/ref/model.ts';
import { randomParams } from './support/ref-params.ts';

const SEED = Number(process.env.REF_TEST_SEED ?? Math.floor(Math.random() * 2 ** 32));
console.log(`ref-model.test.ts seed ${SEED} (REF_TEST_SEED=${SEED} to reproduce)`);
const tag = (what: string) => `${what} (seed ${SEED})`;
let stream = 100;
const rand = () => new TestRandom(SEED, stream++);

const [D, H, Z, B, STEP] = [12, 8, 4, 6, 7];

function smallSeedConfig(dropout = 0.2, klWeight = 0.5): TrainConfig {
  const cfg = defaultTrainConfig(seedModel(H, Z, dropout, D));
  cfg.sparsity.weight = klWeight; // large enough that the KL path shows in the gradients
  cfg.seed = SEED;
  return cfg;
}

/**
 * FD-checks ~30 entries of every gradient, and that no gradient vanishes except: `zero`, which must (a bias
 * straight into batchnorm), and `free` (a bias into leaky_relu into batchnorm vanishes whenever no unit's
 * pre-activations change sign across the batch, since leaky_relu is then affine and BN removes the shift).
 */
function gradCheckModel(
  what: string, cfg: TrainConfig, params: ParamMap, x: Float64Array, g: TestRandom,
  { zero = [], free = [] }: { zero?: string[]; free?: string[] } = {},
) {
  const r = refForwardBackward(cfg, params, x, B, STEP, true);
  const trainable = [...refParamShapes(cfg.model).keys()].filter((n) => !n.includes('running'));
  assert.deepEqual([...r.grads.keys()].sort(), trainable.sort());
  const loss = () => refForwardBackward(cfg, params, x, B, STEP, true).loss;
  for (const [name, grad] of r.grads) {
    const p = params.get(name)!;
    checkGradient(tag(`${what} ${name}`), loss, p, grad, g.sample(p.length, 30));
    const vanishes = grad.every((v) => Math.abs(v) < 1e-12);
    if (free.includes(name)) continue;
    assert.equal(vanishes, zero.includes(name), tag(`${what} ${name}: gradient vanishes = ${vanishes}`));
  }
}

test('refPlan walks the seed model as fused dense ops with PyTorch names and dropout layer ids', () => {
  const plan = refPlan(seedModel(H, Z, 0.2, D));
  const ops = plan.ops.map((o) => {
    if (o.kind === 'dropout') return `dropout@${o.layer}`;
    return o.kind === 'dense' ? `${o.name}:${o.fn}` : o.kind === 'batchnorm' ? o.name : o.fn;
  });
  assert.deepEqual(ops, ['encoder.0:leaky_relu', 'encoder.2', 'dropout@3', 'encoder.4:tanh',
    'decoder.0:leaky_relu', 'decoder.2', 'dropout@9', 'decoder.4:sigmoid']);
  assert.equal(plan.codeOp, 3);
  assert.equal(plan.codeDim, Z);
  assert.equal(plan.tanhCode, true);
  const shapes = refParamShapes(seedModel(H, Z, 0.2, D));
  assert.deepEqual(shapes.get('encoder.0.weight'), [H, D]);
  assert.deepEqual(shapes.get('encoder.4.weight'), [Z, H]);
  assert.deepEqual(shapes.get('decoder.2.running_var'), [H]);
  assert.deepEqual(shapes.get('decoder.4.bias'), [D]);
  assert.equal(shapes.size, 16);
  assert.throws(() => refPlan({ inputDim: 5, encoder: [{ kind: 'linear', units: 3 }], decoder: [] }), /inputDim/);
});

test('seed model gradient wrt every parameter tensor matches finite differences (dropout active)', () => {
  const g = rand();
  const cfg = smallSeedConfig();
  const x = g.uniform(B * D);
  const free = ['encoder.0.bias', 'decoder.0.bias'];
  gradCheckModel('seed model', cfg, randomParams(cfg.model, g), x, g, { free });
  // the masks are rngUniform(seed, step, L, b·H + f) with L = 3 and 9, the indices in [...encoder, ...decoder]
  const acts = refForwardBackward(cfg, randomParams(cfg.model, g), x, B, STEP, true).activations;
  assert.deepEqual(acts[2], dropoutForward(acts[1], dropoutMask(SEED, STEP, 3, B, H, 0.2)));
  assert.deepEqual(acts[6], dropoutForward(acts[5], dropoutMask(SEED, STEP, 9, B, H, 0.2)));
  assert.ok(acts[2].some((v) => v === 0), 'the dropout mask drops something at this step');
});

test('other stacks: standalone activation after batchnorm, bare linear, default alpha, sigmoid code', () => {
  const model: ModelConfig = {
    inputDim: D,
    encoder: [{ kind: 'linear', units: H }, { kind: 'batchnorm' }, { kind: 'activation', fn: 'relu' },
      { kind: 'linear', units: Z }, { kind: 'activation', fn: 'sigmoid' }],
    decoder: [{ kind: 'linear', units: 6 }, { kind: 'linear', units: H }, { kind: 'activation', fn: 'leaky_relu' },
      { kind: 'dropout', p: 0.1 }, { kind: 'linear', units: D }, { kind: 'activation', fn: 'sigmoid' }],
  };
  const plan = refPlan(model);
  assert.equal(plan.tanhCode, false);
  const leaky = plan.ops[5];
  assert.ok(leaky.kind === 'dense' && leaky.fn === 'leaky_relu' && leaky.alpha === DEFAULT_LEAKY_ALPHA);
  assert.deepEqual(plan.ops.map((o) => o.kind),
    ['dense', 'batchnorm', 'activation', 'dense', 'dense', 'dense', 'dropout', 'dense']);
  const g = rand();
  const cfg = defaultTrainConfig(model);
  cfg.sparsity = { kind: 'kl', weight: 0.3, rho: 0.1 };
  cfg.seed = SEED;
  gradCheckModel('mixed stack', cfg, randomParams(model, g), g.uniform(B * D), g, { zero: ['encoder.0.bias'] });
  cfg.sparsity.kind = 'none';
  const r = refForwardBackward(cfg, randomParams(model, g), g.uniform(B * D), B, STEP, true);
  assert.equal(r.kl, 0);
  assert.equal(r.loss, r.mse);
});

test('training forward updates running stats from the batch (momentum 0.01, unbiased variance)', () => {
  const g = rand();
  const cfg = smallSeedConfig();
  const params = randomParams(cfg.model, g);
  const r = refForwardBackward(cfg, params, g.uniform(B * D), B, STEP, true);
  const h = r.activations[0]; // (B, H): the input of encoder.2
  for (let f = 0; f < H; f++) {
    let mu = 0;
    for (let b = 0; b < B; b++) mu += h[b * H + f] / B;
    let ss = 0;
    for (let b = 0; b < B; b++) ss += (h[b * H + f] - mu) ** 2;
    const rm = 0.99 * params.get('encoder.2.running_mean')![f] + 0.01 * mu;
    const rv = 0.99 * params.get('encoder.2.running_var')![f] + 0.01 * (ss / (B - 1));
    assert.ok(Math.abs(r.running.get('encoder.2.running_mean')![f] - rm) < 1e-14);
    assert.ok(Math.abs(r.running.get('encoder.2.running_var')![f] - rv) < 1e-14);
  }
  assert.equal(r.running.size, 4);
});

test('evaluation uses running stats and no dropout, returns no gradients and unchanged running stats', () => {
  const g = rand();
  const cfg = smallSeedConfig();
  const params = randomParams(cfg.model, g);
  const x = g.uniform(B * D);
  const ev = refForwardBackward(cfg, params, x, B, STEP, false);
  assert.equal(ev.grads.size, 0);
  for (const [name, v] of ev.running) assert.deepEqual(v, params.get(name));
  assert.deepEqual(ev.output, refForwardBackward(cfg, params, x, B, STEP + 1, false).output);
  const P = (n: string) => params.get(n)!;
  const bn = (h: Float64Array, n: string) =>
    batchNormEval(h, P(`${n}.weight`), P(`${n}.bias`), P(`${n}.running_mean`), P(`${n}.running_var`), B, H, 1e-3);
  let h = denseForward(x, P('encoder.0.weight'), P('encoder.0.bias'), B, D, H, 'leaky_relu', 0.1);
  h = denseForward(bn(h, 'encoder.2'), P('encoder.4.weight'), P('encoder.4.bias'), B, H, Z, 'tanh', 0);
  assert.deepEqual(ev.code, h);
  h = denseForward(h, P('decoder.0.weight'), P('decoder.0.bias'), B, Z, H, 'leaky_relu', 0.1);
  h = denseForward(bn(h, 'decoder.2'), P('decoder.4.weight'), P('decoder.4.bias'), B, H, D, 'sigmoid', 0);
  assert.deepEqual(ev.output, h);
  const tr = refForwardBackward(cfg, params, x, B, STEP, true);
  assert.notDeepEqual(tr.output, ev.output);
});

test('refTrainStep = forward/backward + Adam (t = step + 1) + running stats written back', () => {
  const g = rand();
  const cfg = smallSeedConfig();
  const params = randomParams(cfg.model, g);
  const x = g.uniform(B * D);
  const expected: ParamMap = new Map([...params].map(([n, v]) => [n, v.slice()]));
  const r = refForwardBackward(cfg, expected, x, B, 4, true);
  refAdamStep(expected, r.grads, new Map(), new Map(), 5, 1e-2, cfg.optimizer);
  for (const [n, v] of r.running) expected.get(n)!.set(v);
  const [m, v] = [new Map(), new Map()];
  const terms = refTrainStep(cfg, params, m, v, x, B, 4, 1e-2);
  assert.deepEqual(terms, { loss: r.loss, recon: r.recon, mse: r.mse, sparsity: r.sparsity, kl: r.kl, jacobian: r.jacobian });
  assert.deepEqual(params, expected);
  assert.equal(m.size, r.grads.size);
  assert.throws(() => refTrainStep(cfg, params, m, v, x.subarray(1), B, 4, 1e-2), /x has/);
});

test('refTrainStep lowers the loss on a fixed batch (no dropout)', () => {
  const g = rand();
  const cfg = smallSeedConfig(0, 1e-3);
  const params = randomParams(cfg.model, g);
  const x = g.uniform(B * D);
  const [m, v] = [new Map(), new Map()];
  const first = refTrainStep(cfg, params, m, v, x, B, 0, 1e-2).loss;
  let last = first;
  for (let s = 1; s < 100; s++) last = refTrainStep(cfg, params, m, v, x, B, s, 1e-2).loss;
  assert.ok(last < 0.5 * first, tag(`loss ${first} → ${last}`));
});
