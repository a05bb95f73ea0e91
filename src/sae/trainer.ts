// SaeTrainer: owns the GPU resources of a sparse-autoencoder run (TopK, BatchTopK, JumpReLU, L1) on float vectors
// (slabs, batch buffers, the data, the dead-latent counters) and records whole steps — gather, encode, codes, AuxK,
// decode, loss, backward, parallel-gradient removal, Adam, renormalisation, counters — into one encoder and one submit
// (src/sae/graph.ts). Evaluation sums L0, the squared error, the test split's moments and each latent's firing count
// on the GPU; FVU, MMCS and the firing-density histogram are finished here (src/sae/metrics.ts).
import type { VectorSplit } from '../data/vectors.ts';
import type { Gpu } from '../gpu/device.ts';
import { KernelCache, storageBuffer } from '../gpu/kernels.ts';
import { readBuffer } from '../gpu/readback.ts';
import { epochPermutation, identityPermutation } from '../data/shuffle.ts';
import { SAE_KINDS, THRESHOLD_MIN } from '../ref/sae-kinds.ts';
import type { SaeParams } from '../ref/sae.ts';
import { makeBinder, Recorder, type Bind, type BufferOwner, type Dispatch } from '../train/bind.ts';
import { STEP_BYTES, STEP_SLOT, writeStep } from '../train/uniforms.ts';
import { buildSaeGraph, type SaeGraph } from './graph.ts';
import { initSae } from './init.ts';
import { packParams, saeLayout, unpackParams, type SaeLayout, type SaeShape } from './kernels.ts';
import { saeMetrics, totalVariance, type SaeMetrics } from './metrics.ts';
import { meanMaxCosine } from './planted.ts';
import { BatchStream } from './stream.ts';

export type { SaeMetrics } from './metrics.ts';

export interface SaeConfig extends SaeShape {
  dSae: number; // latents
  thresholdInit: number; // JumpReLU's initial θ
  bDecInit: 'mean' | 'median'; // b_dec's start: the training mean or the geometric median (src/sae/median.ts)
  epochs: number;
  lr: number; // constant learning rate
  beta1: number;
  beta2: number;
  eps: number;
  seed: number; // initialisation and the per-epoch shuffle
}

const SLOTS = 64;

export class SaeTrainer {
  readonly layout: SaeLayout;
  readonly stepsPerEpoch: number;
  epoch = 0;
  globalStep = 0;
  private readonly stepData = new ArrayBuffer(SLOTS * STEP_SLOT);
  private readonly stepBuffer: GPUBuffer;
  private readonly slabs: { params: GPUBuffer; grads: GPUBuffer; m: GPUBuffer; v: GPUBuffer };
  private readonly buffers: GPUBuffer[];
  private readonly order: GPUBuffer;
  private readonly gatherTrain: Dispatch;
  private readonly gatherTest: Dispatch;
  private readonly streams: { train: BatchStream | null; test: BatchStream | null }; // data over the binding limit
  private readonly testOrder: GPUBuffer;
  private perm: Uint32Array = new Uint32Array(0); // the open epoch's order (fed through the train stream)

  private heldOutVariance: number | null = null; // FVU's denominator, computed once on the host

  private constructor(readonly gpu: Gpu, readonly cfg: SaeConfig, readonly data: VectorSplit, readonly graph: SaeGraph,
    parts: { layout: SaeLayout; stepBuffer: GPUBuffer; slabs: SaeTrainer['slabs']; trainData: GPUBuffer; testData: GPUBuffer; testOrder: GPUBuffer; order: GPUBuffer;
      streams: SaeTrainer['streams'] }) {
    this.layout = parts.layout;
    this.stepBuffer = parts.stepBuffer;
    this.slabs = parts.slabs;
    this.order = parts.order;
    this.stepsPerEpoch = Math.ceil(data.train.rows / cfg.batch);
    this.streams = parts.streams;
    this.testOrder = parts.testOrder;
    const { train, test } = parts.streams;
    this.gatherTrain = train ? graph.gather(train.buffer, parts.order, train.capacity) : graph.gather(parts.trainData, parts.order, data.train.rows);
    this.gatherTest = test ? graph.gather(test.buffer, parts.testOrder, test.capacity) : graph.gather(parts.testData, parts.testOrder, data.test.rows);
    this.buffers = [parts.stepBuffer, parts.trainData, parts.testData, parts.testOrder, parts.order, ...Object.values(parts.slabs)];
  }

