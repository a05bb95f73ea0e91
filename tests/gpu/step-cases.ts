// Whole training steps on the GPU against the float64 reference (dropout masks, BatchNorm batch and running
// statistics, KL sparsity, Adam), evaluation mode against the reference's, and bitwise determinism.
import type { Gpu } from '../../src/gpu/device.ts';
import { readBuffer } from '../../src/gpu/readback.ts';
import type { DataSplit, ImageSet } from '../../src/data/dataset.ts';
import { epochPermutation } from '../../src/data/shuffle.ts';
import { defaultTrainConfig, seedModel, type LayerSpec, type TrainConfig } from '../../src/model/config.ts';
import { unpackTensor } from '../../src/model/init.ts';
import type { Plan } from '../../src/model/plan.ts';
import { TestRandom } from '../../src/ref/check.ts';
import { refForwardBackward, refTrainStep, type ParamMap } from '../../src/ref/model.ts';
import { Trainer } from '../../src/train/trainer.ts';
import { Run } from '../../src/train/run.ts';
import { DEFAULT_VARIANT, familyAvailable } from '../../src/train/kernels.ts';
import { METRIC_RECORDS, RECORD_SIZE } from '../../src/train/metrics.ts';
import { expectClose, unpadRows } from './harness.ts';
import { corruptBatch } from '../../src/ref/corrupt.ts';
import { saeStepCases } from './sae-cases.ts';

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

/** Objective variants of the small model: every loss, sparsity kind and corruption appears at least once. */
const VARIANTS: Record<string, (cfg: TrainConfig) => void> = {
  'mse + KL': () => {},
  'bce + L1': (cfg) => { cfg.loss = 'bce'; cfg.sparsity = { kind: 'l1', weight: 0.02, rho: 0.05 }; },
  'mae + masking': (cfg) => { cfg.loss = 'mae'; cfg.corruption = { kind: 'masking', level: 0.3 }; },
  'gaussian noise': (cfg) => { cfg.corruption = { kind: 'gaussian', level: 0.2 }; },
  'salt and pepper, no sparsity': (cfg) => { cfg.corruption = { kind: 'salt_pepper', level: 0.2 }; cfg.sparsity.kind = 'none'; },
  'block occlusion + bce': (cfg) => { cfg.loss = 'bce'; cfg.corruption = { kind: 'block', level: 2 }; },
  // The contractive penalty through BatchNorm (batch statistics constant inside J), dropout and a tanh code …
  'contractive, seed model': (cfg) => { cfg.contractive = 0.5; },
  // … through sigmoids at every level (second-order terms everywhere), as the cae preset …
  'contractive, sigmoid stack': (cfg) => {
    const lin = (units: number, fn: 'sigmoid' | 'relu'): LayerSpec[] => [{ kind: 'linear', units }, { kind: 'activation', fn }];
    cfg.model = { inputDim: cfg.model.inputDim, encoder: [...lin(9, 'sigmoid'), ...lin(7, 'sigmoid'), ...lin(5, 'sigmoid')],
      decoder: [...lin(7, 'relu'), ...lin(cfg.model.inputDim, 'sigmoid')] };
    cfg.sparsity.kind = 'none';
    cfg.contractive = 0.3;
  },
  // … the unbiased estimate from 3 Rademacher projections per sample (the same signs in the reference) …
  'contractive, 3 projections': (cfg) => {
    cfg.sparsity.kind = 'none';
    cfg.contractive = 0.3;
    cfg.contractiveSamples = 3;
  },
  // … and a standalone tanh after BatchNorm, with denoising (J of the corrupted input).
  'contractive, standalone tanh + gaussian': (cfg) => {
    cfg.model = { inputDim: cfg.model.inputDim, encoder: [{ kind: 'linear', units: 8 }, { kind: 'batchnorm' }, { kind: 'activation', fn: 'tanh' },
      { kind: 'dropout', p: 0.2 }, { kind: 'linear', units: 6 }, { kind: 'activation', fn: 'sigmoid' }],
    decoder: [{ kind: 'linear', units: cfg.model.inputDim }, { kind: 'activation', fn: 'sigmoid' }] };
    cfg.contractive = 0.4;
    cfg.corruption = { kind: 'gaussian', level: 0.1 };
  },
};

