// Trainer: owns every GPU resource of a run (slabs, activations, data, kernels) and records whole steps —
// gather, forward, loss, backward, update — into one encoder and one submit. Metrics stay on the GPU until an
// epoch ends, when they are mapped asynchronously. It has no loop of its own: src/train/run.ts drives it, and its
// position (epoch, step, lr scale) is written only by the steps it takes and by restoreState (src/train/state.ts).
// It may hold several models of one shape that train as one batch (TrainerOptions.models, docs/design.md).
import type { Gpu, LimitRequest } from '../gpu/device.ts';
import { KernelCache, storageBuffer } from '../gpu/kernels.ts';
import { ReadbackPool, readBuffer, type PendingRead } from '../gpu/readback.ts';
import type { TrainConfig } from '../model/config.ts';
import { initBuffers, initParams } from '../model/init.ts';
import { buildPlan, pad4, type Plan } from '../model/plan.ts';
import type { DataSplit, ImageSet } from '../data/dataset.ts';
import { epochPermutation, identityPermutation } from '../data/shuffle.ts';
import { checkFits, jacobianMetricPlan } from './fit.ts';
import { Recorder } from './bind.ts';
import { buildGraph, type Dispatch, type Graph, type Slabs } from './graph.ts';
import { kernelsFor } from './autotune.ts';
import { DEFAULT_VARIANT, loadKernels, type KernelSet, type MatmulChoices } from './kernels.ts';
import { corruptedInputMse } from './baseline.ts';
import { learningRate } from './schedule.ts';
import { MAX_MODELS, STEP_BYTES, STEP_SLOT, writeStep } from './uniforms.ts';
import { EVAL_SUMS, METRIC_RECORDS, RECORD_SIZE, parseMetrics, type EpochMetrics, type EpochRow } from './metrics.ts';
import { flopsPerSample } from '../model/describe.ts';
import type { Engine } from './engine.ts';
import { captureStates, restoreStates, type TrainState } from './state.ts';

export type { EpochMetrics, StepRecord } from './metrics.ts';

/** `jacobianMetric`: measure the encoder's sensitivity ‖J‖²_F on the test split when λ = 0 too, in the last epoch or
 * every epoch (off by default: it costs about half an epoch; when λ > 0 it is measured every epoch anyway). It is
 * estimated from random projections, or skipped with a note, when the exact rows do not fit the device. */
export interface TrainerOptions {
  jacobianMetric?: 'last' | 'every';
  /** Train these configs as one batch (the first is `cfg`): same model, batch, optimizer and schedule kind; they may
   * differ in seed, lr, loss, sparsity and corruption (src/train/batch.ts batchKey). Not with contractive λ > 0. */
  models?: readonly TrainConfig[];
}

const SLOTS = 64; // step-parameter slots: one per step or evaluation batch recorded in one submit
export const EVAL_NOISE_STEP = 0x80000000; // RNG steps of the corrupted test inputs (fixed, so epochs compare)

/** Upload a u8 image set as packed u32 words, rows padded to 4 bytes. */
function uploadImages(device: GPUDevice, set: ImageSet, label: string): GPUBuffer {
  const pixels = set.rows * set.cols;
  const stride = pad4(pixels);
  const packed = new Uint8Array(set.count * stride);
  if (stride === pixels) packed.set(set.images);
  else for (let i = 0; i < set.count; i++) packed.set(set.images.subarray(i * pixels, (i + 1) * pixels), i * stride);
  const buffer = storageBuffer(device, label, packed.byteLength);
  device.queue.writeBuffer(buffer, 0, packed);
  return buffer;
}

/** Steps of an epoch of `count` samples: a final batch of one sample cannot be batch-normalised, so it is left out. */
export const stepsPerEpoch = (count: number, batch: number): number => Math.floor(count / batch) + (count % batch > 1 ? 1 : 0);

/** Limits a run needs beyond the defaults, so device acquisition can fail early with the limit's name. `models`:
 * batched models (every buffer holds one slice per model). */
export function limitsFor(cfg: TrainConfig, data: DataSplit, models = 1): LimitRequest {
  const plan = buildPlan(cfg.model);
  const widest = Math.max(...plan.widths.map(pad4));
  const images = Math.max(data.train.count, data.test.count) * pad4(data.train.rows * data.train.cols);
  const largest = Math.max(images, models * cfg.batch * widest * 4, models * plan.paramFloats * 4);
  return { maxStorageBufferBindingSize: largest, maxBufferSize: largest };
}

