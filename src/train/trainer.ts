// Trainer: owns every GPU resource of a run (slabs, activations, data, kernels) and records whole steps —
// gather, forward, loss, backward, update — into one encoder and one submit. Metrics stay on the GPU until an
// epoch ends, when they are mapped asynchronously. It has no loop of its own: src/train/run.ts drives it, and its
// position (epoch, step, lr scale) is written only by the steps it takes and by restoreState (src/train/state.ts).
import type { Gpu, LimitRequest } from '../gpu/device.ts';
import { dispatch, KernelCache, storageBuffer } from '../gpu/kernels.ts';
import { ReadbackPool, readBuffer, type PendingRead } from '../gpu/readback.ts';
import type { TrainConfig } from '../model/config.ts';
import { initBuffers, initParams } from '../model/init.ts';
import { buildPlan, pad4, type Plan } from '../model/plan.ts';
import type { DataSplit, ImageSet } from '../data/dataset.ts';
import { epochPermutation, identityPermutation } from '../data/shuffle.ts';
import { checkFits, jacobianMetricPlan } from './fit.ts';
import { buildGraph, type Dispatch, type Graph, type Slabs } from './graph.ts';
import { kernelsFor } from './autotune.ts';
import { DEFAULT_VARIANT, loadKernels, type KernelSet, type MatmulChoices } from './kernels.ts';
import { corruptedInputMse } from './baseline.ts';
import { learningRate } from './schedule.ts';
import { STEP_BYTES, STEP_SLOT, writeStep } from './uniforms.ts';
import { EVAL_SUMS, METRIC_RECORDS, RECORD_SIZE, parseMetrics, type EpochMetrics, type EpochRow } from './metrics.ts';
import { flopsPerSample } from '../model/describe.ts';
import type { Engine } from './engine.ts';
import { captureState, restoreState, type TrainState } from './state.ts';

export type { EpochMetrics, StepRecord } from './metrics.ts';

/** `jacobianMetric`: measure the encoder's sensitivity ‖J‖²_F on the test split when λ = 0 too, in the last epoch or
 * every epoch (off by default: it costs about half an epoch; when λ > 0 it is measured every epoch anyway). It is
 * estimated from random projections, or skipped with a note, when the exact rows do not fit the device. */
export interface TrainerOptions { jacobianMetric?: 'last' | 'every' }

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

/** Limits a run needs beyond the defaults, so device acquisition can fail early with the limit's name. */
export function limitsFor(cfg: TrainConfig, data: DataSplit): LimitRequest {
  const plan = buildPlan(cfg.model);
  const widest = Math.max(...plan.widths.map(pad4));
  const images = Math.max(data.train.count, data.test.count) * pad4(data.train.rows * data.train.cols);
  const largest = Math.max(images, cfg.batch * widest * 4, plan.paramFloats * 4);
  return { maxStorageBufferBindingSize: largest, maxBufferSize: largest };
}

export class Trainer implements Engine {
  readonly plan: Plan;
  readonly stepsPerEpoch: number;
  private position = { epoch: 0, globalStep: 0, lrScale: 1 };
  private corruptedMse: number | null = null;
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
    this.plan = buildPlan(cfg.model);
    const pixels = data.train.rows * data.train.cols;
    if (pixels !== cfg.model.inputDim) throw new Error(`data has ${pixels} pixels per image but the model's input is ${cfg.model.inputDim}`);
    if (data.train.count < 2) throw new Error(`the training split has ${data.train.count} image${data.train.count === 1 ? '' : 's'}; need at least 2`);
    checkFits(cfg, data, device.limits, gpu.adapter.name);
    const n = data.train.count;
    this.stepsPerEpoch = stepsPerEpoch(n, cfg.batch);
    this.stepBuffer = device.createBuffer({ label: 'Trainer.steps', size: SLOTS * STEP_SLOT, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const { paramFloats, bufferFloats } = this.plan;
    const slab = (name: string, floats: number) => storageBuffer(device, `Trainer.${name}`, floats * 4);
    this.slabs = { params: slab('params', paramFloats), grads: slab('grads', paramFloats), state: slab('state', bufferFloats),
      m: slab('adamM', paramFloats), v: slab('adamV', paramFloats) };
    device.queue.writeBuffer(this.slabs.params, 0, initParams(this.plan, cfg.seed));
    device.queue.writeBuffer(this.slabs.state, 0, initBuffers(this.plan));
    // The ‖J‖²_F metric (λ = 0) is built to fit the device, never a reason to refuse: exact, projected, or skipped.
    const metric = cfg.contractive > 0 || options.jacobianMetric === undefined ? null
      : jacobianMetricPlan(this.plan, cfg.batch, Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize));
    if (metric?.note) this.notes.push(metric.note);
    const graphCfg = metric?.samples ? { ...cfg, contractiveSamples: metric.samples } : cfg;
    this.graph = buildGraph(device, kernels, this.plan, graphCfg, cfg.batch, this.slabs, this.stepBuffer, this.stepsPerEpoch,
      { width: data.train.cols, height: data.train.rows }, cfg.contractive > 0 ? 'train' : metric && metric.samples !== null ? 'measure' : 'none');
    this.trainImages = uploadImages(device, data.train, 'Trainer.trainImages');
    this.testImages = uploadImages(device, data.test, 'Trainer.testImages');
    this.order = storageBuffer(device, 'Trainer.order', n * 4);
    this.testOrder = storageBuffer(device, 'Trainer.testOrder', data.test.count * 4);
    device.queue.writeBuffer(this.testOrder, 0, identityPermutation(data.test.count));
    this.gatherTrain = this.graph.gather(this.trainImages, this.order, n);
    this.gatherTest = this.graph.gather(this.testImages, this.testOrder, data.test.count);
    this.metricsBytes = (METRIC_RECORDS + RECORD_SIZE * this.stepsPerEpoch) * 4;
    this.pool = new ReadbackPool(device, 'Trainer.metricsReadback', this.metricsBytes);
    this.unitsPool = new ReadbackPool(device, 'Trainer.unitsReadback', pad4(this.plan.widths[this.plan.codeIndex]) * 4);
  }

