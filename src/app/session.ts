// The page's training session: a queue of commands over the one Run (src/train/run.ts), so every change (config,
// checkpoint, data, reset, a lost device) lands between chunks of steps, and the views only ever receive copies.
// Training, the divergence guard, rollbacks and device rebuilds are the Run's, exactly as in the CLI.
import type { Gpu } from '../gpu/device.ts';
import { acquireBrowserGpu } from '../gpu/browser.ts';
import type { DataSplit } from '../data/dataset.ts';
import type { TrainConfig } from '../model/config.ts';
import { sameTensors } from '../model/plan.ts';
import { validateConfig } from '../model/validate.ts';
import type { EpochMetrics, EpochRow, StepRecord } from '../train/metrics.ts';
import { Run, type EpochResult } from '../train/run.ts';
import { extendRun } from '../train/schedule.ts';
import type { Snapshot } from '../train/snapshot.ts';
import type { TrainState } from '../train/state.ts';
import type { Engine } from '../train/engine.ts';
import { Trainer } from '../train/trainer.ts';
import { ThroughputMeter } from './meter.ts';

export type RunState = 'idle' | 'running' | 'paused' | 'finished';
export interface Progress { epoch: number; epochs: number; stepInEpoch: number; stepsPerEpoch: number; globalStep: number; samplesPerSec: number; etaSeconds: number }
export interface StepPoints { firstStep: number; records: StepRecord[] } // global step of records[0]