/** One model's slabs as CPU copies. */
export interface SlabCopy { params: Float32Array; state: Float32Array; m: Float32Array; v: Float32Array; grads: Float32Array }

export class Trainer implements Engine {
  readonly plan: Plan;
  readonly stepsPerEpoch: number;
  private configs: readonly TrainConfig[]; // the batched models' configs; configs[0] is cfg
  private position = { epoch: 0, globalStep: 0, lrScales: [1] }; // lrScales: each model's guard factor
  private corruptedMse: (number | null)[];
  private readonly stepData = new ArrayBuffer(SLOTS * STEP_SLOT);
  private readonly stepBuffer: GPUBuffer;
  private readonly order: GPUBuffer;
  private readonly testOrder: GPUBuffer;
  private readonly trainImages: GPUBuffer;
  private readonly testImages: GPUBuffer;
  private readonly gatherTrain: Dispatch;
  private readonly gatherTest: Dispatch;
  private readonly pool: ReadbackPool;
  private readonly unitsPool: ReadbackPool;
  private readonly metricsBytes: number;
  readonly slabs: Slabs;
  readonly graph: Graph;
  readonly notes: string[] = []; // what the run does differently from what was asked, e.g. how ‖J‖²_F is measured

  private constructor(readonly gpu: Gpu, public cfg: TrainConfig, readonly data: DataSplit, readonly kernels: KernelSet, private readonly options: TrainerOptions) {
    const { device } = gpu;
    this.configs = options.models ?? [cfg];
    const M = this.models.length;
    if (this.models[0] !== cfg) throw new Error('Trainer: options.models must start with cfg');
    if (M > MAX_MODELS) throw new Error(`a trainer batches at most ${MAX_MODELS} models, got ${M}: split the sweep`);
    this.position.lrScales = this.models.map(() => 1);
    this.corruptedMse = this.models.map(() => null);
    this.plan = buildPlan(cfg.model);
    const pixels = data.train.rows * data.train.cols;
    if (pixels !== cfg.model.inputDim) throw new Error(`data has ${pixels} pixels per image but the model's input is ${cfg.model.inputDim}`);
    if (data.train.count < 2) throw new Error(`the training split has ${data.train.count} image${data.train.count === 1 ? '' : 's'}; need at least 2`);
    checkFits(cfg, data, device.limits, gpu.adapter.name);
    const n = data.train.count;
    this.stepsPerEpoch = stepsPerEpoch(n, cfg.batch);
    this.stepBuffer = device.createBuffer({ label: 'Trainer.steps', size: SLOTS * STEP_SLOT, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const { paramFloats, bufferFloats } = this.plan;
    const slab = (name: string, floats: number) => storageBuffer(device, `Trainer.${name}`, M * floats * 4); // a slice per model
    this.slabs = { params: slab('params', paramFloats), grads: slab('grads', paramFloats), state: slab('state', bufferFloats),
      m: slab('adamM', paramFloats), v: slab('adamV', paramFloats) };
    this.models.forEach((c, m) => {
      device.queue.writeBuffer(this.slabs.params, m * paramFloats * 4, initParams(this.plan, c.seed));
      device.queue.writeBuffer(this.slabs.state, m * bufferFloats * 4, initBuffers(this.plan));
    });
    // The ‖J‖²_F metric (λ = 0) is built to fit the device, never a reason to refuse: exact, projected, or skipped.
    // Batched models measure it one by one after training (src/experiments/runner.ts), so it is not built here.
    const metric = cfg.contractive > 0 || options.jacobianMetric === undefined || M > 1 ? null
      : jacobianMetricPlan(this.plan, cfg.batch, Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize));
    if (metric?.note) this.notes.push(metric.note);
    const graphCfg = metric?.samples ? { ...cfg, contractiveSamples: metric.samples } : cfg;
    this.graph = buildGraph(device, kernels, this.plan, graphCfg, cfg.batch, this.slabs, this.stepBuffer, this.stepsPerEpoch,
      { width: data.train.cols, height: data.train.rows }, cfg.contractive > 0 ? 'train' : metric && metric.samples !== null ? 'measure' : 'none', this.models);
    this.trainImages = uploadImages(device, data.train, 'Trainer.trainImages');
    this.testImages = uploadImages(device, data.test, 'Trainer.testImages');
    this.order = storageBuffer(device, 'Trainer.order', M * n * 4); // each model's own shuffle
    this.testOrder = storageBuffer(device, 'Trainer.testOrder', data.test.count * 4);
    device.queue.writeBuffer(this.testOrder, 0, identityPermutation(data.test.count));
    this.gatherTrain = this.graph.gather(this.trainImages, this.order, n, n);
    this.gatherTest = this.graph.gather(this.testImages, this.testOrder, data.test.count);
    this.metricsBytes = (METRIC_RECORDS + RECORD_SIZE * this.stepsPerEpoch) * 4;
    this.pool = new ReadbackPool(device, 'Trainer.metricsReadback', M * this.metricsBytes);
    this.unitsPool = new ReadbackPool(device, 'Trainer.unitsReadback', M * pad4(this.plan.widths[this.plan.codeIndex]) * 4);
  }

  /** `kernel`: a variant name, 'auto' (tuned per product on this adapter), or explicit per-product choices (a resume).
   * `cache`: pass one KernelCache to trainers built one after another on a device so they share compiled pipelines. */
  static async create(gpu: Gpu, cfg: TrainConfig, data: DataSplit, kernel: string | MatmulChoices = DEFAULT_VARIANT,
    cache = new KernelCache(gpu), options: TrainerOptions = {}): Promise<Trainer> {
    const kernels = typeof kernel === 'string' ? await kernelsFor(gpu, cache, cfg, kernel) : await loadKernels(cache, DEFAULT_VARIANT, kernel);
    return new Trainer(gpu, cfg, data, kernels, options);
  }

  get models(): readonly TrainConfig[] { return this.configs; } // the batched models' configs; models[0] is cfg
  get epoch(): number { return this.position.epoch; } // epochs completed
  get globalStep(): number { return this.position.globalStep; } // optimisation steps taken: the counter RNG's position
  get lrScale(): number { return this.position.lrScales[0]; } // the divergence guard's factor on the schedule (src/train/run.ts)
  get lrScales(): readonly number[] { return this.position.lrScales; } // … of each batched model
  flopsPerSample(model: number): number { return flopsPerSample(this.plan, this.models[model]); }
  captureStates(stepInEpoch: number, histories: readonly (readonly EpochRow[])[]): Promise<TrainState[]> { return captureStates(this, stepInEpoch, histories); }
  restoreStates(states: readonly TrainState[]): void { restoreStates(this, states); }

  /** For restoreState only: the one writer of the position besides the steps themselves. `lrScales`: each batched
   * model's factor (default: `lrScale` for all). */
  setPosition(p: { epoch: number; globalStep: number; lrScale: number; lrScales?: readonly number[] }): void {
    const lrScales = p.lrScales ? [...p.lrScales] : this.models.map(() => p.lrScale);
    if (lrScales.length !== this.models.length) throw new Error(`Trainer.setPosition: ${lrScales.length} lr scales for ${this.models.length} models`);
    this.position = { epoch: p.epoch, globalStep: p.globalStep, lrScales };
  }

  /** A new epoch goal or learning-rate schedule: the only parts of the config not built into the step. */
  retarget(cfg: TrainConfig): void {
    const rest = (c: TrainConfig) => JSON.stringify({ ...c, epochs: 0, schedule: null });
    if (rest(cfg) !== rest(this.cfg)) throw new Error('Trainer.retarget: only epochs and the schedule may change without a rebuild');
    if (this.models.length > 1) throw new Error('Trainer.retarget: a batched trainer keeps its configs; build a new one');
    this.cfg = cfg;
    this.configs = [cfg];
  }

  /** Model `m`'s learning rate: its schedule times its guard factor. */
  lrAt(epoch: number, stepInEpoch: number, m = 0): number {
    return learningRate(this.models[m], epoch, stepInEpoch, this.stepsPerEpoch) * this.position.lrScales[m];
  }


  /** The Step slot's model strides and each model's seed and learning rate (`lr` null: 0, evaluation). */
  private modelSteps(epoch: number, stepInEpoch: number | null) {
    return { capacity: this.cfg.batch, param4: this.plan.paramFloats / 4, state4: this.plan.bufferFloats / 4,
      models: this.models.map((c, m) => ({ seed: c.seed, lr: stepInEpoch === null ? 0 : this.lrAt(epoch, stepInEpoch, m) })) };
  }

  /** Clear floats [from, to) of every model's slice of the metrics buffer. */
  private clearSums(encoder: GPUCommandEncoder, from: number, to: number): void {
    for (let m = 0; m < this.models.length; m++) encoder.clearBuffer(this.graph.metrics, (m * this.graph.metricsFloats + from) * 4, (to - from) * 4);
  }

  /** Record and submit one training step (several when `count` > 1, still one submit). */
  submitSteps(stepInEpoch: number, count = 1): void {
    const { device } = this.gpu;
    const { batch, seed, optimizer } = this.cfg;
    const n = this.data.train.count;
    const encoder = device.createCommandEncoder({ label: `Trainer.step${this.globalStep}` });
    if (stepInEpoch === 0) {
      this.clearSums(encoder, 0, METRIC_RECORDS);
      encoder.clearBuffer(this.graph.units);
    }
    const recorder = new Recorder(encoder, 'Trainer.step');
    for (let s = 0; s < count; s++) {
      const i = stepInEpoch + s;
      const t = this.globalStep + 1;
      writeStep(this.stepData, s, { rows: Math.min(batch, n - i * batch), step: this.globalStep, seed, batchStart: i * batch,
        lr: this.lrAt(this.epoch, i), bc1: 1 - optimizer.beta1 ** t, bc2: 1 - optimizer.beta2 ** t, training: true, record: i, corrupt: true,
        ...this.modelSteps(this.epoch, i) });
      recorder.record([this.gatherTrain, ...this.graph.step], s * STEP_SLOT);
      this.position.globalStep++;
    }
    recorder.end();
    device.queue.writeBuffer(this.stepBuffer, 0, this.stepData, 0, (count - 1) * STEP_SLOT + STEP_BYTES);
    device.queue.submit([encoder.finish()]);
  }

  /** Upload this epoch's sample order of each model (seeded shuffle or identity). */
  beginEpoch(): void {
    const n = this.data.train.count;
    this.models.forEach((c, m) => {
      const order = c.shuffle ? epochPermutation(n, c.seed, this.epoch) : identityPermutation(n);
      this.gpu.device.queue.writeBuffer(this.order, m * n * 4, order);
    });
  }

  private inputs(): Dispatch[] {
    return this.graph.corrupt ? [this.graph.corrupt] : [];
  }

  /** Record evaluation of the test split (evaluation mode: clean, and corrupted when denoising) and the copy of
   * all metrics; resolves when they are mapped. Corrupted test inputs use fixed RNG steps, the same every epoch.
   * Encoder sensitivity ‖J‖²_F (clean inputs) is measured every epoch when λ > 0, else as TrainerOptions say or when
   * `jacobian` asks (it costs about as much as an epoch's worth of backward passes over the test split). */
  evaluate(opts: { jacobian?: boolean } = {}): Promise<EpochMetrics> {
    return this.evaluateModels(opts).then((all) => all[0]);
  }

  /** `evaluate` for every batched model: their metrics in model order. */
  evaluateModels(opts: { jacobian?: boolean } = {}): Promise<EpochMetrics[]> {
    const { device } = this.gpu;
    const { batch, seed } = this.cfg;
    const g = this.graph;
    const epoch = this.epoch;
    const jm = this.options.jacobianMetric;
    const measure = g.metricsEvalJacobian !== null &&
      (this.cfg.contractive > 0 || opts.jacobian === true || jm === 'every' || (jm === 'last' && epoch + 1 >= this.cfg.epochs));
    const clean = measure ? [...g.jacobian!.rows, g.metricsEvalJacobian!] : [g.metricsEval];
    const count = this.data.test.count;
    const batches = Math.ceil(count / batch);
    const passes = this.graph.corrupt ? [false, true] : [false];
    const jobs = passes.flatMap((noisy) => Array.from({ length: batches }, (_, b) => ({ noisy, b })));
    let pending: { metrics: PendingRead; units: PendingRead } | null = null;
    for (let j0 = 0; j0 < jobs.length; j0 += SLOTS) {
      const encoder = device.createCommandEncoder({ label: 'Trainer.evaluate' });
      if (j0 === 0) { // an evaluation between epochs (a preview) must not add to the next epoch's sums
        this.clearSums(encoder, EVAL_SUMS, METRIC_RECORDS);
        encoder.clearBuffer(g.units);
      }
      const recorder = new Recorder(encoder, 'Trainer.evaluate');
      const inSubmit = Math.min(SLOTS, jobs.length - j0);
      for (let s = 0; s < inSubmit; s++) {
        const { noisy, b } = jobs[j0 + s];
        writeStep(this.stepData, s, { rows: Math.min(batch, count - b * batch), step: noisy ? EVAL_NOISE_STEP + b : this.globalStep, seed,
          batchStart: b * batch, lr: 0, bc1: 1, bc2: 1, training: false, record: 0, corrupt: noisy, ...this.modelSteps(epoch, null) });
        recorder.record([this.gatherTest, ...this.inputs(), ...g.forward, ...(noisy ? [g.metricsEvalNoisy] : clean)], s * STEP_SLOT);
      }
      recorder.end();
      if (j0 + inSubmit >= jobs.length) {
        pending = { metrics: this.pool.copy(encoder, this.graph.metrics, 0, this.graph.metrics.size),
          units: this.unitsPool.copy(encoder, this.graph.units, 0, this.graph.units.size) };
      }
      device.queue.writeBuffer(this.stepBuffer, 0, this.stepData, 0, (inSubmit - 1) * STEP_SLOT + STEP_BYTES);
      device.queue.submit([encoder.finish()]);
    }
    const { metrics, units } = pending!;
    const z = this.plan.widths[this.plan.codeIndex];
    const options = this.models.map((cfg, i) => {
      const noisy = cfg.corruption.kind !== 'none';
      if (noisy && this.corruptedMse[i] === null) this.corruptedMse[i] = corruptedInputMse(this.data.test, cfg, EVAL_NOISE_STEP);
      return { epoch, lr: this.lrAt(epoch, 0, i), steps: this.stepsPerEpoch, cfg, noisy, jacobian: measure, corruptedMse: this.corruptedMse[i] };
    });
    const floats = this.graph.metricsFloats;
    const z4 = pad4(z);
    return Promise.all([metrics.read(), units.read()]).then(([m, u]) => options.map((o, i) =>
      parseMetrics(new Float32Array(m, i * floats * 4, floats), new Float32Array(u, i * z4 * 4, z), o)));
  }

  /** Count the epoch as done without evaluating it (step benchmarks). */
  skipEvaluation(): void {
    this.position.epoch++;
  }

  /** Evaluate after the epoch's last step and count the epoch as done. */
  finishEpoch(opts: { jacobian?: boolean } = {}): Promise<EpochMetrics> {
    return this.finishEpochModels(opts).then((all) => all[0]);
  }

  /** `finishEpoch` for every batched model. */
  finishEpochModels(opts: { jacobian?: boolean } = {}): Promise<EpochMetrics[]> {
    const metrics = this.evaluateModels(opts);
    this.position.epoch++;
    return metrics;
  }

  /** A training step's dispatches after the batch gather, for profilers (after one submitSteps, slot 0 holds a real
   * step's uniforms). */
  stepDispatches(): readonly Dispatch[] {
    return this.graph.step;
  }

  /** The last gathered batch as the encoder's first layer saw it before corruption: (batch, pad4(D)) (parity dumps). */
  async readInputBatch(): Promise<Float32Array> {
    return new Float32Array(await readBuffer(this.gpu.device, this.graph.acts[0]));
  }

  /** Copies of model `model`'s slabs (for checkpoints and tests): never called inside the training loop. */
  async readSlabs(model = 0): Promise<SlabCopy> {
    return (await this.readModelSlabs())[model];
  }

  /** Copies of every batched model's slabs, in model order (one read of each slab). */
  async readModelSlabs(): Promise<SlabCopy[]> {
    const { paramFloats: P, bufferFloats: S } = this.plan;
    const read = async (b: GPUBuffer) => new Float32Array(await readBuffer(this.gpu.device, b));
    const [params, state, m, v, grads] = await Promise.all([this.slabs.params, this.slabs.state, this.slabs.m, this.slabs.v, this.slabs.grads].map(read));
    return this.models.map((_, i) => {
      const slice = (a: Float32Array, n: number) => a.subarray(i * n, (i + 1) * n);
      return { params: slice(params, P), state: slice(state, S), m: slice(m, P), v: slice(v, P), grads: slice(grads, P) };
    });
  }

  /** Overwrite model `model`'s slabs (checkpoint load); missing parts keep their current values. */
  writeSlabs(s: { params?: Float32Array; state?: Float32Array; m?: Float32Array; v?: Float32Array }, model = 0): void {
    const q = this.gpu.device.queue;
    const at = model * this.plan.paramFloats * 4;
    if (s.params) q.writeBuffer(this.slabs.params, at, s.params);
    if (s.state) q.writeBuffer(this.slabs.state, model * this.plan.bufferFloats * 4, s.state);
    if (s.m) q.writeBuffer(this.slabs.m, at, s.m);
    if (s.v) q.writeBuffer(this.slabs.v, at, s.v);
  }

  destroy(): void {
    this.pool.destroy();
    this.unitsPool.destroy();
    this.graph.destroy();
    for (const b of [this.stepBuffer, this.order, this.testOrder, this.trainImages, this.testImages, ...Object.values(this.slabs)]) b.destroy();
  }
}
