// Batched sweeps (docs/design.md "Batched sweeps"): models of one shape trained as one batch give exactly the bits
// of training them one by one on the same adapter — every epoch's metrics and the final slabs — and configs group
// by shape, with per-model seeds, sparsity weights, losses and corruptions.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { Gpu } from '../src/gpu/device.ts';
import { acquireNodeGpu } from '../src/gpu/node.ts';
import { loadData } from '../src/data/node.ts';
import { subsetSplit, type DataSplit } from '../src/data/dataset.ts';
import type { TrainConfig } from '../src/model/config.ts';
import { preset } from '../src/model/presets.ts';
import { KernelCache } from '../src/gpu/kernels.ts';
import { Trainer, limitsFor, type EpochMetrics } from '../src/train/trainer.ts';
import { batchKey, groupForBatches } from '../src/train/batch.ts';
import { DEFAULT_VARIANT } from '../src/train/kernels.ts';
import { experiment } from '../src/experiments/definitions.ts';
import { Run } from '../src/train/run.ts';
import { DivergenceError } from '../src/train/guard.ts';
import { runExperiment, type ExperimentResult } from '../src/experiments/runner.ts';

const EPOCHS = 2;
const withSettings = (cfg: TrainConfig, o: Partial<TrainConfig>): TrainConfig => ({ ...cfg, ...o, epochs: EPOCHS, batch: 64,
  schedule: { ...cfg.schedule, T: EPOCHS } });

/** Three sparse autoencoders (λ, seed), a denoising pair (σ, kind, loss), two seed models (BatchNorm, dropout: β, seed). */
function sweeps(): TrainConfig[][] {
  const l1 = preset('sae-l1', 32);
  const dae = preset('dae', 16);
  const seed = preset('seed', 16);
  return [
    [[1e-3, 1], [1e-2, 2], [1e-1, 3]].map(([w, s]) => withSettings(l1, { sparsity: { ...l1.sparsity, weight: w }, seed: s })),
    [withSettings(dae, { corruption: { kind: 'gaussian', level: 0.1 } }),
      withSettings(dae, { corruption: { kind: 'masking', level: 0.3 }, loss: 'bce', optimizer: { ...dae.optimizer, lr: 2e-3 } })],
    [withSettings(seed, { seed: 5 }), withSettings(seed, { seed: 6, sparsity: { ...seed.sparsity, weight: 1e-2 } })],
  ];
}

interface Trained { epochs: EpochMetrics[][]; slabs: Float32Array[] } // epochs[e][model]; slabs: params, state, m, v per model

async function train(gpu: Gpu, cache: KernelCache, data: DataSplit, models: TrainConfig[], kernel = DEFAULT_VARIANT): Promise<Trained> {
  const t = await Trainer.create(gpu, models[0], data, kernel, cache, { models });
  try {
    const epochs: EpochMetrics[][] = [];
    for (let e = 0; e < EPOCHS; e++) {
      t.beginEpoch();
      for (let s = 0; s < t.stepsPerEpoch; s++) t.submitSteps(s);
      epochs.push(await t.finishEpochModels());
    }
    const slabs: Float32Array[] = [];
    for (let m = 0; m < models.length; m++) {
      const s = await t.readSlabs(m);
      slabs.push(Float32Array.from([...s.params, ...s.state, ...s.m, ...s.v]));
    }
    return { epochs, slabs };
  } finally {
    t.destroy();
  }
}