  /** `kernel`: a variant name, 'auto' (tuned per product on this adapter), or explicit per-product choices (a resume).
   * `cache`: pass one KernelCache to trainers built one after another on a device so they share compiled pipelines. */
  static async create(gpu: Gpu, cfg: TrainConfig, data: DataSplit, kernel: string | MatmulChoices = DEFAULT_VARIANT,
    cache = new KernelCache(gpu), options: TrainerOptions = {}): Promise<Trainer> {
    const kernels = typeof kernel === 'string' ? await kernelsFor(gpu, cache, cfg, kernel) : await loadKernels(cache, DEFAULT_VARIANT, kernel);
    return new Trainer(gpu, cfg, data, kernels, options);
  }

  get epoch(): number { return this.position.epoch; } // epochs completed
  get globalStep(): number { return this.position.globalStep; } // optimisation steps taken: the counter RNG's position
  get lrScale(): number { return this.position.lrScale; } // the divergence guard's factor on the schedule (src/train/run.ts)

  get flopsPerSample(): number { return flopsPerSample(this.plan, this.cfg); }
  capture(stepInEpoch: number, history: readonly EpochRow[]): Promise<TrainState> { return captureState(this, stepInEpoch, history); }
  restore(s: TrainState): void { restoreState(this, s); }

  /** For restoreState only: the one writer of the position besides the steps themselves. */
  setPosition(p: { epoch: number; globalStep: number; lrScale: number }): void {
    this.position = { ...p };
  }

  /** A new epoch goal or learning-rate schedule: the only parts of the config not built into the step. */
  retarget(cfg: TrainConfig): void {
    const rest = (c: TrainConfig) => JSON.stringify({ ...c, epochs: 0, schedule: null });
    if (rest(cfg) !== rest(this.cfg)) throw new Error('Trainer.retarget: only epochs and the schedule may change without a rebuild');
    this.cfg = cfg;
  }

  lrAt(epoch: number, stepInEpoch: number): number {
    return learningRate(this.cfg, epoch, stepInEpoch, this.stepsPerEpoch) * this.lrScale;
  }

  private record(pass: GPUComputePassEncoder, list: Dispatch[], slot: number): void {
    for (const d of list) dispatch(pass, d.kernel, d.group, d.workgroups, slot * STEP_SLOT);
  }

  /** Record and submit one training step (several when `count` > 1, still one submit). */
  submitSteps(stepInEpoch: number, count = 1): void {
    const { device } = this.gpu;
    const { batch, seed, optimizer } = this.cfg;
    const n = this.data.train.count;
    const encoder = device.createCommandEncoder({ label: `Trainer.step${this.globalStep}` });
    if (stepInEpoch === 0) {
      encoder.clearBuffer(this.graph.metrics, 0, METRIC_RECORDS * 4);
      encoder.clearBuffer(this.graph.units);
    }
    const pass = encoder.beginComputePass({ label: 'Trainer.step' });
    for (let s = 0; s < count; s++) {
      const i = stepInEpoch + s;
      const t = this.globalStep + 1;
      writeStep(this.stepData, s, { rows: Math.min(batch, n - i * batch), step: this.globalStep, seed, batchStart: i * batch,
        lr: this.lrAt(this.epoch, i), bc1: 1 - optimizer.beta1 ** t, bc2: 1 - optimizer.beta2 ** t, training: true, record: i, corrupt: true });
      this.record(pass, [this.gatherTrain, ...this.graph.step], s);
      this.position.globalStep++;
    }
    pass.end();
    device.queue.writeBuffer(this.stepBuffer, 0, this.stepData, 0, (count - 1) * STEP_SLOT + STEP_BYTES);
    device.queue.submit([encoder.finish()]);
  }