/** Where a session's results go; every call hands over copies. */
export interface SessionView {
  built(e: Engine, fresh: boolean, history: EpochRow[]): void; // fresh: new weights or history, so curves restart; an MLP's Trainer or an SaeEngine
  progress(p: Progress): void;
  steps(p: StepPoints): void;
  epoch(r: EpochResult & { cfg: TrainConfig }): void;
  evaluated(r: { metrics: EpochMetrics; snapshot: Snapshot; cfg: TrainConfig; after: number }): void; // pictures after `after` epochs
  state(s: RunState): void;
  notice(message: string): void; // what the run did on its own: a rollback, a rebuilt device, a schedule change
  error(message: string): void;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export class Session {
  run: Run | null = null;
  runState: RunState = 'idle';
  private mode: 'stop' | 'run' | 'epoch' = 'stop';
  private readonly meter = new ThroughputMeter();
  private readonly jobs: (() => Promise<void>)[] = [];
  private wake: (() => void) | null = null;

  constructor(private device0: Gpu, public cfg: TrainConfig, public data: DataSplit, private readonly view: SessionView, public kernel: string) {
    void this.drive();
  }

  /** The MLP autoencoder's trainer (pictures, latent view, profiles); null before a model and for a sparse autoencoder. */
  get trainer(): Trainer | null { const e = this.run?.engine; return e instanceof Trainer ? e : null; }
  /** What the run trains, whichever kind. */
  get engine(): Engine | null { return this.run?.engine ?? null; }
  get gpu(): Gpu { return this.run?.gpu ?? this.device0; } // the current device (a lost one is replaced)

  /** Run `fn` between chunks, after the commands queued before it; its error goes to the caller. */
  command<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.jobs.push(() => fn().then(resolve, reject));
      this.wake?.();
    });
  }

  start(): Promise<void> { return this.go('run'); }
  stepEpoch(): Promise<void> { return this.go('epoch'); }
  pause(): Promise<void> {
    return this.command(async () => {
      this.mode = 'stop';
      await this.need().drain();
      this.setState(this.runState === 'running' ? 'paused' : this.runState);
    });
  }
  reset(): Promise<void> { return this.command(() => this.install(this.cfg, this.data, null)); }

  private go(mode: 'run' | 'epoch'): Promise<void> {
    return this.command(async () => {
      if (this.need().done) throw new Error(`all ${this.cfg.epochs} epochs are done: raise "epochs" to train on, or reset`);
      this.mode = mode;
      this.meter.restart();
      this.setState('running');
    });
  }

  need(): Run {
    if (!this.run) throw new Error('there is no model: the last configuration was rejected; change it or reset');
    return this.run;
  }

  /** The run's state at this step boundary (what a checkpoint saves). */
  capture(): Promise<TrainState> { return this.command(() => this.need().capture()); }

  /** A model for `cfg` on `data` from `from` (a checkpoint) or fresh weights; the current one stays if this fails.
   * Call from inside a command. */
  async install(cfg: TrainConfig, data: DataSplit, from: TrainState | null): Promise<void> {
    const problems = validateConfig(cfg);
    if (problems.length > 0) throw new Error(problems.join('\n'));
    this.mode = 'stop';
    const hooks = { acquire: () => acquireBrowserGpu(['core', 'compatibility']), log: (l: string) => this.view.notice(l) };
    const fresh = this.run ? null
      : await Run.start({ gpu: this.gpu, hooks, cfg, data, kernel: this.kernel, from: from ?? undefined, options: { live: true, pictures: true } });
    if (this.run) await this.run.replace(cfg, data, this.kernel, from);
    this.run ??= fresh;
    Object.assign(this, { cfg, data });
    this.attach(this.run!);
    this.meter.reset();
    this.view.built(this.run!.engine, true, this.run!.history);
    this.setState(this.run!.done ? 'finished' : 'idle');
    if (from && this.trainer) this.view.evaluated({ ...(await this.run!.preview()), cfg, after: this.run!.position.epoch });
  }

  private attach(run: Run): void {
    run.events = {
      steps: (firstStep, records) => this.view.steps({ firstStep, records }),
      epoch: (r) => this.view.epoch({ ...r, cfg: this.cfg }),
    };
    void run.gpu.device.lost.then(() => this.command(async () => { if (run === this.run && run.faulted()) await this.recover(); }));
  }

  private async recover(): Promise<void> {
    await this.need().recoverDevice();
    this.attach(this.need());
    this.view.built(this.need().engine, false, this.need().history);
  }

  /** Apply `cfg` between steps: a new goal needs no rebuild, new parameter tensors mean new weights, and anything else
   * rebuilds the trainer on the current weights, optimiser state and position. */
  applyConfig(cfg: TrainConfig): Promise<'none' | 'epochs' | 'continued' | 'rebuilt'> {
    return this.command(async () => {
      const before = this.cfg;
      if (same(before, cfg) && this.run) return 'none';
      if (!this.run || !sameTensors(before.model, cfg.model)) {
        await this.install(cfg, this.data, null);
        return 'rebuilt';
      }
      const run = this.run;
      if (same({ ...before, epochs: 0, schedule: null }, { ...cfg, epochs: 0, schedule: null })) {
        const { cfg: next, note } = same(before.schedule, cfg.schedule) ? extendRun(before, cfg.epochs) : { cfg, note: null };
        run.retarget(next);
        this.cfg = next;
        if (note) this.view.notice(`Epochs ${before.epochs} → ${next.epochs}: ${note}.`);
        if (run.done) { this.mode = 'stop'; this.setState('finished'); } else if (this.runState === 'finished') this.setState('paused');
        return 'epochs';
      }
      await this.rebuild(cfg, this.kernel, (s) => {
        if (before.optimizer.kind !== cfg.optimizer.kind) { s.m.fill(0); s.v.fill(0); }
        if (before.batch !== cfg.batch) s.stepInEpoch = 0; // batches of another size cannot continue this epoch's order
      });
      return 'continued';
    });
  }

  /** Matmul kernels: a variant for every product, or 'auto' (timed per product on this adapter); same weights. */
  setKernel(kernel: string): Promise<void> {
    return this.command(async () => {
      if (this.run) await this.rebuild(this.cfg, kernel);
      this.kernel = kernel;
    });
  }

  private async rebuild(cfg: TrainConfig, kernel: string, adjust?: (s: TrainState) => void): Promise<void> {
    const run = this.need();
    await run.rebuild(cfg, kernel, adjust);
    Object.assign(this, { cfg, kernel });
    this.attach(run);
    this.meter.restart(); // the rebuild's time is not training time
    this.view.built(run.engine, false, run.history);
    this.setState(run.done ? 'finished' : this.mode !== 'stop' ? 'running' : this.runState === 'idle' ? 'idle' : 'paused');
  }

  progress(): Progress {
    const p = this.run?.position ?? { epoch: 0, globalStep: 0, stepInEpoch: 0, stepsPerEpoch: 0 };
    const left = Math.max(0, (this.cfg.epochs - p.epoch) * this.data.train.count - p.stepInEpoch * this.cfg.batch);
    const rate = this.meter.rate;
    return { ...p, epochs: this.cfg.epochs, samplesPerSec: rate, etaSeconds: rate > 0 ? left / rate : NaN };
  }

  private async trainChunk(run: Run): Promise<void> {
    const before = run.position.globalStep;
    const closed = await run.chunk();
    this.meter.fence(Math.max(0, run.position.globalStep - before) * this.cfg.batch);
    if (run.done) { this.mode = 'stop'; this.setState('finished'); } else if (closed && this.mode === 'epoch') { this.mode = 'stop'; this.setState('paused'); }
    this.view.progress(this.progress());
  }

  private setState(s: RunState): void { this.view.state((this.runState = s)); }

  private async drive(): Promise<void> {
    for (;;) {
      const job = this.jobs.shift();
      if (job) { await job(); continue; }
      if (this.mode !== 'stop' && this.run && !this.run.done) {
        try {
          await this.trainChunk(this.run);
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
