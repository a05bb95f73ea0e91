// SaeEngine: a sparse autoencoder behind the Run's Engine interface (src/train/engine.ts). It maps the TrainConfig's
// SAE settings onto SaeTrainer, feeds it the learning-rate schedule and the guard's scale, converts its held-out
// metrics into the Run's EpochMetrics, and reads and writes its whole state (slabs, Adam moments, dead-latent
// counters) as a TrainState. With --normalize the vectors are scaled by `scale` before upload; losses are reported
// in the data's own units.
import { normalizationFactor, scaleVectors } from '../data/image-vectors.ts';
import type { VectorSplit } from '../data/vectors.ts';
import type { Gpu, LimitRequest } from '../gpu/device.ts';
import type { KernelCache } from '../gpu/kernels.ts';
import type { TrainConfig } from '../model/config.ts';
import type { Engine } from '../train/engine.ts';
import type { EpochMetrics, EpochRow } from '../train/metrics.ts';
import { learningRate } from '../train/schedule.ts';
import { lastTestBatch } from '../train/snapshot.ts';
import { readBuffer } from '../gpu/readback.ts';
import type { TrainState } from '../train/state.ts';
import { saeLayout } from './kernels.ts';
import { SaeTrainer, type SaeConfig, type SaeMetrics } from './trainer.ts';

/** The engine's config from a TrainConfig with `sae` set (the kinds' own fields too, for the engine that has them). */
export function saeConfigOf(cfg: TrainConfig): SaeConfig {
  const s = cfg.sae!;
  const o = cfg.optimizer;
  const c = { dSae: s.dSae, k: s.k, kAux: s.kAux, auxWeight: s.auxWeight, deadAfter: s.deadAfter, batch: cfg.batch, epochs: cfg.epochs,
    lr: o.lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, seed: cfg.seed, kind: s.kind, l0Weight: s.l0Weight, bandwidth: s.bandwidth,
    l1Weight: s.l1Weight, thresholdInit: s.thresholdInit, bDecInit: s.bDecInit };
  return c;
}

/** The device limits an SAE needs beyond the defaults: its largest batch buffer and its slabs (data over the
 * device's binding limit is streamed, so it asks for none). */
export function saeLimits(cfg: TrainConfig): LimitRequest {
  const l = saeLayout(cfg.model.inputDim, cfg.sae!.dSae);
  const largest = Math.max(cfg.batch * l.dSae * 4, l.floats * 4);
  return { maxStorageBufferBindingSize: largest, maxBufferSize: largest };
}


export interface SaeEngineOptions { maxBindingBytes?: number } // a lower binding limit than the device's (tests of streaming)

export class SaeEngine implements Engine {
  readonly notes: string[] = [];
  lrScale = 1;

  private constructor(readonly trainer: SaeTrainer, public cfg: TrainConfig, readonly scale: number) {
    if (scale !== 1) this.notes.push(`--normalize: vectors scaled by ${scale.toPrecision(6)} (mean squared norm d_in = ${trainer.layout.dIn})`);
  }

  static async create(gpu: Gpu, cfg: TrainConfig, data: VectorSplit, cache: KernelCache, opts: SaeEngineOptions = {}): Promise<SaeEngine> {
    if (data.dim !== cfg.model.inputDim) throw new Error(`the vectors have ${data.dim} dimensions but the SAE's input is ${cfg.model.inputDim}`);
    const scale = cfg.sae!.normalize ? normalizationFactor(data.train) : 1;
    const trainer = await SaeTrainer.create(gpu, saeConfigOf(cfg), scale === 1 ? data : scaleVectors(data, scale), cache, undefined, opts);
    return new SaeEngine(trainer, cfg, scale);
  }

  get gpu(): Gpu { return this.trainer.gpu; }
  get stepsPerEpoch(): number { return this.trainer.stepsPerEpoch; }
  get epoch(): number { return this.trainer.epoch; }
  get globalStep(): number { return this.trainer.globalStep; }
  get lrScales(): readonly number[] { return [this.lrScale]; } // one model
  /** Dense-equivalent products per sample: encode, and the encoder's and decoder's weight gradients. */
  flopsPerSample(): number { return 6 * this.trainer.layout.dIn * this.trainer.layout.dSae; }

