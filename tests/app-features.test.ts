// The page's CPU decoder (learned-feature pictures) against the float64 reference model in evaluation mode: decoding
// the reference's own code must give the reference's output, for models with BatchNorm, dropout and tanh/ReLU codes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, decoderBasis, featureDirections, inactiveCode, meanActivity, meanCode } from '../src/viz/features.ts';
import { lastTestBatch } from '../src/train/snapshot.ts';
import { initBuffers, initParams, unpackTensor } from '../src/model/init.ts';
import { buildPlan, pad4 } from '../src/model/plan.ts';
import { preset } from '../src/model/presets.ts';
import { CounterStream } from '../src/model/rng.ts';
import { refForwardBackward, type ParamMap } from '../src/ref/model.ts';

for (const name of ['seed', 'ae', 'sae-l1'] as const) {
  test(`decode() matches the reference decoder (${name})`, () => {
    const cfg = preset(name, 12, 36);
    cfg.model.encoder = cfg.model.encoder.map((l) => (l.kind === 'linear' && l.units === 256 ? { kind: 'linear', units: 20 } : l));
    cfg.model.decoder = cfg.model.decoder.map((l) => (l.kind === 'linear' && l.units === 256 ? { kind: 'linear', units: 20 } : l));
    const plan = buildPlan(cfg.model);
    const rng = new CounterStream(7, 0, 0);
    const params = initParams(plan, 3);
    const state = initBuffers(plan);
    // Non-trivial BatchNorm: γ, β and running statistics away from their initial values.
    for (const op of plan.ops) {
      if (op.kind !== 'batchnorm') continue;
      for (let f = 0; f < op.f; f++) {
        params[op.gamma.offset + f] = 0.5 + rng.nextUniform();
        params[op.beta.offset + f] = rng.nextUniform() - 0.5;
        state[op.runningMean.offset + f] = rng.nextUniform() - 0.5;
        state[op.runningVar.offset + f] = 0.2 + rng.nextUniform();
      }
    }
    const map: ParamMap = new Map();
    for (const t of plan.params) map.set(t.name, Float64Array.from(unpackTensor(params, t)));
    for (const t of plan.buffers) map.set(t.name, Float64Array.from(unpackTensor(state, t)));
    const B = 5;
    const x = Float64Array.from({ length: B * 36 }, () => rng.nextUniform());
    const ref = refForwardBackward(cfg, map, x, B, 0, false);
    const out = decode(plan, params, state, ref.code, B, cfg.batchNorm.eps);
    assert.equal(out.length, ref.output.length);
    for (let i = 0; i < out.length; i++) assert.ok(Math.abs(out[i] - ref.output[i]) <= 1e-9 + 1e-9 * Math.abs(ref.output[i]), `output ${i}: ${out[i]} vs ${ref.output[i]}`);
    const basis = decoderBasis(plan, params, state, cfg.batchNorm.eps);
    assert.equal(basis.units, 12);
    const e3 = new Float64Array(12);
    e3[3] = 1;
    assert.deepEqual(basis.images.subarray(3 * 36, 4 * 36), decode(plan, params, state, e3, 1, cfg.batchNorm.eps));
    // Mean activity reads the padded (rows, pad4(Z)) layout of a GPU code buffer.
    const padded = new Float32Array(B * pad4(12));
    for (let r = 0; r < B; r++) for (let j = 0; j < 12; j++) padded[r * pad4(12) + j] = ref.code[r * 12 + j];
    const mean = meanActivity(plan, padded, B);
    for (let j = 0; j < 12; j++) assert.ok(Math.abs(mean[j] - ref.rhoHat[j]) < 1e-6, `ρ̂_${j}: ${mean[j]} vs ${ref.rhoHat[j]}`);
  });
}

test('the displayed test batch is the last evaluation batch', () => {
  assert.deepEqual(lastTestBatch(2004, 256), { first: 1792, rows: 212 });
  assert.deepEqual(lastTestBatch(2048, 256), { first: 1792, rows: 256 });
  assert.deepEqual(lastTestBatch(10, 64), { first: 0, rows: 10 });
});

for (const name of ['seed', 'sae-l1'] as const) {
  test(`featureDirections is decoder(b with unit j on) − decoder(b) from the all-inactive code (${name})`, () => {
    const cfg = preset(name, 6, 16);
    const plan = buildPlan(cfg.model);
    const params = initParams(plan, 5);
    const state = initBuffers(plan);
    const eps = cfg.batchNorm.eps;
    const base = inactiveCode(plan);
    assert.deepEqual([...base], new Array(6).fill(plan.codeActivation.kind === 'tanh' ? -1 : 0));
    const { units, images } = featureDirections(plan, params, state, eps, base);
    assert.equal(units, 6);
    const zero = decode(plan, params, state, base, 1, eps);
    for (const j of [0, 3, 5]) {
      const on = Float64Array.from(base);
      on[j] = plan.codeActivation.kind === 'tanh' ? 1 : base[j] + 1;
      const full = decode(plan, params, state, on, 1, eps);
      for (let p = 0; p < 16; p++) assert.ok(Math.abs(images[j * 16 + p] - (full[p] - zero[p])) < 1e-12, `unit ${j} pixel ${p}`);
    }
    // The mean-code baseline: the mean of padded (rows, pad4(Z)) code rows.
    const rows = new Float32Array(2 * pad4(6));
    rows.set([1, 2, 3, 4, 5, 6], 0);
    rows.set([3, 2, 1, 0, -1, -2], pad4(6));
    assert.deepEqual([...meanCode(plan, rows, 2)], [2, 2, 2, 2, 2, 2]);
  });
}
