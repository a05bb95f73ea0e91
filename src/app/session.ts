// The training session: owns the Trainer and drives it from one queue of commands, so every change (config,
// checkpoint, data, reset) lands between submitted steps and the views only ever receive copies. Training submits
// a few steps at a time and waits on the previous chunk's fence, so the GPU queue stays short and never drains.
import type { Gpu } from '../gpu/device.ts';
import type { DataSplit } from '../data/dataset.ts';
import type { TrainConfig } from '../model/config.ts';
import { buildPlan } from '../model/plan.ts';
import { validateConfig } from '../model/validate.ts';
import { Trainer, type EpochMetrics, type StepRecord } from '../train/trainer.ts';
import { LiveRecords } from './live.ts';
import { ThroughputMeter } from './meter.ts';
import { takeSnapshot, type Snapshot } from '../viz/snapshot.ts';

export type RunState = 'idle' | 'running' | 'paused' | 'finished';
export interface Progress { epoch: number; epochs: number; stepInEpoch: number; stepsPerEpoch: number; globalStep: number; samplesPerSec: number; etaSeconds: number }
export interface StepPoints { firstStep: number; records: StepRecord[] } // global step of records[0]
export interface EpochResult {
  cfg: TrainConfig;
  metrics: EpochMetrics;
  snapshot: Snapshot;
  stepBase: number; // global step of the epoch's first step
  firstRecord: number; // records before this one came from a trainer replaced mid-epoch (metrics hold zeros there)
  samplesPerSec: number; // smoothed training throughput when the epoch ended
  seconds: number; // training time since the model was built or loaded
}

/** Where a session's results go; every call hands over copies. */
export interface SessionView {
  built(t: Trainer, fresh: boolean): void; // fresh: new weights or history, so curves restart
  progress(p: Progress): void;
  steps(p: StepPoints): void;
  epoch(r: EpochResult): void;
  state(s: RunState): void;
  error(message: string): void;
}

/** Slabs and position a rebuilt trainer continues from; stepInEpoch null: globalStep − epoch · steps per epoch. */
export interface Carry {
  params: Float32Array; state: Float32Array; m: Float32Array; v: Float32Array;
  epoch: number; globalStep: number; stepInEpoch: number | null;
}

/** Same parameter tensors (names and shapes): weights, running statistics and optimiser state carry over. */
function sameParameters(a: TrainConfig, b: TrainConfig): boolean {
  const shapes = (c: TrainConfig) => JSON.stringify([...buildPlan(c.model).params, ...buildPlan(c.model).buffers].map((t) => [t.name, t.shape]));
  return shapes(a) === shapes(b);
}

const LOSS_GRACE_MS = 1000;
const CHUNK = 4; // steps submitted between fences: pause and config changes land within this many steps

export class Session {
  trainer: Trainer | null = null;
  cfg: TrainConfig; // active config (epochs may be ahead of trainer.cfg: it needs no rebuild)
  data: DataSplit;
  runState: RunState = 'idle';
  private stepInEpoch = 0;
  private epochOpen = false;
  private firstRecord = 0; // first record of the open epoch that the current trainer wrote
  private mode: 'stop' | 'run' | 'epoch' = 'stop';
  private live: LiveRecords | null = null;
  private lastFence: Promise<unknown> = Promise.resolve();
  private epochResults: Promise<unknown> = Promise.resolve();
  private liveReads: Promise<unknown> = Promise.resolve();
  private readonly meter = new ThroughputMeter();
  private readonly jobs: (() => Promise<void>)[] = [];
  private wake: (() => void) | null = null;

  private deviceLost = false; // until replaceDevice: nothing trains, and the dead device's failed reads are not reported
  private lastGood: Carry | null = null; // CPU copy of the state at the last epoch boundary: what a new device continues from

  constructor(public gpu: Gpu, cfg: TrainConfig, data: DataSplit, private readonly view: SessionView, public kernel: string) {
    this.cfg = cfg;
    this.data = data;
    this.watchLoss(gpu);
    void this.drive();
  }