describe('batched sweeps (Node/Dawn, llvmpipe)', () => {
  let gpu: Gpu;
  let data: DataSplit;
  let cache: KernelCache;
  before(async () => {
    data = await subsetSplit(await loadData('default'), 512, 256);
    gpu = await acquireNodeGpu('llvmpipe', limitsFor(preset('seed'), data, 4));
    cache = new KernelCache(gpu);
  });
  after(() => gpu?.release());

  test('a batch of models trains to the same bits as the models one by one', async () => {
    for (const group of sweeps()) {
      const batched = await train(gpu, cache, data, group);
      for (const [m, cfg] of group.entries()) {
        const alone = await train(gpu, cache, data, [cfg]);
        const what = `${group.length}-model batch, model ${m} (seed ${cfg.seed}, ${cfg.loss}, ${cfg.sparsity.kind} ${cfg.sparsity.weight}, ${cfg.corruption.kind} ${cfg.corruption.level})`;
        for (let e = 0; e < EPOCHS; e++) assert.deepStrictEqual(batched.epochs[e][m], alone.epochs[e][0], `${what}: epoch ${e + 1} metrics`);
        assert.ok(Number.isFinite(batched.epochs[EPOCHS - 1][m].test_mse), `${what}: finite`);
        assert.deepStrictEqual(new Uint32Array(batched.slabs[m].buffer), new Uint32Array(alone.slabs[0].buffer), `${what}: final slabs bitwise`);
      }
      // The models really differ: a batch that trained one model M times would fail here.
      assert.notDeepStrictEqual(batched.slabs[0], batched.slabs[1], 'the batched models differ');
    }
  });

  test('every matmul family trains a batch to the one-by-one bits (mt8x16, wt32x32)', async () => {
    const [models] = sweeps();
    for (const kernel of ['mt8x16', 'wt32x32']) {
      const batched = await train(gpu, cache, data, models, kernel);
      for (const [m, cfg] of models.entries()) {
        const alone = await train(gpu, cache, data, [cfg], kernel);
        assert.deepStrictEqual(batched.epochs.map((e) => e[m]), alone.epochs.map((e) => e[0]), `${kernel}, model ${m}: metrics`);
        assert.deepStrictEqual(new Uint32Array(batched.slabs[m].buffer), new Uint32Array(alone.slabs[0].buffer), `${kernel}, model ${m}: slabs`);
      }
    }
  });

  test('an experiment run batched gives the one-by-one results: tables, ‖J‖²_F, extra evaluations, pictures', async () => {
    // losses: three losses on one shape; noise-level: a plain ae batched with denoising ones (σ 0.1, 0.2).
    for (const name of ['losses', 'noise-level']) {
      const exp = experiment(name);
      const lines: string[] = [];
      const go = (batched: boolean) => runExperiment(gpu, data, exp, { epochs: EPOCHS, maxRuns: 3, batched, log: (l) => lines.push(l) });
      const batched = await go(true);
      assert.ok(lines.some((l) => l.startsWith('batched: 3 runs train as one model batch')), `${name}: batched (${lines.join(' | ')})`);
      const sequential = await go(false);
      const table = (r: ExperimentResult) => r.runs.map(({ epochs, ...run }) => ({ ...run, epochs: epochs.map(({ seconds: _s, ...e }) => e) }));
      assert.ok(batched.result.runs.every((r) => r.error === null && r.epochs.length === EPOCHS), `${name}: every run trained`);
      assert.ok(batched.result.runs.every((r) => r.epochs[EPOCHS - 1].jacobian_fro2 !== null), `${name}: ‖J‖²_F measured after the last epoch`);
      assert.deepStrictEqual(table(batched.result), table(sequential.result), `${name}: same table`);
      assert.deepStrictEqual(batched.pictures, sequential.pictures, `${name}: same pictures`);
    }
  });

  test('a diverging model is rolled back with its own lr halved, then stopped; the others keep the one-by-one bits', async () => {
    const good = sweeps()[0][0];
    const bad = { ...sweeps()[0][1], optimizer: { ...good.optimizer, lr: 1e4 } }; // diverges in its first epoch
    const lines: string[] = [];
    const batch = await Run.start({ gpu, hooks: { log: (l) => lines.push(l) }, cfg: good, models: [good, bad], data, kernel: DEFAULT_VARIANT, cache,
      options: { maxRollbacks: 1 } });
    const alone = await Run.start({ gpu, hooks: { log: () => {} }, cfg: good, data, kernel: DEFAULT_VARIANT, cache });
    try {
      await batch.train();
      await alone.train();
      assert.ok(batch.failures[1] instanceof DivergenceError && batch.failures[0] === null, 'the diverging model stopped, the other did not');
      assert.ok(lines.some((l) => /model 2, epoch 1: .*rolled back .* learning rate halved \(×0\.5 of the schedule\)/.test(l)), lines.join('\n'));
      assert.ok(lines.some((l) => /model 2, epoch 1: .*this model stops/.test(l)), lines.join('\n'));
      assert.deepStrictEqual(batch.trainer.lrScales, [1, 0.5], 'only the diverged model\'s rate was halved');
      const strip = (h: typeof batch.history) => h.map(({ seconds: _s, samples_per_s: _p, gflops: _g, ...row }) => row);
      assert.equal(batch.histories[1].length, 0, 'the stopped model has no good epoch');
      assert.deepStrictEqual(strip(batch.history), strip(alone.history), 'the other model: the same epochs as alone, through the rollback');
      assert.deepStrictEqual(new Uint32Array(batch.goods[0].params.buffer), new Uint32Array(alone.good.params.buffer), 'the same final parameters');
    } finally {
      batch.release();
      alone.release();
    }
  });

  test('retarget: the learning rate follows the new schedule (model 0 is cfg), and a batch refuses it', async () => {
    const [l1] = sweeps();
    const t = await Trainer.create(gpu, l1[0], data, DEFAULT_VARIANT, cache);
    const batch = await Trainer.create(gpu, l1[0], data, DEFAULT_VARIANT, cache, { models: l1 });
    try {
      assert.equal(t.lrAt(EPOCHS, 0), 0, 'past the period T = EPOCHS: rate 0');
      const longer = { ...l1[0], epochs: 2 * EPOCHS, schedule: { ...l1[0].schedule, T: 2 * EPOCHS } };
      t.retarget(longer);
      assert.ok(t.lrAt(EPOCHS, 0) > 0 && t.models[0] === longer, 'the new period drives the rate');
      assert.throws(() => batch.retarget({ ...longer, seed: l1[0].seed }), /a batched trainer keeps its configs/);
    } finally {
      t.destroy();
      batch.destroy();
    }
  });

  test('configs group by shape; seeds, λ, σ, loss and lr may differ; contractive runs train alone', () => {
    const [l1, dae, seed] = sweeps();
    const cae = { ...l1[0], contractive: 0.1 };
    const wider = preset('sae-l1', 64);
    const { groups, alone } = groupForBatches([...l1, ...dae, cae, wider, ...seed], (c) => c);
    assert.deepStrictEqual(groups, [l1, dae, seed]);
    assert.deepStrictEqual(alone, [cae, wider]);
    assert.equal(batchKey(cae), null);
    const chunks = groupForBatches(Array.from({ length: 5 }, (_, s) => ({ ...l1[0], seed: s })), (c) => c, 2);
    assert.deepStrictEqual(chunks.groups.map((g) => g.length), [2, 2]);
    assert.equal(chunks.alone.length, 1);
  });

  test('npm run experiment --batched (the default) and --sequential write the same results; both flags at once are refused', async () => {
    const run = promisify(execFile);
    const dir = mkdtempSync(join(tmpdir(), 'batched-cli-'));
    const cli = (...flags: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli/experiment.ts', 'losses', '--runs', '2', '--epochs', '1',
      '--subset', '256/128', '--adapter', 'llvmpipe', '--out', join(dir, flags.join('') || 'default'), ...flags], { timeout: 300_000 });
    const batched = await cli();
    assert.match(batched.stdout, /^batched: 2 runs train as one model batch$/m);
    const sequential = await cli('--sequential');
    assert.doesNotMatch(sequential.stdout, /^batched:/m);
    assert.equal(readFileSync(join(dir, 'default', 'results.csv'), 'utf8'), readFileSync(join(dir, '--sequential', 'results.csv'), 'utf8'));
    await assert.rejects(cli('--batched', '--sequential'), (e: { stderr: string }) => /--batched and --sequential exclude each other/.test(e.stderr));
  });
});
