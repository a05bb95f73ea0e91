// The ‖J‖²_F diagnostic never refuses a run (issue 14, item 3): with λ = 0 it is measured exactly when the Jacobian
// rows fit the device, from as many random projections as fit when they do not, and not at all when asked not to;
// with λ > 0 a penalty too large says which batch or projection count fits, never "a batch of at most 0".
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Gpu } from '../src/gpu/device.ts';
import { acquireNodeGpu } from '../src/gpu/node.ts';
import { loadData } from '../src/data/node.ts';
import { subsetSplit, type DataSplit } from '../src/data/dataset.ts';
import { defaultTrainConfig, seedModel } from '../src/model/config.ts';
import { buildPlan } from '../src/model/plan.ts';
import { preset } from '../src/model/presets.ts';
import { fitProblems, jacobianMetricPlan } from '../src/train/fit.ts';
import { Trainer } from '../src/train/trainer.ts';

const MiB128 = 2 ** 27; // llvmpipe's maxStorageBufferBindingSize and WebGPU's default
const limits = { maxStorageBufferBindingSize: MiB128, maxBufferSize: 2 ** 28 };

describe('planning the measurement (no device)', () => {
  test('the models the issue names get a measurement that fits, not a refusal', async () => {
    const data = await loadData('default');
    const cases = [
      ['--latent 512', defaultTrainConfig(seedModel(256, 512))],
      ['--preset sae-l1 --latent 1024', preset('sae-l1', 1024)],
      ['--hidden 4096 --latent 128', defaultTrainConfig(seedModel(4096, 128))],
    ] as const;
    for (const [flags, cfg] of cases) {
      assert.deepEqual(fitProblems(cfg, data, limits), [], `${flags}: fits`);
      const m = jacobianMetricPlan(buildPlan(cfg.model), cfg.batch, MiB128);
      assert.ok(m.samples !== null && m.samples >= 1, `${flags}: measured (${m.note})`);
      assert.match(m.note!, /estimated from \d+ random projections per sample/);
    }
    assert.deepEqual(jacobianMetricPlan(buildPlan(seedModel(64, 16)), 256, MiB128), { samples: 0, note: null }, 'exact when it fits');
    const huge = jacobianMetricPlan(buildPlan(seedModel(8192, 16)), 256, MiB128);
    assert.equal(huge.samples, null, 'skipped, with a note, when even H×H does not fit');
    assert.match(huge.note!, /not measured/);
  });

  test('with the penalty on, the advice names a batch or a projection count that fits', async () => {
    const data = await loadData('default');
    const cfg = { ...defaultTrainConfig(seedModel(256, 16384)), batch: 2, contractive: 0.1 };
    const [problem] = fitProblems(cfg, data, { maxStorageBufferBindingSize: MiB128, maxBufferSize: 2 ** 34 });
    assert.doesNotMatch(problem, /at most 0/);
    assert.match(problem, /contractive penalty needs 2×16384 Jacobian rows of 16384 floats .*: use --contractive-samples 64 \(an unbiased estimate from random projections; at most 1024 fit\)/);
    const wide = fitProblems({ ...defaultTrainConfig(seedModel(256, 512)), contractive: 0.1 }, data, limits);
    assert.match(wide[0], /use a batch of at most 128, or --contractive-samples 64/);
  });
});

describe('measuring on llvmpipe', () => {
  let gpu: Gpu;
  let data: DataSplit;
  before(async () => {
    data = await subsetSplit(await loadData('default'), 512, 96);
    gpu = await acquireNodeGpu('llvmpipe');
  });
  after(() => gpu?.release());

  test('--latent 512: projected where the exact rows do not fit, close to the exact value; off when not asked for', async () => {
    const cfg = { ...defaultTrainConfig(seedModel(64, 512)), epochs: 1 };
    const exact = await Trainer.create(gpu, { ...cfg, batch: 32 }, data, 'rb8x8', undefined, { jacobianMetric: 'last' });
    const projected = await Trainer.create(gpu, cfg, data, 'rb8x8', undefined, { jacobianMetric: 'last' });
    assert.deepEqual(exact.notes, []);
    assert.match(projected.notes[0], /estimated from 256 random projections per sample: the exact 256×512 rows/);
    // Untrained, in evaluation mode: both see the same weights and running statistics.
    const [a, b] = [await exact.finishEpoch({ jacobian: true }), await projected.finishEpoch({ jacobian: true })];
    assert.ok(a.jacobian_fro2! > 0 && Math.abs(b.jacobian_fro2! - a.jacobian_fro2!) < 0.05 * a.jacobian_fro2!,
      `projected ${b.jacobian_fro2} vs exact ${a.jacobian_fro2}`);
    console.log(`    ‖J‖²_F at init, 96 test images: exact ${a.jacobian_fro2!.toPrecision(5)}, 256 projections ${b.jacobian_fro2!.toPrecision(5)}`);
    const off = await Trainer.create(gpu, cfg, data, 'rb8x8'); // the default: not measured when λ = 0
    assert.equal(off.graph.jacobian, null);
    assert.equal((await off.finishEpoch()).jacobian_fro2, null, 'the last epoch measures nothing when not asked');
    for (const t of [exact, projected, off]) t.destroy();
  });
});