  lrAt(epoch: number, stepInEpoch: number): number {
    return learningRate(this.cfg, epoch, stepInEpoch, this.stepsPerEpoch) * this.lrScale;
  }

  beginEpoch(): void { this.trainer.beginEpoch(); }

  submitSteps(stepInEpoch: number, count = 1): void {
    const epoch = this.epoch;
    this.trainer.submitSteps(stepInEpoch, count, (i) => this.lrAt(epoch, i));
  }

  evaluate(): Promise<EpochMetrics> {
    const epoch = this.epoch;
    return this.trainer.evaluate().then((m) => this.metrics(m, epoch));
  }

  finishEpochModels(): Promise<EpochMetrics[]> {
    const m = this.evaluate(); // recorded and submitted before the count moves on
    this.trainer.epoch++;
    return m.then((x) => [x]);
  }

  skipEvaluation(): void { this.trainer.epoch++; }

  private metrics(m: SaeMetrics, epoch: number): EpochMetrics {
    const units = this.scale ** 2; // squared errors back in the data's units
    const recon = m.trainRecon / units;
    const penalty = m.trainPenalty;
    const active = m.l0 / this.trainer.layout.dSae;
    return { epoch, lr: this.lrAt(epoch, 0), loss: recon + m.trainAux + penalty, recon, mse: recon, sparsity: m.trainAux + penalty, kl: 0, contractive: 0,
      mean_activity_train: active, test_loss: m.testMse / units, test_mse: m.testMse / units, test_noisy_loss: null, test_noisy_mse: null,
      test_corrupted_mse: null, mean_activity: active, population_sparsity: active, lifetime_sparsity: [], jacobian_fro2: null,
      samples: this.trainer.data.train.rows, steps: [], nonfinite_steps: 0,
      sae: { l0: m.l0, fvu: m.fvu, explained_variance: m.explainedVariance, dead_fraction: m.deadFraction, mmcs: m.mmcs, aux: m.trainAux,
        penalty, firing_density: m.firingDensity } };
  }

  /** The reconstructions of the last test batch the last evaluation ran (data units): the index of its first row in
   * the test split, and (rows, d_in). Call after evaluate() and before the next step. */
  async lastTestReconstruction(): Promise<{ first: number; values: Float32Array }> {
    const { first, rows } = lastTestBatch(this.trainer.data.test.rows, this.cfg.batch);
    const raw = new Float32Array(await readBuffer(this.gpu.device, this.trainer.graph.xhat, 0, rows * this.trainer.layout.dIn * 4));
    return { first, values: raw.map((x) => x / this.scale) };
  }

  async captureStates(stepInEpoch: number, histories: readonly (readonly EpochRow[])[]): Promise<TrainState[]> {
    const [history] = histories;
    const s = await this.trainer.readState();
    return [{ params: Float32Array.from(s.params), state: new Float32Array(0), m: Float32Array.from(s.m), v: Float32Array.from(s.v),
      counters: Uint32Array.from(s.counters), epoch: this.epoch, globalStep: this.globalStep, stepInEpoch, lrScale: this.lrScale, kernels: {},
      history: [...history] }];
  }

  restoreStates([s]: readonly TrainState[]): void {
    const { floats, dSae } = this.trainer.layout;
    if (s.params.length !== floats) throw new Error(`SaeEngine.restore: ${s.params.length} parameters for a slab of ${floats}`);
    this.trainer.writeState({ params: s.params, m: s.m, v: s.v, counters: s.counters ?? new Uint32Array(dSae) });
    this.trainer.epoch = s.epoch;
    this.trainer.globalStep = s.globalStep;
    this.lrScale = s.lrScale;
  }

  retarget(cfg: TrainConfig): void {
    const rest = (c: TrainConfig) => JSON.stringify({ ...c, epochs: 0, schedule: null });
    if (rest(cfg) !== rest(this.cfg)) throw new Error('SaeEngine.retarget: only epochs and the schedule may change without a rebuild');
    this.cfg = cfg;
  }

  destroy(): void { this.trainer.destroy(); }
}
