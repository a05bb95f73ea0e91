// Run: the one driver of training, used by the CLI, the page, sweeps and the bench, of any Engine (./engine.ts: the
// MLP Trainer or a sparse autoencoder's SaeEngine). It submits steps in chunks with
// one fence cadence (each chunk waits on the previous chunk's fence, so the queue stays short and never drains),
// closes epochs (evaluation, the divergence guard, a TrainState of the boundary), rolls back a diverged epoch with the
// learning rate halved, rebuilds on a fresh device after a loss, and stops gracefully at a chunk boundary on request.
// It drives a batch of models of one shape the same way (RunSpec.models): each model has its own history, guard and
// learning-rate scale; a divergence rolls the whole batch back with only the diverged models' rates halved.
import type { Gpu } from '../gpu/device.ts';
import { KernelCache } from '../gpu/kernels.ts';
import type { TrainConfig } from '../model/config.ts';
import { DivergenceError, ModelGuards } from './guard.ts';
import type { MatmulChoices } from './kernels.ts';
import { LiveRecords } from './live.ts';
import { epochRow, type EpochMetrics, type EpochRow, type StepRecord } from './metrics.ts';
import { DEFAULT_RUN, type EpochResult, type RunEvents, type RunHooks, type RunOptions, type RunSpec } from './run-types.ts';
import { learningRate } from './schedule.ts';
import { takeSnapshot, type Snapshot } from './snapshot.ts';
export { DEFAULT_RUN, type EpochResult, type RunEvents, type RunHooks, type RunOptions, type RunSpec } from './run-types.ts';
import type { TrainState } from './state.ts';
import { Trainer } from './trainer.ts';
import type { Engine } from './engine.ts';
import { createEngine, type RunData } from './engines.ts';
import { DeviceWatch } from './device-watch.ts';
import { stepsPerSubmit } from './dispatch-plan.ts';

export class Run {
  gpu!: Gpu;
  engine!: Engine; // what trains: an MLP autoencoder's Trainer (possibly batched) or a sparse autoencoder's SaeEngine
  goods!: TrainState[]; // each model's last good state: an epoch boundary, or where the run started
  histories: EpochRow[][] = [[]]; // each model's finished epochs
  readonly divergences: string[] = []; // every model's reports, in order
  private models: TrainConfig[];
  private guards: ModelGuards;
  readonly deviceFaults: string[] = [];
  events: RunEvents = {};
  stopRequested = false;
  private stepInEpoch = 0;
  private epochOpen = false;
  private firstRecord = 0;
  private activeMs = 0; // training time of the open epoch (chunks only, not pauses or evaluation)
  private lastFence: Promise<unknown> = Promise.resolve();
  private live: LiveRecords | null = null;
  private watch!: DeviceWatch;
  private cache!: KernelCache;
  private ownsGpu = false; // a device the run acquired is the run's to give back; one handed to it is the caller's
  readonly options: RunOptions;

  private constructor(private readonly hooks: RunHooks, public cfg: TrainConfig, public data: RunData,
    public kernel: string | MatmulChoices, options: Partial<RunOptions>) {
    this.options = { ...DEFAULT_RUN, ...options };
    this.models = [cfg];
    this.guards = new ModelGuards(1, this.options.maxRollbacks);
  }

  get good(): TrainState { return this.goods[0]; } // model 0's (the only one outside batched sweeps)
  get history(): EpochRow[] { return this.histories[0]; }
  /** Batched models the guard stopped (their error; the others go on), in model order; null: training. */
  get failures(): readonly (DivergenceError | null)[] { return this.guards.failures; }

  private setModels(models: TrainConfig[]): void {
    this.models = models;
    this.histories = models.map(() => []);
    this.guards = new ModelGuards(models.length, this.options.maxRollbacks);
  }

  static async start(spec: RunSpec): Promise<Run> {
    const run = new Run(spec.hooks, spec.cfg, spec.data, spec.kernel, spec.options ?? {});
    if (spec.models) {
      if (spec.models[0] !== spec.cfg || spec.from) throw new Error('Run.start: models must start with cfg, and a batch starts fresh');
      run.setModels(spec.models);
    }
    run.ownsGpu = !spec.gpu;
    const gpu = spec.gpu ?? (await run.acquire());
    // The adapter's dispatch plan (src/train/dispatch-plan.ts) unless the caller chose: several steps per submit on
    // a GPU, one on CPU adapters; a chunk holds at least four submits.
    if (spec.options?.stepsPerSubmit === undefined) run.options.stepsPerSubmit = stepsPerSubmit(gpu);
    if (spec.options?.chunk === undefined) run.options.chunk = Math.max(DEFAULT_RUN.chunk, 4 * run.options.stepsPerSubmit);
    await run.attach(gpu, spec.cache ?? new KernelCache(gpu), spec.from?.kernels ?? null);
    if (spec.from) run.install([spec.from]);
    run.goods = await run.captureAll();
    run.histories.forEach((h, i) => { run.guards.references[i] = h.at(-1)?.loss ?? null; });
    return run;
  }