/** Each step starts the reference from the GPU's exact state, so every step is compared without drift. */
async function trainingSteps(gpu: Gpu, seed: number, variant = 'mse + KL', kernel?: string): Promise<void> {
  const D = 15; // 3×5 pixels: not a multiple of 4
  const image = { width: 5, height: 3, corrupt: true };
  const data = syntheticSplit(seed, 45, 11, 3, 5);
  const cfg = smallConfig(seed, D);
  VARIANTS[variant](cfg);
  const tag = `[${variant}${kernel ? `, ${kernel}` : ''}] `;
  const tr = await Trainer.create(gpu, cfg, data, kernel, undefined, { jacobianMetric: 'last' }); // the evaluation below checks ‖J‖²_F too
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
      tr.submitSteps(i);
      // The reference runs on the GPU's corrupted batch (checked first against the reference corruption: masks exactly,
      // gaussian noise within WGSL's cos accuracy of 2^-11), so the comparison below isolates the training kernels.
      let noisy: Float64Array | undefined;
      if (cfg.corruption.kind !== 'none') {
        noisy = Float64Array.from(unpadRows(new Float32Array(await readBuffer(gpu.device, tr.graph.input)), rows, D, 'noisy'));
        const want = corruptBatch(x, rows, D, cfg.corruption.kind, cfg.corruption.level, cfg.seed, tr.globalStep - 1, image.width, image.height);
        expectClose(`${tag}step ${i} corrupted batch`, noisy, want, seed, cfg.corruption.kind === 'gaussian' ? cfg.corruption.level * 5.8 * 2 ** -11 : 2e-6, 1e-5);
      }
      const img = { ...image, noisy };
      const grads = refForwardBackward(cfg, new Map([...params].map(([k, a]) => [k, a.slice()])), x, rows, tr.globalStep - 1, true, img).grads;
      const ref = refTrainStep(cfg, params, m, v, x, rows, tr.globalStep - 1, lr, img);
      const after = await tr.readSlabs();
      const metrics = new Float32Array(await readBuffer(gpu.device, tr.graph.metrics));
      const rec = metrics.subarray(METRIC_RECORDS + RECORD_SIZE * i, METRIC_RECORDS + RECORD_SIZE * (i + 1));
      expectClose(`${tag}step ${i} loss terms [loss, recon, mse, sparsity, ‖J‖²]`, rec.subarray(0, 5), [ref.loss, ref.recon, ref.mse, ref.sparsity, ref.jacobian], seed, 1e-6, 1e-4);
      const gpuGrads = toMap(tr.plan, after.grads, after.state, 'params');
      const globalScale = Math.max(...[...grads.values()].map((g) => g.reduce((a, b) => Math.max(a, Math.abs(b)), 0)));
      for (const [name, g] of grads) {
        // A tensor whose true gradient is zero (a bias straight into BatchNorm) gets f32 rounding of the terms that
        // cancel in it, which scale with the largest gradient anywhere.
        const scale = g.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
        expectClose(`${tag}step ${i} gradient ${name}`, gpuGrads.get(name)!, g, seed, 1e-4 * scale + 1e-5 * globalScale + 1e-7, 1e-3);
      }
      // Adam turns a gradient that is zero up to rounding into a full ±lr step, so those entries are exempt
      // (e.g. the bias of a layer followed by BatchNorm, whose true gradient is exactly zero).
      const gpuParams = toMap(tr.plan, after.params, after.state, 'all');
      for (const [name, p] of params) {
        const g = grads.get(name);
        const scale = g ? g.reduce((a, b) => Math.max(a, Math.abs(b)), 0) : 0;
        const got = gpuParams.get(name)!;
        const tiny = (x: number) => Math.abs(x) < 1e-3 * scale || Math.abs(x) < 1e-6 * globalScale;
        const want = p.map((w, j) => (g && tiny(g[j]) ? got[j] : w));
        expectClose(`${tag}step ${i} parameter ${name}`, got, want, seed, 2e-6, 1e-4);
      }
    }
    // Evaluation: running statistics, no dropout, over the whole test split in batches.
    const metrics = await tr.finishEpoch({ jacobian: true });
    const s = await tr.readSlabs();
    const testX = batchOf(data.test, [...Array(data.test.count).keys()], 0, data.test.count);
    const weights = toMap(tr.plan, s.params, s.state, 'all');
    const evalRef = refForwardBackward(cfg, weights, testX, data.test.count, tr.globalStep, false, { ...image, corrupt: false }, { jacobian: true });
    expectClose(`${tag}evaluation test loss, MSE and ‖J‖²_F`, [metrics.test_loss, metrics.test_mse, metrics.jacobian_fro2!], [evalRef.recon, evalRef.mse, evalRef.jacobian], seed, 1e-7, 1e-4);
    const activity = evalRef.rhoHat.reduce((a, b) => a + b, 0) / evalRef.rhoHat.length;
    expectClose(`${tag}evaluation mean activity (one batch: exact)`, [metrics.mean_activity], [activity], seed, 1e-6, 1e-4);
    if (cfg.corruption.kind !== 'none') {
      const noisyRef = refForwardBackward(cfg, weights, testX, data.test.count, 0, false, { ...image, corrupt: true, step: 0x80000000 });
      expectClose(`${tag}evaluation noisy→clean MSE`, [metrics.test_noisy_mse!], [noisyRef.mse], seed, 1e-7, 1e-4);
    } else if (metrics.test_noisy_mse !== null) throw new Error(`${tag}test_noisy_mse reported without corruption`);
  } finally {
    tr.destroy();
  }
}

