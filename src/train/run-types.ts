// The Run's vocabulary (./run.ts): what a caller gives it (spec, hooks, options) and what it reports (epoch results,
// live step records).
import type { Gpu } from '../gpu/device.ts';
import type { KernelCache } from '../gpu/kernels.ts';
import type { TrainConfig } from '../model/config.ts';
import type { RunData } from './engines.ts';
import { DEFAULT_GUARD, type GuardOptions } from './guard.ts';
import type { MatmulChoices } from './kernels.ts';
import type { EpochMetrics, EpochRow, StepRecord } from './metrics.ts';
import type { Snapshot } from './snapshot.ts';
import type { TrainState } from './state.ts';
import type { Trainer } from './trainer.ts';

export interface RunHooks {
  acquire?(): Promise<Gpu>; // a fresh device after a loss; without it a lost device ends the run
  log(line: string): void; // rollbacks, rebuilds, schedule notes
  built?(t: Trainer): void; // every MLP trainer the run builds (tests wrap them)
}

export interface RunOptions extends GuardOptions {
  maxDeviceLosses: number;
  chunk: number; // steps submitted between fences: pause, stop and config changes land within this many steps
  stepsPerSubmit: number; // steps recorded into one command buffer
  live: boolean; // copy step records during the epoch (events.steps)
  pictures: boolean; // copy the last test batch and slabs after each evaluation (EpochResult.snapshot)
  jacobianMetric?: 'last' | 'every'; // measure ‖J‖²_F when λ = 0 too (TrainerOptions)
  evaluate: boolean; // false: an epoch's end only counts it (no test pass, guard or state copy): step benchmarks
  maxBindingBytes?: number; // SAEs: stream data over this many bytes per binding (below the device's limit: tests)
}
export const DEFAULT_RUN: RunOptions = { ...DEFAULT_GUARD, maxDeviceLosses: 3, chunk: 4, stepsPerSubmit: 1, live: false, pictures: false, evaluate: true };

export interface EpochResult {
  row: EpochRow; // also the newest entry of history
  metrics: EpochMetrics;
  snapshot: Snapshot | null; // when options.pictures
  stepBase: number; // global step of the epoch's first step
  firstRecord: number; // records before this one came from a trainer replaced mid-epoch (zeros there)
  models: ({ row: EpochRow; metrics: EpochMetrics } | null)[]; // every batched model's (models[0] is row, metrics); null: stopped
}

export interface RunEvents {
  steps?(firstStep: number, records: StepRecord[]): void; // live records (options.live), never awaited by the loop
  epoch?(r: EpochResult): void;
}

export interface RunSpec {
  gpu?: Gpu; // the device to start on (else hooks.acquire)
  hooks: RunHooks;
  cfg: TrainConfig;
  data: RunData;
  kernel: string | MatmulChoices; // a variant name, 'auto', or recorded choices
  from?: TrainState; // continue from this state (its kernels win over `kernel`)
  models?: TrainConfig[]; // train these configs as one batch (cfg is the first; src/train/batch.ts says which can)
  cache?: KernelCache; // shared by runs built one after another on one device
  options?: Partial<RunOptions>;
}