  /** The MLP autoencoder's trainer (pictures, live records, profiles): a sparse autoencoder's run has none. */
  get trainer(): Trainer {
    if (!(this.engine instanceof Trainer)) throw new Error('this run trains a sparse autoencoder, which has no MLP trainer');
    return this.engine;
  }

  private acquire(): Promise<Gpu> {
    if (!this.hooks.acquire) throw new Error('this run has no way to acquire a GPU device');
    return this.hooks.acquire();
  }

  private async attach(gpu: Gpu, cache: KernelCache, kernels: MatmulChoices | null): Promise<void> {
    this.gpu = gpu;
    this.cache = cache;
    if (this.watch?.gpu !== gpu) { this.watch?.detach(); this.watch = new DeviceWatch(gpu); }
    const recorded = kernels && Object.keys(kernels).length > 0 ? kernels : null;
    const { jacobianMetric, maxBindingBytes } = this.options;
    const options = { jacobianMetric, maxBindingBytes, ...(this.models.length > 1 ? { models: this.models } : {}) };
    const engine = await createEngine(gpu, this.cfg, this.data, recorded ?? this.kernel, cache, options);
    this.engine = engine;
    const mlp = engine instanceof Trainer ? engine : null; // live records and pictures are the MLP trainer's
    this.live = this.options.live && mlp ? new LiveRecords(mlp) : null;
    this.lastFence = Promise.resolve();
    if (mlp) this.hooks.built?.(mlp);
  }

  /** Put `states` (one per model) into the trainer and take their position; an epoch left open continues at its next step. */
  private install(states: TrainState[]): void {
    this.engine.restoreStates(states);
    const [s] = states;
    this.histories = states.map((x) => [...x.history]);
    this.epochOpen = false;
    this.stepInEpoch = 0;
    this.activeMs = 0;
    if (s.stepInEpoch > 0 && s.stepInEpoch < this.engine.stepsPerEpoch) this.openEpoch(s.stepInEpoch);
  }

  get done(): boolean { return this.engine.epoch >= this.cfg.epochs && !this.epochOpen; }
  get position(): { epoch: number; globalStep: number; stepInEpoch: number; stepsPerEpoch: number } {
    const t = this.engine;
    return { epoch: t.epoch, globalStep: t.globalStep, stepInEpoch: this.epochOpen ? this.stepInEpoch : 0, stepsPerEpoch: t.stepsPerEpoch };
  }

  /** The state at this step boundary (waits for the GPU). */
  async capture(): Promise<TrainState> {
    await this.flushLive();
    return (await this.engine.captureStates(this.epochOpen ? this.stepInEpoch : 0, [this.history]))[0];
  }

  /** Every model's state at this step boundary. */
  private async captureAll(): Promise<TrainState[]> {
    await this.flushLive();
    return this.engine.captureStates(this.epochOpen ? this.stepInEpoch : 0, this.histories);
  }

  private openEpoch(at: number): void {
    const t = this.engine;
    t.beginEpoch();
    this.epochOpen = true;
    this.stepInEpoch = at;
    this.firstRecord = at;
    this.activeMs = 0;
    if (this.live) this.live.sampledTo = at;
    if (at === 0 && learningRate(this.cfg, t.epoch, 0, t.stepsPerEpoch) === 0 && !(this.cfg.schedule.warmupEpochs > t.epoch)) {
      this.hooks.log(`epoch ${t.epoch + 1} starts at learning rate 0: it is past the cosine period T = ${this.cfg.schedule.T} epochs ` +
        '(raise T: --lr-T, or "cosine T" in the page)');
    }
  }

