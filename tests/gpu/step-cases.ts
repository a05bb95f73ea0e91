// Whole training steps on the GPU against the float64 reference (dropout masks, BatchNorm batch and running
// statistics, KL sparsity, Adam), evaluation mode against the reference's, and bitwise determinism.
import type { Gpu } from '../../src/gpu/device.ts';
import { readBuffer } from '../../src/gpu/readback.ts';
import type { DataSplit, ImageSet } from '../../src/data/dataset.ts';
import { epochPermutation } from '../../src/data/shuffle.ts';
import { defaultTrainConfig, seedModel, type TrainConfig } from '../../src/model/config.ts';
import { unpackTensor } from '../../src/model/init.ts';
import type { Plan } from '../../src/model/plan.ts';
import { TestRandom } from '../../src/ref/check.ts';
import { refForwardBackward, refTrainStep, type ParamMap } from '../../src/ref/model.ts';
import { Trainer } from '../../src/train/trainer.ts';
import { METRIC_RECORDS } from '../../src/train/uniforms.ts';
import { expectClose } from './harness.ts';

export function syntheticSplit(seed: number, train: number, test: number, rows: number, cols: number): DataSplit {
  const r = new TestRandom(seed, 9);
  const set = (count: number): ImageSet => ({ count, rows, cols, labels: null,
    images: Uint8Array.from(r.uniform(count * rows * cols), (v) => Math.floor(v * 256)) });
  return { name: 'synthetic', train: set(train), test: set(test), sha256: '0'.repeat(64) };
}

function smallConfig(seed: number, D: number): TrainConfig {
  const cfg = defaultTrainConfig(seedModel(9, 6, 0.25, D));
  Object.assign(cfg, { batch: 13, seed, epochs: 2 });
  cfg.sparsity.weight = 0.05; // large enough that the KL gradient matters
  cfg.optimizer.lr = 3e-3;
  return cfg;
}

const toMap = (plan: Plan, slab: Float32Array, state: Float32Array, which: 'params' | 'all'): ParamMap => {
  const m: ParamMap = new Map();
  for (const t of plan.params) m.set(t.name, Float64Array.from(unpackTensor(slab, t)));
  if (which === 'all') for (const t of plan.buffers) m.set(t.name, Float64Array.from(unpackTensor(state, t)));
  return m;
};

function batchOf(set: ImageSet, order: ArrayLike<number>, start: number, rows: number): Float64Array {
  const D = set.rows * set.cols;
  const x = new Float64Array(rows * D);
  for (let b = 0; b < rows; b++) for (let j = 0; j < D; j++) x[b * D + j] = set.images[order[start + b] * D + j] / 255;
  return x;
}

/** Each step starts the reference from the GPU's exact state, so every step is compared without drift. */
async function trainingSteps(gpu: Gpu, seed: number): Promise<void> {
  const D = 15; // 3×5 pixels: not a multiple of 4
  const data = syntheticSplit(seed, 45, 11, 3, 5);
  const cfg = smallConfig(seed, D);
  const tr = await Trainer.create(gpu, cfg, data);
  try {
    tr.beginEpoch();
    const order = epochPermutation(data.train.count, seed, 0);
    for (let i = 0; i < tr.stepsPerEpoch; i++) {
      const before = await tr.readSlabs();
      const params = toMap(tr.plan, before.params, before.state, 'all');
      const m = toMap(tr.plan, before.m, before.state, 'params');
      const v = toMap(tr.plan, before.v, before.state, 'params');
      const rows = Math.min(cfg.batch, data.train.count - i * cfg.batch);
      const x = batchOf(data.train, order, i * cfg.batch, rows);
      const lr = tr.lrAt(0, i);
      const grads = refForwardBackward(cfg, new Map([...params].map(([k, a]) => [k, a.slice()])), x, rows, tr.globalStep, true).grads;
      const ref = refTrainStep(cfg, params, m, v, x, rows, tr.globalStep, lr);
      tr.submitSteps(i);
      const after = await tr.readSlabs();
      const metrics = new Float32Array(await readBuffer(gpu.device, tr.graph.metrics));
      const rec = metrics.subarray(METRIC_RECORDS + 4 * i, METRIC_RECORDS + 4 * i + 4);
      expectClose(`step ${i} loss terms [loss, mse, kl]`, rec.subarray(0, 3), [ref.loss, ref.mse, ref.kl], seed, 1e-6, 1e-4);
      const gpuGrads = toMap(tr.plan, after.grads, after.state, 'params');
      for (const [name, g] of grads) {
        const scale = g.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
        expectClose(`step ${i} gradient ${name}`, gpuGrads.get(name)!, g, seed, 1e-4 * scale + 1e-7, 1e-3);
      }
      // Adam turns a gradient that is zero up to rounding into a full ±lr step, so those entries are exempt
      // (e.g. the bias of a layer followed by BatchNorm, whose true gradient is exactly zero).
      const gpuParams = toMap(tr.plan, after.params, after.state, 'all');
      const globalScale = Math.max(...[...grads.values()].map((g) => g.reduce((a, b) => Math.max(a, Math.abs(b)), 0)));
      for (const [name, p] of params) {
        const g = grads.get(name);
        const scale = g ? g.reduce((a, b) => Math.max(a, Math.abs(b)), 0) : 0;
        const got = gpuParams.get(name)!;
        const tiny = (x: number) => Math.abs(x) < 1e-3 * scale || Math.abs(x) < 1e-6 * globalScale;
        const want = p.map((w, j) => (g && tiny(g[j]) ? got[j] : w));
        expectClose(`step ${i} parameter ${name}`, got, want, seed, 2e-6, 1e-4);
      }
    }
    // Evaluation: running statistics, no dropout, over the whole test split in batches.
    const metrics = await tr.finishEpoch();
    const s = await tr.readSlabs();
    const evalRef = refForwardBackward(cfg, toMap(tr.plan, s.params, s.state, 'all'), batchOf(data.test, [...Array(data.test.count).keys()], 0, data.test.count),
      data.test.count, tr.globalStep, false);
    expectClose('evaluation test MSE', [metrics.test_mse], [evalRef.mse], seed, 1e-7, 1e-4);
    const activity = evalRef.rhoHat.reduce((a, b) => a + b, 0) / evalRef.rhoHat.length;
    expectClose('evaluation mean activity (one batch: exact)', [metrics.mean_activity], [activity], seed, 1e-6, 1e-4);
  } finally {
    tr.destroy();
  }
}

/** Same seed, same adapter: identical losses and weights, bit for bit. */
async function determinism(gpu: Gpu, seed: number): Promise<void> {
  const data = syntheticSplit(seed, 120, 30, 6, 6);
  const run = async () => {
    const tr = await Trainer.create(gpu, smallConfig(seed, 36), data);
    const losses: number[] = [];
    for (let e = 0; e < 2; e++) {
      const { metrics } = await tr.runEpoch();
      const m = await metrics;
      losses.push(...m.steps.map((s) => s.loss), m.test_mse);
    }
    const { params } = await tr.readSlabs();
    tr.destroy();
    return { losses, params };
  };
  const a = await run();
  const b = await run();
  expectClose('losses of two runs with the same seed', a.losses, b.losses, seed, 0, 0);
  expectClose('weights of two runs with the same seed', a.params, b.params, seed, 0, 0);
}

export const stepCases: Record<string, (gpu: Gpu, seed: number) => Promise<void>> = { trainingSteps, determinism };
