// A training run that survives divergence and device loss: after every good epoch it keeps a CPU snapshot; a
// diverged epoch rolls back to it with the learning rate halved (until the rollbacks are spent), and a lost device
// or an uncaptured GPU error re-acquires a device, rebuilds the trainer with the same kernels and continues from it.
import type { Gpu } from '../gpu/device.ts';
import { DEFAULT_GUARD, DivergenceError, divergence, type GuardOptions } from './guard.ts';
import { captureSnapshot, restoreSnapshot, type RunSnapshot } from './snapshot-state.ts';
import type { EpochMetrics, Trainer } from './trainer.ts';
import type { MatmulChoices } from './kernels.ts';

export interface RunHooks {
  acquire(): Promise<Gpu>; // a fresh device
  build(gpu: Gpu, kernels: MatmulChoices | null): Promise<Trainer>; // kernels: null the first time (the caller's choice)
  log(line: string): void;
}

export interface RecoveryOptions extends GuardOptions { maxDeviceLosses: number }
export const DEFAULT_RECOVERY: RecoveryOptions = { ...DEFAULT_GUARD, maxDeviceLosses: 3 };

const LOST_GRACE_MS = 2000; // how long a failed epoch waits for device.lost to say whether the device went away

export class ResilientRun {
  gpu!: Gpu;
  trainer!: Trainer;
  snapshot!: RunSnapshot; // the last good state (an epoch boundary)
  readonly divergences: string[] = [];
  readonly deviceFaults: string[] = [];
  private reference: number | null = null; // last good epoch's mean loss
  private lost: string | null = null;
  private gpuErrors: string[] = [];
  private lostSignal: Promise<void> = Promise.resolve();

  private constructor(private readonly hooks: RunHooks, readonly options: RecoveryOptions) {}

  /** Acquire, build, optionally restore `from`, and take the first snapshot. */
  static async start(hooks: RunHooks, options: Partial<RecoveryOptions> = {}, from?: RunSnapshot): Promise<ResilientRun> {
    const run = new ResilientRun(hooks, { ...DEFAULT_RECOVERY, ...options });
    await run.attach(await hooks.acquire(), from?.kernels ?? null);
    if (from) restoreSnapshot(run.trainer, from);
    run.snapshot = await captureSnapshot(run.trainer);
    return run;
  }

  private async attach(gpu: Gpu, kernels: MatmulChoices | null): Promise<void> {
    this.gpu = gpu;
    this.lost = null;
    this.gpuErrors = [];
    this.lostSignal = gpu.device.lost.then((info) => { if (this.gpu === gpu && !this.releasing) this.lost = `${info.reason}: ${info.message || 'no message'}`; });
    gpu.device.addEventListener('uncapturederror', (e) => { if (this.gpu === gpu) this.gpuErrors.push((e as GPUUncapturedErrorEvent).error.message.replace(/\s+/g, ' ').trim()); });
    this.trainer = await this.hooks.build(gpu, kernels);
  }

  private releasing = false;

  /** Train one epoch to a good result: rolls back on divergence, rebuilds on device loss. */
  async epoch(): Promise<{ metrics: EpochMetrics; trainSeconds: number }> {
    for (;;) {
      let result: { metrics: EpochMetrics; trainSeconds: number } | null = null;
      let failure: unknown = null;
      try {
        const r = await this.trainer.runEpoch();
        result = { metrics: await r.metrics, trainSeconds: r.trainSeconds };
      } catch (e) {
        failure = e;
        await Promise.race([this.lostSignal, new Promise((r) => setTimeout(r, LOST_GRACE_MS))]);
      }
      if (this.lost !== null || this.gpuErrors.length > 0) {
        await this.recoverDevice(this.lost !== null ? `GPU device lost (${this.lost})` : `GPU error (${this.gpuErrors[0]})`);
        continue;
      }
      if (failure) throw failure;
      const m = result!.metrics;
      let why = divergence(m, this.reference, this.options.explodeFactor);
      let good: RunSnapshot | null = null;
      if (!why) {
        try { good = await captureSnapshot(this.trainer); } catch (e) { why = (e as Error).message; }
      }
      if (why) {
        this.rollback(`epoch ${m.epoch + 1}: ${why}`);
        continue;
      }
      this.snapshot = good!;
      this.reference = m.loss;
      return result!;
    }
  }

  private rollback(report: string): void {
    this.divergences.push(report);
    const s = this.snapshot;
    if (this.divergences.length > this.options.maxRollbacks) throw new DivergenceError(this.divergences, { epoch: s.epoch, globalStep: s.globalStep });
    const lrScale = this.trainer.lrScale / 2;
    restoreSnapshot(this.trainer, s);
    this.trainer.lrScale = lrScale;
    this.hooks.log(`divergence in ${report}; rolled back to the end of epoch ${s.epoch} (step ${s.globalStep}), learning rate halved ` +
      `(×${lrScale} of the schedule), rollback ${this.divergences.length} of ${this.options.maxRollbacks}`);
  }

  private async recoverDevice(what: string): Promise<void> {
    this.deviceFaults.push(what);
    if (this.deviceFaults.length > this.options.maxDeviceLosses) {
      throw new Error(`${what}; ${this.deviceFaults.length - 1} earlier device faults were recovered, giving up:\n  ${this.deviceFaults.join('\n  ')}`);
    }
    const lrScale = this.trainer.lrScale;
    this.release();
    const t0 = performance.now();
    await this.attach(await this.hooks.acquire(), this.snapshot.kernels);
    restoreSnapshot(this.trainer, this.snapshot);
    this.trainer.lrScale = lrScale;
    this.hooks.log(`${what}: re-acquired ${this.gpu.adapter.name} in ${((performance.now() - t0) / 1000).toFixed(1)} s, ` +
      `rebuilt the trainer and resumed from the end of epoch ${this.snapshot.epoch} (step ${this.snapshot.globalStep})`);
  }

  /** Destroy the trainer and give the device back (also after loss; both are idempotent there). */
  release(): void {
    this.releasing = true;
    try {
      this.trainer?.destroy();
      this.gpu?.release();
    } finally {
      this.releasing = false;
    }
  }
}