  /** Submit up to one chunk of steps (at most `limit`) and wait for the previous chunk; at the epoch's end, close
   * it. Returns the epoch's result when one closed, null otherwise (also after a rollback or a device rebuild). */
  async chunk(limit = Infinity): Promise<EpochResult | null> {
    if (this.faulted()) { await this.recoverDevice(); return null; }
    if (this.done) throw new Error(`all ${this.cfg.epochs} epochs are done`);
    try {
      const t0 = performance.now();
      const t = this.engine;
      if (!this.epochOpen) this.openEpoch(0);
      const count = Math.min(this.options.chunk, limit, t.stepsPerEpoch - this.stepInEpoch);
      for (let i = 0; i < count; i += this.options.stepsPerSubmit) t.submitSteps(this.stepInEpoch + i, Math.min(this.options.stepsPerSubmit, count - i));
      this.stepInEpoch += count;
      this.forwardLive(this.live?.sample(this.stepInEpoch) ?? null);
      const fence = t.gpu.device.queue.onSubmittedWorkDone();
      await this.lastFence; // the previous chunk has run
      this.lastFence = fence;
      this.activeMs += performance.now() - t0;
      return this.stepInEpoch >= t.stepsPerEpoch ? await this.closeEpoch() : null;
    } catch (e) {
      if (e instanceof DivergenceError) throw e;
      await this.watch.settle();
      if (!this.faulted()) throw e;
      await this.recoverDevice();
      return null;
    }
  }

  private async closeEpoch(): Promise<EpochResult | null> {
    const t = this.engine;
    const t0 = performance.now();
    await this.lastFence;
    this.activeMs += performance.now() - t0;
    this.forwardLive(this.live?.sample(t.stepsPerEpoch, true) ?? null);
    const stepBase = t.globalStep - t.stepsPerEpoch;
    const firstRecord = this.firstRecord;
    const trainSeconds = this.activeMs / 1000;
    this.epochOpen = false;
    this.stepInEpoch = 0;
    if (!this.options.evaluate) {
      t.skipEvaluation();
      return null;
    }
    const metrics = t.finishEpochModels();
    const snapshot = this.options.pictures && t instanceof Trainer ? takeSnapshot(t) : null;
    const all = await metrics;
    if (this.faulted()) throw new Error('GPU fault during the epoch');
    const rows = all.map((m, i) => epochRow(m, { samplesPerSec: m.samples / trainSeconds, flopsPerSample: t.flopsPerSample(i),
      seconds: trainSeconds, lrScale: t.lrScales[i] }));
    const g = this.guards;
    const capture = () => t.captureStates(0, this.histories.map((h, i) => (g.live(i) ? [...h, rows[i]] : h)));
    const judged = await g.epochReports(all, this.options.explodeFactor, t.epoch, capture);
    if (this.guard(judged.why.map((w) => w && `epoch ${all[0].epoch + 1}: ${w}`))) return null;
    const states = judged.states ?? await capture();
    const models = all.map((m, i) => (g.live(i) ? { row: rows[i], metrics: m } : null));
    models.forEach((r, i) => { if (r) { this.histories[i].push(r.row); g.references[i] = r.metrics.loss; } });
    this.goods = states;
    const result = { row: rows[0], metrics: all[0], snapshot: await snapshot, stepBase, firstRecord, models };
    this.events.epoch?.(result);
    return result;
  }

  /** Chunks until an epoch closes (rollbacks and rebuilds repeat it). */
  async epoch(): Promise<EpochResult> {
    for (;;) {
      const r = await this.chunk();
      if (r) return r;
    }
  }

  /** Train to the epoch goal, or until a stop is requested (checked after every chunk). */
  async train(): Promise<'done' | 'stopped'> {
    while (!this.done) {
      if (this.stopRequested) return 'stopped';
      await this.chunk();
    }
    return 'done';
  }

  /** The divergence guard over each model's report (null: fine). A model past its rollbacks stops (failures[i]; the
   * run throws once every model has); any other divergence rolls the whole batch back to the last good states with
   * the diverged models' learning rates halved (the others redo the epoch to the same bits). True: rolled back. */
  private guard(reports: (string | null)[]): boolean {
    const s = this.good;
    const scales = this.guards.review(reports, { epoch: s.epoch, globalStep: s.globalStep }, this.models.map((c) => c.optimizer.lr),
      this.engine.lrScales, this.divergences, (line) => this.hooks.log(line));
    if (scales) this.install(this.goods.map((state, i) => ({ ...state, lrScale: scales[i] })));
    return scales !== null;
  }

  /** A lost device or an uncaptured GPU error since the last check. */
  faulted(): boolean { return this.watch.faulted; }