  /** Upload this epoch's sample order (seeded shuffle or identity). */
  beginEpoch(): void {
    const n = this.data.train.count;
    const order = this.cfg.shuffle ? epochPermutation(n, this.cfg.seed, this.epoch) : identityPermutation(n);
    this.gpu.device.queue.writeBuffer(this.order, 0, order);
  }

  private inputs(): Dispatch[] {
    return this.graph.corrupt ? [this.graph.corrupt] : [];
  }

  /** Record evaluation of the test split (evaluation mode: clean, and corrupted when denoising) and the copy of
   * all metrics; resolves when they are mapped. Corrupted test inputs use fixed RNG steps, the same every epoch.
   * Encoder sensitivity ‖J‖²_F (clean inputs) is measured every epoch when λ > 0, else as TrainerOptions say or when
   * `jacobian` asks (it costs about as much as an epoch's worth of backward passes over the test split). */
  evaluate(opts: { jacobian?: boolean } = {}): Promise<EpochMetrics> {
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
        encoder.clearBuffer(g.metrics, EVAL_SUMS * 4, (METRIC_RECORDS - EVAL_SUMS) * 4);
        encoder.clearBuffer(g.units);
      }
      const pass = encoder.beginComputePass({ label: 'Trainer.evaluate' });
      const inSubmit = Math.min(SLOTS, jobs.length - j0);
      for (let s = 0; s < inSubmit; s++) {
        const { noisy, b } = jobs[j0 + s];
        writeStep(this.stepData, s, { rows: Math.min(batch, count - b * batch), step: noisy ? EVAL_NOISE_STEP + b : this.globalStep, seed,
          batchStart: b * batch, lr: 0, bc1: 1, bc2: 1, training: false, record: 0, corrupt: noisy });
        this.record(pass, [this.gatherTest, ...this.inputs(), ...g.forward, ...(noisy ? [g.metricsEvalNoisy] : clean)], s);
      }
      pass.end();
      if (j0 + inSubmit >= jobs.length) {
        pending = { metrics: this.pool.copy(encoder, this.graph.metrics, 0, this.metricsBytes),
          units: this.unitsPool.copy(encoder, this.graph.units, 0, this.graph.units.size) };
      }
      device.queue.writeBuffer(this.stepBuffer, 0, this.stepData, 0, (inSubmit - 1) * STEP_SLOT + STEP_BYTES);
      device.queue.submit([encoder.finish()]);
    }
    const lr = this.lrAt(epoch, 0);
    const { metrics, units } = pending!;
    const z = this.plan.widths[this.plan.codeIndex];
    if (this.graph.corrupt && this.corruptedMse === null) this.corruptedMse = corruptedInputMse(this.data.test, this.cfg, EVAL_NOISE_STEP);
    const o = { epoch, lr, steps: this.stepsPerEpoch, cfg: this.cfg, noisy: this.graph.corrupt !== null, jacobian: measure, corruptedMse: this.corruptedMse };
    return Promise.all([metrics.read(), units.read()]).then(([m, u]) => parseMetrics(new Float32Array(m), new Float32Array(u, 0, z), o));
  }

  /** Count the epoch as done without evaluating it (step benchmarks). */
  skipEvaluation(): void {
    this.position.epoch++;
  }

  /** Evaluate after the epoch's last step and count the epoch as done. */
  finishEpoch(opts: { jacobian?: boolean } = {}): Promise<EpochMetrics> {
    const metrics = this.evaluate(opts);
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

  /** Copies of the slabs (for checkpoints and tests): never called inside the training loop. */
  async readSlabs(): Promise<{ params: Float32Array; state: Float32Array; m: Float32Array; v: Float32Array; grads: Float32Array }> {
    const read = async (b: GPUBuffer) => new Float32Array(await readBuffer(this.gpu.device, b));
    const [params, state, m, v, grads] = await Promise.all([this.slabs.params, this.slabs.state, this.slabs.m, this.slabs.v, this.slabs.grads].map(read));
    return { params: params.subarray(0, this.plan.paramFloats), state: state.subarray(0, this.plan.bufferFloats),
      m: m.subarray(0, this.plan.paramFloats), v: v.subarray(0, this.plan.paramFloats), grads: grads.subarray(0, this.plan.paramFloats) };
  }

  /** Overwrite slabs (checkpoint load); missing parts keep their current values. */
  writeSlabs(s: { params?: Float32Array; state?: Float32Array; m?: Float32Array; v?: Float32Array }): void {
    const q = this.gpu.device.queue;
    if (s.params) q.writeBuffer(this.slabs.params, 0, s.params);
    if (s.state) q.writeBuffer(this.slabs.state, 0, s.state);
    if (s.m) q.writeBuffer(this.slabs.m, 0, s.m);
    if (s.v) q.writeBuffer(this.slabs.v, 0, s.v);
  }

  destroy(): void {
    this.pool.destroy();
    this.unitsPool.destroy();
    this.graph.destroy();
    for (const b of [this.stepBuffer, this.order, this.testOrder, this.trainImages, this.testImages, ...Object.values(this.slabs)]) b.destroy();
  }
}