  /** Run `fn` between steps, after the commands queued before it; its error goes to the caller. */
  command<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.jobs.push(() => fn().then(resolve, reject));
      this.wake?.();
    });
  }

  start(): Promise<void> { return this.command(async () => this.go('run')); }
  stepEpoch(): Promise<void> { return this.command(async () => this.go('epoch')); }
  pause(): Promise<void> {
    return this.command(async () => {
      this.mode = 'stop';
      await this.drain();
      this.setState(this.runState === 'running' ? 'paused' : this.runState);
    });
  }

  private go(mode: 'run' | 'epoch'): void {
    const t = this.need();
    if (t.epoch >= this.cfg.epochs && !this.epochOpen) throw new Error(`all ${this.cfg.epochs} epochs are done: raise "epochs" to train on, or reset`);
    this.mode = mode;
    this.meter.restart();
    this.setState('running');
  }

  need(): Trainer {
    if (!this.trainer) throw new Error('there is no model: the last configuration was rejected; change it or reset');
    return this.trainer;
  }

  /** Build a trainer for `cfg` on `data`, continuing from `carry` if given; the current one stays until this succeeds. */
  async install(cfg: TrainConfig, data: DataSplit, carry: Carry | null, fresh = carry === null, kernel = this.kernel): Promise<Trainer> {
    const problems = validateConfig(cfg);
    if (problems.length > 0) throw new Error(problems.join('\n'));
    const { device } = this.gpu;
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    let next: Trainer | null = null;
    let failure: unknown = null;
    try { next = await Trainer.create(this.gpu, cfg, data, kernel); } catch (e) { failure = e; }
    const [invalid, oom] = [await device.popErrorScope(), await device.popErrorScope()];
    const gpuError = invalid ?? oom;
    if (failure || gpuError) {
      next?.destroy();
      throw failure ?? new Error(`the GPU rejected this model: ${gpuError!.message}`);
    }
    const t = next!;
    this.mode = 'stop';
    await this.drain();
    this.live?.destroy();
    this.trainer?.destroy();
    this.trainer = t;
    this.cfg = cfg;
    this.data = data;
    this.kernel = kernel;
    this.live = new LiveRecords(t);
    this.stepInEpoch = 0;
    this.epochOpen = false;
    if (carry) {
      t.writeSlabs(carry);
      t.epoch = carry.epoch;
      t.globalStep = carry.globalStep;
      const at = carry.stepInEpoch ?? carry.globalStep - carry.epoch * t.stepsPerEpoch;
      if (at > 0 && at < t.stepsPerEpoch) this.openEpoch(at);
    }
    if (fresh) this.meter.reset();
    this.keepGood(t);
    this.view.built(t, fresh);
    this.setState(t.epoch >= cfg.epochs ? 'finished' : carry ? (this.runState === 'idle' ? 'idle' : 'paused') : 'idle');
    return t;
  }

  /** Current slabs and position (at a step boundary, as every command runs). */
  async carry(): Promise<Carry> {
    const t = this.need();
    await this.flushLive();
    const s = await t.readSlabs();
    return { params: s.params, state: s.state, m: s.m, v: s.v, epoch: t.epoch, globalStep: t.globalStep, stepInEpoch: this.epochOpen ? this.stepInEpoch : 0 };
  }

  /** Apply `cfg` between steps: nothing to rebuild for `epochs` alone, new weights when the parameter tensors
   * change, and otherwise a rebuilt trainer that continues from the current weights, optimiser state and position. */
  applyConfig(cfg: TrainConfig): Promise<'none' | 'epochs' | 'continued' | 'rebuilt'> {
    return this.command(async () => {
      const before = this.cfg;
      if (JSON.stringify(before) === JSON.stringify(cfg) && this.trainer) return 'none';
      if (!this.trainer || !sameParameters(before, cfg)) {
        await this.install(cfg, this.data, null);
        return 'rebuilt';
      }
      if (JSON.stringify({ ...before, epochs: 0 }) === JSON.stringify({ ...cfg, epochs: 0 })) {
        this.cfg = cfg;
        const t = this.trainer;
        if (t.epoch >= cfg.epochs && !this.epochOpen) { this.mode = 'stop'; this.setState('finished'); }
        else if (this.runState === 'finished') this.setState('paused');
        return 'epochs';
      }
      await this.rebuildCarrying(cfg, this.kernel, (c) => {
        if (before.optimizer.kind !== cfg.optimizer.kind) { c.m.fill(0); c.v.fill(0); }
        if (before.batch !== cfg.batch) c.stepInEpoch = 0; // batches of another size cannot continue this epoch's order
      });
      return 'continued';
    });
  }

  /** Matmul kernels: a variant for every product, or 'auto' (timed per product on this adapter); same weights. */
  setKernel(kernel: string): Promise<void> {
    return this.command(async () => {
      if (this.trainer) await this.rebuildCarrying(this.cfg, kernel);
      else this.kernel = kernel;
    });
  }

  /** Rebuild on the current weights, optimiser state and position; training goes on if it was running. */
  private async rebuildCarrying(cfg: TrainConfig, kernel: string, adjust?: (c: Carry) => void): Promise<void> {
    const carry = await this.carry();
    adjust?.(carry);
    const mode = this.mode;
    await this.install(cfg, this.data, carry, false, kernel);
    if (mode !== 'stop' && this.trainer!.epoch < cfg.epochs) {
      this.mode = mode;
      this.meter.restart(); // the rebuild's time is not training time
      this.setState('running');
    }
  }

  reset(): Promise<void> {
    return this.command(async () => { await this.install(this.cfg, this.data, null); });
  }

  private openEpoch(at: number): void {
    const t = this.trainer!;
    t.beginEpoch();
    this.epochOpen = true;
    this.stepInEpoch = at;
    this.firstRecord = at;
    this.live!.sampledTo = at;
  }

  private samplesIn(from: number, to: number): number {
    const { batch } = this.trainer!.cfg;
    const n = this.data.train.count;
    return Math.min(n, to * batch) - from * batch;
  }

  private async trainChunk(): Promise<void> {
    const t = this.trainer!;
    if (!this.epochOpen) this.openEpoch(0);
    const from = this.stepInEpoch;
    const count = Math.min(CHUNK, t.stepsPerEpoch - from);
    for (let i = 0; i < count; i++) t.submitSteps(from + i, 1);
    this.stepInEpoch += count;
    this.forwardLive(this.live!.sample(this.stepInEpoch));
    const fence = t.gpu.device.queue.onSubmittedWorkDone();
    await this.lastFence; // the previous chunk has run
    this.lastFence = fence;
    this.meter.fence(this.samplesIn(from, this.stepInEpoch));
    if (this.stepInEpoch >= t.stepsPerEpoch) this.closeEpoch();
    this.view.progress(this.progress());
  }

  progress(): Progress {
    const t = this.trainer;
    const spe = t?.stepsPerEpoch ?? 0;
    const epoch = t?.epoch ?? 0;
    const left = Math.max(0, (this.cfg.epochs - epoch) * this.data.train.count - (this.epochOpen ? this.samplesIn(0, this.stepInEpoch) : 0));
    return { epoch, epochs: this.cfg.epochs, stepInEpoch: this.epochOpen ? this.stepInEpoch : 0, stepsPerEpoch: spe,
      globalStep: t?.globalStep ?? 0, samplesPerSec: this.meter.rate, etaSeconds: this.meter.rate > 0 ? left / this.meter.rate : NaN };
  }

  /** Copy the state at this boundary (submitted now, mapped later, never awaited in the loop) as the last good one. */
  private keepGood(t: Trainer): void {
    const at = { epoch: t.epoch, globalStep: t.globalStep, stepInEpoch: this.epochOpen ? this.stepInEpoch : 0 };
    t.readSlabs().then((s) => { if (this.trainer === t) this.lastGood = { params: s.params, state: s.state, m: s.m, v: s.v, ...at }; }, () => {});
  }

  /** Show a failed read unless `t`'s device was lost or replaced: a destroyed device fails its pending maps before
   * its `lost` promise settles, so that gets a moment to arrive first. */
  private async report(t: Trainer, message: string): Promise<void> {
    await Promise.race([t.gpu.device.lost, new Promise((r) => setTimeout(r, LOSS_GRACE_MS))]);
    if (this.trainer === t && !this.deviceLost) this.view.error(message);
  }

  private watchLoss(gpu: Gpu): void {
    void gpu.device.lost.then(() => { if (this.gpu === gpu) this.deviceLost = true; });
  }

  /** Continue on a new device after the old one was lost: a trainer rebuilt from the last good state, running again
   * if it was running. Returns where it continues from (null: no state was kept, so the model starts afresh). */
  replaceDevice(gpu: Gpu): Promise<{ epoch: number; globalStep: number } | null> {
    return this.command(async () => {
      const mode = this.mode;
      const carry = this.lastGood;
      this.mode = 'stop';
      this.trainer?.destroy();
      this.trainer = null;
      this.live?.destroy();
      this.live = null;
      this.epochOpen = false;
      this.gpu = gpu;
      this.deviceLost = false;
      this.watchLoss(gpu);
      this.lastFence = Promise.resolve();
      await this.install(this.cfg, this.data, carry, carry === null);
      if (mode !== 'stop' && this.trainer!.epoch < this.cfg.epochs) {
        this.mode = mode;
        this.meter.restart();
        this.setState('running');
      }
      return carry && { epoch: carry.epoch, globalStep: carry.globalStep };
    });
  }

  private closeEpoch(): void {
    const t = this.trainer!;
    const stepBase = t.globalStep - t.stepsPerEpoch;
    const { rate: samplesPerSec, activeMs } = this.meter;
    this.forwardLive(this.live!.sample(t.stepsPerEpoch, true));
    const metrics = t.finishEpoch();
    const snapshot = takeSnapshot(t);
    const { cfg, firstRecord } = this;
    this.epochResults = Promise.all([metrics, snapshot]).then(
      ([m, s]) => this.view.epoch({ cfg, metrics: m, snapshot: s, stepBase, firstRecord, samplesPerSec, seconds: activeMs / 1000 }))
      .catch((e: unknown) => this.report(t, `the epoch's results: ${(e as Error).message}`));
    this.epochOpen = false;
    this.stepInEpoch = 0;
    this.keepGood(t);
    if (t.epoch >= this.cfg.epochs) { this.mode = 'stop'; this.setState('finished'); }
    else if (this.mode === 'epoch') { this.mode = 'stop'; this.setState('paused'); }
  }

  private forwardLive(p: Promise<{ from: number; records: StepRecord[] }> | null): void {
    if (!p) return;
    const t = this.trainer!;
    const base = t.globalStep - this.stepInEpoch;
    const delivered = p.then(({ from, records }) => this.view.steps({ firstStep: base + from, records }))
      .catch((e: unknown) => this.report(t, `live metrics: ${(e as Error).message}`));
    this.liveReads = Promise.all([this.liveReads, delivered]);
  }

  /** Copy the open epoch's records not yet sampled and wait for them (before a trainer is replaced). */
  private async flushLive(): Promise<void> {
    if (!this.epochOpen || !this.live) return;
    this.forwardLive(this.live.sample(this.stepInEpoch, true));
    await this.liveReads;
  }

  /** Wait until everything submitted has run and every live record and epoch result has reached the view. */
  async drain(): Promise<void> {
    await this.gpu.device.queue.onSubmittedWorkDone();
    await Promise.all([this.liveReads, this.epochResults]);
  }

  private setState(s: RunState): void {
    this.runState = s;
    this.view.state(s);
  }

  private async drive(): Promise<void> {
    for (;;) {
      const job = this.jobs.shift();
      if (job) { await job(); continue; }
      if (this.mode !== 'stop' && this.trainer && !this.deviceLost) {
        try {
          await this.trainChunk();
        } catch (e) {
          this.mode = 'stop';
          this.setState('paused');
          this.view.error(`training stopped: ${(e as Error).message}`);
        }
        continue;
      }
      await new Promise<void>((r) => { this.wake = () => { this.wake = null; r(); }; });
    }
  }
}
