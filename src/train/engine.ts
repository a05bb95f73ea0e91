// Engine: what the one Run (./run.ts) drives, one step boundary at a time. The MLP autoencoders' Trainer and the
// sparse autoencoders' SaeEngine (src/sae/engine.ts) implement it, so chunks, fences, the divergence guard with
// rollback, device-loss rebuilds, Ctrl-C saves and progress are the same code for both.
import type { Gpu } from '../gpu/device.ts';
import type { TrainConfig } from '../model/config.ts';
import type { EpochMetrics, EpochRow } from './metrics.ts';
import type { TrainState } from './state.ts';

export interface Engine {
  readonly gpu: Gpu;
  readonly stepsPerEpoch: number;
  readonly epoch: number; // epochs completed
  readonly globalStep: number; // steps taken
  readonly lrScales: readonly number[]; // each model's divergence-guard factor on the schedule (an SAE: one)
  readonly notes: string[]; // what it does differently from what was asked
  flopsPerSample(model: number): number; // matmul FLOPs of one training sample of model i (throughput in GFLOP/s)
  beginEpoch(): void; // the epoch's sample order
  submitSteps(stepInEpoch: number, count?: number): void; // record and submit steps of the open epoch, one submit
  finishEpochModels(): Promise<EpochMetrics[]>; // evaluate every model on the held-out split and count the epoch
  skipEvaluation(): void; // count the epoch without evaluating (step benchmarks)
  /** Each model's state at a step boundary (waits for the GPU); `histories[i]`: model i's. */
  captureStates(stepInEpoch: number, histories: readonly (readonly EpochRow[])[]): Promise<TrainState[]>;
  restoreStates(states: readonly TrainState[]): void; // slabs, counters, position and lr scales, one state per model
  retarget(cfg: TrainConfig): void; // a new epoch goal or schedule, no rebuild
  destroy(): void;
}