  /** `init`: starting parameters (tests, resumes); by default tied init with b_dec = the training mean (src/sae/init.ts).
   * A split over the storage binding limit (the device's, or `maxBindingBytes` if lower) is streamed (./stream.ts). */
  static async create(gpu: Gpu, cfg: SaeConfig, data: VectorSplit, cache = new KernelCache(gpu), init?: SaeParams,
    opts: { maxBindingBytes?: number } = {}): Promise<SaeTrainer> {
    checkSaeConfig(cfg, data.dim);
    const { device } = gpu;
    const layout = saeLayout(data.dim, cfg.dSae);
    const buf = (label: string, bytes: number) => storageBuffer(device, `SaeTrainer.${label}`, bytes);
    const slabs = { params: buf('params', layout.floats * 4), grads: buf('grads', layout.floats * 4), m: buf('adamM', layout.floats * 4), v: buf('adamV', layout.floats * 4) };
    device.queue.writeBuffer(slabs.params, 0, packParams(init ?? initSae(data.dim, cfg.dSae, cfg.seed, data.train, cfg), layout));
    const upload = (label: string, a: Float32Array | Uint32Array) => {
      const b = buf(label, a.byteLength);
      device.queue.writeBuffer(b, 0, a);
      return b;
    };
    const stepBuffer = device.createBuffer({ label: 'SaeTrainer.steps', size: SLOTS * STEP_SLOT, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const graph = await buildSaeGraph(device, cache, layout, cfg, cfg, slabs, stepBuffer);
    const limit = Math.min(opts.maxBindingBytes ?? Infinity, device.limits.maxStorageBufferBindingSize);
    const streams = { train: BatchStream.maybe(device, 'SaeTrainer.trainStream', data.train, cfg.batch, SLOTS, limit),
      test: BatchStream.maybe(device, 'SaeTrainer.testStream', data.test, cfg.batch, SLOTS, limit) };
    const whole = (label: string, m: Float32Array, stream: BatchStream | null) => upload(label, stream ? new Float32Array(4) : m);
    return new SaeTrainer(gpu, cfg, data, graph, { layout, stepBuffer, slabs, streams, trainData: whole('trainData', data.train.values, streams.train),
      testData: whole('testData', data.test.values, streams.test), testOrder: upload('testOrder', identityPermutation(data.test.rows)),
      order: buf('order', data.train.rows * 4) });
  }

  /** Upload this epoch's sample order and clear the epoch's training sums. */
  beginEpoch(): void {
    const n = this.data.train.rows;
    this.perm = epochPermutation(n, this.cfg.seed, this.epoch);
    this.gpu.device.queue.writeBuffer(this.order, 0, this.perm);
    this.gpu.device.queue.writeBuffer(this.graph.sums, 0, new Float32Array(4));
  }

  /** Record and submit `count` training steps of the open epoch in one command buffer; `lrAt(i)`: step i's learning
   * rate (the Run's schedule; constant cfg.lr by default). */
  submitSteps(stepInEpoch: number, count = 1, lrAt = (_i: number) => this.cfg.lr): void {
    const per = this.streams.train?.steps ?? count; // a stream holds this many steps' rows: one submit each
    for (let i = 0; i < count; i += per) this.submitGroup(stepInEpoch + i, Math.min(per, count - i), lrAt);
  }

  private submitGroup(stepInEpoch: number, count: number, lrAt: (i: number) => number): void {
    const { device } = this.gpu;
    this.streams.train?.feed(device.queue, this.perm, this.order, stepInEpoch, count);
    const { batch, seed, beta1, beta2 } = this.cfg;
    const n = this.data.train.rows;
    const encoder = device.createCommandEncoder({ label: `SaeTrainer.step${this.globalStep}` });
    const recorder = new Recorder(encoder, 'SaeTrainer.step');
    for (let s = 0; s < count; s++) {
      const i = stepInEpoch + s;
      const t = ++this.globalStep;
      writeStep(this.stepData, s, { rows: Math.min(batch, n - i * batch), step: t - 1, seed, batchStart: i * batch, lr: lrAt(i),
        bc1: 1 - beta1 ** t, bc2: 1 - beta2 ** t, training: true, record: i });
      recorder.record([this.gatherTrain, ...this.graph.step], s * STEP_SLOT);
    }
    recorder.end();
    device.queue.writeBuffer(this.stepBuffer, 0, this.stepData, 0, (count - 1) * STEP_SLOT + STEP_BYTES);
    device.queue.submit([encoder.finish()]);
  }

  /** One epoch: its steps in submits of `stepsPerSubmit`, each submit waiting for the one before the previous (the
   * queue stays two submits deep, as in Run's fence cadence, and never drains), then the held-out metrics. */
  async trainEpoch(stepsPerSubmit = 8): Promise<SaeMetrics> {
    this.beginEpoch();
    let fence: Promise<unknown> = Promise.resolve();
    for (let i = 0; i < this.stepsPerEpoch; i += stepsPerSubmit) {
      this.submitSteps(i, Math.min(stepsPerSubmit, this.stepsPerEpoch - i));
      const next = this.gpu.device.queue.onSubmittedWorkDone();
      await fence;
      fence = next;
    }
    this.epoch++;
    return this.evaluate();
  }

  /** Held-out metrics with the current parameters (evaluation records no step and changes no counter). */
  async evaluate(): Promise<SaeMetrics> {
    const { device } = this.gpu;
    device.queue.writeBuffer(this.graph.stats, 0, new Float32Array(4 + 2 * this.layout.dIn));
    this.submitHeldOut();
    const [stats, sums, counters, fires] = await Promise.all([this.graph.stats, this.graph.sums, this.graph.counters, this.graph.fires]
      .map((b) => readBuffer(device, b)));
    const dict = this.data.dictionary;
    const mmcs = dict ? meanMaxCosine(this.decoderRows((await this.readState()).params), dict) : null;
    return saeMetrics(this.epoch, { stats: new Float32Array(stats), sums: new Float32Array(sums), counters: new Uint32Array(counters),
      fires: new Uint32Array(fires, 0, this.layout.dSae) }, this.layout, this.cfg, mmcs, this.heldOutVariance ??= totalVariance(this.data.test));
  }

  /** Submits the held-out split batch by batch through the gather, the evaluation's dispatches and then `after`
   * (src/sae/inspect.ts's top lists); the firing counts (`graph.fires`) start from 0, no step is recorded and no
   * training counter changes. */
  submitHeldOut(after: Dispatch[] = []): void {
    const { device } = this.gpu;
    const { batch } = this.cfg;
    const count = this.data.test.rows;
    const batches = Math.ceil(count / batch);
    device.queue.writeBuffer(this.graph.fires, 0, new Uint32Array(this.layout.dSae));
    const per = this.streams.test?.steps ?? SLOTS;
    const identity = this.streams.test ? identityPermutation(count) : null;
    for (let b0 = 0; b0 < batches; b0 += per) {
      const inSubmit = Math.min(per, batches - b0);
      if (identity) this.streams.test!.feed(device.queue, identity, this.testOrder, b0, inSubmit);
      const encoder = device.createCommandEncoder({ label: 'SaeTrainer.heldOut' });
      const recorder = new Recorder(encoder, 'SaeTrainer.heldOut');
      for (let s = 0; s < inSubmit; s++) {
        const b = b0 + s;
        writeStep(this.stepData, s, { rows: Math.min(batch, count - b * batch), step: this.globalStep, seed: this.cfg.seed, batchStart: b * batch,
          lr: 0, bc1: 1, bc2: 1, training: false, record: 0 });
        recorder.record([this.gatherTest, ...this.graph.evaluate, ...after], s * STEP_SLOT);
      }
      recorder.end();
      device.queue.writeBuffer(this.stepBuffer, 0, this.stepData, 0, (inSubmit - 1) * STEP_SLOT + STEP_BYTES);
      device.queue.submit([encoder.finish()]);
    }
  }

  /** Binds dispatches that run in this trainer's passes (its Step slots at binding 0); `owner` frees their uniforms. */
  binder(owner: BufferOwner): Bind {
    return makeBinder(this.gpu.device, this.stepBuffer, owner);
  }

  private decoderRows(params: Float32Array): { rows: number; cols: number; values: Float32Array } {
    const { wDec, dSae, dIn } = this.layout;
    return { rows: dSae, cols: dIn, values: params.subarray(wDec, wDec + dSae * dIn) };
  }

  /** Copies of the slabs and counters (checkpoints, tests, export): never inside the training loop. */
  async readState(): Promise<{ params: Float32Array; grads: Float32Array; m: Float32Array; v: Float32Array; counters: Uint32Array }> {
    const read = (b: GPUBuffer) => readBuffer(this.gpu.device, b);
    const [params, grads, m, v, counters] = await Promise.all([this.slabs.params, this.slabs.grads, this.slabs.m, this.slabs.v, this.graph.counters].map(read));
    const f = this.layout.floats;
    return { params: new Float32Array(params, 0, f), grads: new Float32Array(grads, 0, f), m: new Float32Array(m, 0, f), v: new Float32Array(v, 0, f),
      counters: new Uint32Array(counters, 0, this.layout.dSae) };
  }

  /** Overwrite the slabs and counters (a resume, a rollback, a rebuilt device). */
  writeState(s: { params: Float32Array; m: Float32Array; v: Float32Array; counters: Uint32Array }): void {
    const q = this.gpu.device.queue;
    q.writeBuffer(this.slabs.params, 0, s.params);
    q.writeBuffer(this.slabs.m, 0, s.m);
    q.writeBuffer(this.slabs.v, 0, s.v);
    q.writeBuffer(this.graph.counters, 0, s.counters);
  }

  async readParams(): Promise<SaeParams> {
    return unpackParams((await this.readState()).params, this.layout);
  }

  destroy(): void {
    this.streams.train?.destroy();
    this.streams.test?.destroy();
    this.graph.destroy();
    for (const b of this.buffers) b.destroy();
  }
}

/** Clear errors for settings the kernels cannot run. */
export function checkSaeConfig(cfg: SaeConfig, dIn: number): void {
  const need = (ok: boolean, what: string) => { if (!ok) throw new Error(what); };
  need(Number.isInteger(cfg.dSae) && cfg.dSae >= 1 && cfg.dSae <= 65536, `--d-sae must be an integer in [1, 65536], got ${cfg.dSae}`);
  need((SAE_KINDS as readonly string[]).includes(cfg.kind), `the SAE kind must be one of ${SAE_KINDS.join(', ')}, got ${cfg.kind}`);
  need(Number.isInteger(cfg.k) && cfg.k >= 1 && cfg.k <= Math.min(256, cfg.dSae), `--topk must be an integer in [1, min(256, d_sae = ${cfg.dSae})], got ${cfg.k}`);
  need(Number.isInteger(cfg.kAux) && cfg.kAux >= 0 && cfg.kAux <= cfg.dSae, `--auxk must be an integer in [0, d_sae = ${cfg.dSae}] (0: no AuxK), got ${cfg.kAux}`);
  need(Number.isFinite(cfg.auxWeight) && cfg.auxWeight >= 0, `--auxk-weight must be ≥ 0, got ${cfg.auxWeight}`);
  need(Number.isInteger(cfg.deadAfter) && cfg.deadAfter >= 1, `--dead-after must be a positive integer (samples), got ${cfg.deadAfter}`);
  need(Number.isInteger(cfg.batch) && cfg.batch >= 1 && cfg.batch <= 65535, `--batch must be an integer in [1, 65535], got ${cfg.batch}`);
  // BatchTopK's scan runs one thread over the rows twice (sae_batch.wgsl), within llvmpipe's loop budget.
  need(cfg.kind !== 'batchtopk' || cfg.batch <= 16384, `--batch must be at most 16384 for BatchTopK, got ${cfg.batch}`);
  need(Number.isFinite(cfg.l0Weight) && cfg.l0Weight >= 0, `--l0-weight must be ≥ 0, got ${cfg.l0Weight}`);
  const jump = cfg.kind === 'jumprelu'; // ε and θ's start matter to JumpReLU only
  need(!jump || (Number.isFinite(cfg.bandwidth) && cfg.bandwidth > 0), `--jump-bandwidth must be > 0, got ${cfg.bandwidth}`);
  need(Number.isFinite(cfg.l1Weight) && cfg.l1Weight >= 0, `--l1-weight must be ≥ 0, got ${cfg.l1Weight}`);
  need(!jump || (Number.isFinite(cfg.thresholdInit) && cfg.thresholdInit >= THRESHOLD_MIN), `--threshold-init must be ≥ ${THRESHOLD_MIN} (θ stays > 0), got ${cfg.thresholdInit}`);
  need(cfg.bDecInit === 'mean' || cfg.bDecInit === 'median', `--b-dec-init must be mean or median, got ${cfg.bDecInit}`);
  need(dIn >= 1, 'the vectors have no dimensions');
}
