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
  readonly lrScale: number; // the divergence guard's factor on the schedule
  readonly notes: string[]; // what it does differently from what was asked
  readonly flopsPerSample: number; // matmul FLOPs of one training sample (throughput in GFLOP/s)
  beginEpoch(): void; // the epoch's sample order
  submitSteps(stepInEpoch: number, count?: number): void; // record and submit steps of the open epoch, one submit
  finishEpoch(): Promise<EpochMetrics>; // evaluate the held-out split and count the epoch
  evaluate(): Promise<EpochMetrics>; // evaluate now (no step, no count)
  skipEvaluation(): void; // count the epoch without evaluating (step benchmarks)
  capture(stepInEpoch: number, history: readonly EpochRow[]): Promise<TrainState>; // at a step boundary (waits for the GPU)
  restore(s: TrainState): void; // slabs, counters, position and lr scale
  retarget(cfg: TrainConfig): void; // a new epoch goal or schedule, no rebuild
  destroy(): void;
}