/** Same seed, same adapter: identical losses and weights, bit for bit. */
async function determinism(gpu: Gpu, seed: number): Promise<void> {
  const data = syntheticSplit(seed, 120, 30, 6, 6);
  const run = async () => {
    const run = await Run.start({ gpu, hooks: { log: () => {} }, cfg: smallConfig(seed, 36), data, kernel: DEFAULT_VARIANT });
    const losses: number[] = [];
    for (let e = 0; e < 2; e++) {
      const { metrics: m } = await run.epoch();
      losses.push(...m.steps.map((s) => s.loss), m.test_mse);
    }
    const { params } = run.good;
    run.release();
    return { losses, params };
  };
  const a = await run();
  const b = await run();
  expectClose('losses of two runs with the same seed', a.losses, b.losses, seed, 0, 0);
  expectClose('weights of two runs with the same seed', a.params, b.params, seed, 0, 0);
}

/** Whole steps with a subgroup matmul (sg family) where the device has subgroups; elsewhere Trainer.create must
 * refuse that kernel by name. */
async function subgroupSteps(gpu: Gpu, seed: number, variant: string, kernel: string): Promise<void> {
  if (familyAvailable('sg', gpu)) return trainingSteps(gpu, seed, variant, kernel);
  const refused = await trainingSteps(gpu, seed, variant, kernel).then(() => null, (e: Error) => e.message);
  if (!refused?.includes('needs the WebGPU "subgroups" feature')) throw new Error(`${kernel} on ${gpu.adapter.name}: expected a refusal naming subgroups, got ${refused}`);
}

export const stepCases: Record<string, (gpu: Gpu, seed: number) => Promise<void>> = {
  ...Object.fromEntries(Object.keys(VARIANTS).map((v) => [`trainingSteps (${v})`, (gpu: Gpu, seed: number) => trainingSteps(gpu, seed, v)])),
  // The matrix-tile matmuls (dense_tile.wgsl) inside whole steps; the cases above run the default rb kernels.
  'trainingSteps (mse + KL, mt16x16 matmuls)': (gpu: Gpu, seed: number) => trainingSteps(gpu, seed, 'mse + KL', 'mt16x16'),
  'trainingSteps (mse + KL, mt8x8 matmuls)': (gpu: Gpu, seed: number) => trainingSteps(gpu, seed, 'mse + KL', 'mt8x8'),
  'trainingSteps (contractive, sigmoid stack, mt16x8 matmuls)': (gpu: Gpu, seed: number) => trainingSteps(gpu, seed, 'contractive, sigmoid stack', 'mt16x8'),
  // The same tiles reading texture mirrors (family tx, dense_io_tex.wgsl), the Jacobian products included.
  'trainingSteps (mse + KL, tx16x16 matmuls)': (gpu: Gpu, seed: number) => trainingSteps(gpu, seed, 'mse + KL', 'tx16x16'),
  'trainingSteps (contractive, sigmoid stack, tx8x16 matmuls)': (gpu: Gpu, seed: number) => trainingSteps(gpu, seed, 'contractive, sigmoid stack', 'tx8x16'),
  // The workgroup-memory tiles (dense_wg.wgsl, dense_grad_wg.wgsl), the Jacobian products included.
  'trainingSteps (mse + KL, wt64x64 matmuls)': (gpu: Gpu, seed: number) => trainingSteps(gpu, seed, 'mse + KL', 'wt64x64'),
  'trainingSteps (contractive, sigmoid stack, wt32x32 matmuls)': (gpu: Gpu, seed: number) => trainingSteps(gpu, seed, 'contractive, sigmoid stack', 'wt32x32'),
  'trainingSteps (contractive, 3 projections, mt8x16 matmuls)': (gpu: Gpu, seed: number) => trainingSteps(gpu, seed, 'contractive, 3 projections', 'mt8x16'),
  // The subgroup tiles (dense_sg.wgsl, dense_grad_sg.wgsl): SwiftShader and GPUs with subgroups.
  'trainingSteps (mse + KL, sg64x64 matmuls)': (gpu: Gpu, seed: number) => subgroupSteps(gpu, seed, 'mse + KL', 'sg64x64'),
  'trainingSteps (contractive, sigmoid stack, sg32x32 matmuls)': (gpu: Gpu, seed: number) => subgroupSteps(gpu, seed, 'contractive, sigmoid stack', 'sg32x32'),
  determinism,
  ...saeStepCases,
};