  /** Rebuild on a fresh device from the last good state, keeping the current learning-rate scale. */
  async recoverDevice(): Promise<void> {
    const what = this.watch.fault;
    this.deviceFaults.push(what);
    if (this.deviceFaults.length > this.options.maxDeviceLosses) {
      throw new Error(`${what}; ${this.deviceFaults.length - 1} earlier device faults were recovered, giving up:\n  ${this.deviceFaults.join('\n  ')}`);
    }
    const lrScales = this.engine.lrScales;
    this.release();
    const t0 = performance.now();
    const gpu = await this.acquire();
    this.ownsGpu = true;
    await this.attach(gpu, new KernelCache(gpu), this.good.kernels);
    this.install(this.goods.map((g, i) => ({ ...g, lrScale: lrScales[i] })));
    this.hooks.log(`${what}: re-acquired ${gpu.adapter.name} in ${((performance.now() - t0) / 1000).toFixed(1)} s, ` +
      `rebuilt the trainer and resumed from the end of epoch ${this.good.epoch} (step ${this.good.globalStep})`);
  }

  /** A new trainer for `cfg` on `data` on this device, starting from `from` (its kernels win) or from fresh weights;
   * the current trainer stays if the new one cannot be built. History and the guard's memory come from `from`. */
  async replace(cfg: TrainConfig, data: RunData, kernel: string | MatmulChoices, from: TrainState | null): Promise<void> {
    const before = { engine: this.engine, live: this.live, cfg: this.cfg, data: this.data, kernel: this.kernel };
    const models = this.models;
    Object.assign(this, { cfg, data, kernel, models: [cfg] });
    try {
      await this.attach(this.gpu, this.cache, from?.kernels ?? null);
    } catch (e) {
      Object.assign(this, before, { models });
      throw e;
    }
    before.live?.destroy();
    before.engine.destroy();
    this.setModels([cfg]);
    this.install([from ?? { ...(await this.engine.captureStates(0, [[]]))[0], history: [] }]);
    this.divergences.splice(0);
    this.guards.references[0] = this.history.at(-1)?.loss ?? null;
    this.goods = await this.captureAll();
  }

  /** Rebuild for `cfg` (same parameter tensors) on the current state, which `adjust` may edit first; the same kernel
   * request keeps the kernels the run has (and so its bits). */
  async rebuild(cfg: TrainConfig, kernel: string | MatmulChoices, adjust?: (s: TrainState) => void): Promise<void> {
    const s = await this.capture();
    adjust?.(s);
    const divergences = [...this.divergences];
    await this.replace(cfg, this.data, kernel, kernel === this.kernel ? s : { ...s, kernels: {} });
    this.divergences.push(...divergences);
    this.guards.reports[0].push(...divergences);
  }

  /** Evaluate the test split now (no step taken; nothing of the run changes) with the pictures' copies. */
  async preview(): Promise<{ metrics: EpochMetrics; snapshot: Snapshot }> {
    const metrics = this.trainer.evaluate();
    const snapshot = takeSnapshot(this.trainer);
    return { metrics: await metrics, snapshot: await snapshot };
  }

  /** A new epoch goal or schedule (no rebuild: see Trainer.retarget). */
  retarget(cfg: TrainConfig): void {
    this.engine.retarget(cfg);
    this.cfg = cfg;
  }

  private liveReads: Promise<unknown> = Promise.resolve();
  private forwardLive(p: Promise<{ from: number; records: StepRecord[] }> | null): void {
    if (!p) return;
    const base = this.engine.globalStep - this.stepInEpoch;
    const delivered = p.then(({ from, records }) => this.events.steps?.(base + from, records), () => {});
    this.liveReads = Promise.all([this.liveReads, delivered]);
  }

  /** Copy the open epoch's records not yet sampled and wait until every live read has been delivered. */
  async flushLive(): Promise<void> {
    if (this.epochOpen && this.live) this.forwardLive(this.live.sample(this.stepInEpoch, true));
    await this.liveReads;
  }

  /** Wait until everything submitted has run and every live record has been delivered. */
  async drain(): Promise<void> {
    await this.gpu.device.queue.onSubmittedWorkDone();
    await this.liveReads;
  }

  /** Destroy the trainer and give back a device the run acquired (also after a loss; both are idempotent there). */
  release(): void {
    this.live?.destroy();
    this.engine?.destroy();
    if (this.ownsGpu) this.watch?.release();
    else this.watch?.detach();
  }
}
