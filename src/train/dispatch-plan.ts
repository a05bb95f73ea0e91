// The dispatch plan of a training run on one adapter: how many steps are recorded into one submit, and how many
// dispatches one step records (Graph.step, counted for reports and tests).
import type { AdapterDescription } from '../gpu/device.ts';
import type { Dispatch } from './graph.ts';
import { MAX_MODELS } from './uniforms.ts';

/** Steps one submit can hold: the Trainer's Step-uniform slots (SLOTS in trainer.ts). */
export const MAX_STEPS_PER_SUBMIT = 64;

/**
 * Steps per submit on a GPU. There a step of the seed model at batch 256 is tens of microseconds of kernels, the same
 * order as a submit's own cost and far below a queue fence's round trip, so several steps share one submit.
 */
export const GPU_STEPS_PER_SUBMIT = 8;

// Adapters that run shaders on the CPU; Dawn marks SwiftShader as a fallback adapter but not llvmpipe.
const CPU_ADAPTER = /llvmpipe|lavapipe|softpipe|swiftshader|basic render|warp/i;

export function isCpuAdapter(adapter: AdapterDescription): boolean {
  return adapter.isFallback || CPU_ADAPTER.test(adapter.name);
}

/**
 * Steps to record per submit on `gpu`'s adapter: 1 on CPU adapters (a step there takes 10–400 ms, so batching
 * submits gains nothing: 4 per submit measured 2–6% slower on both software adapters, bench/results.json of
 * 2026-11-30) and GPU_STEPS_PER_SUBMIT elsewhere; `override` (a flag or setting) wins when given.
 */
export function stepsPerSubmit(gpu: { adapter: AdapterDescription }, override?: number): number {
  if (override !== undefined) {
    if (!Number.isInteger(override) || override < 1 || override > MAX_STEPS_PER_SUBMIT) {
      throw new Error(`steps per submit ${override}: use a whole number from 1 to ${MAX_STEPS_PER_SUBMIT} (the trainer's step slots)`);
    }
    return override;
  }
  return isCpuAdapter(gpu.adapter) ? 1 : GPU_STEPS_PER_SUBMIT;
}

/**
 * Models one batched sweep trains together on `gpu`'s adapter (src/train/batch.ts): at most 4 on CPU adapters, where
 * 4 models measured 1.11× one by one and 8 measured 0.92× (docs/performance.md "Batched sweeps": a dispatch over
 * more models' slabs leaves less in cache), and up to the Step uniform's MAX_MODELS elsewhere.
 */
export function modelsPerBatch(gpu: { adapter: AdapterDescription }): number {
  return isCpuAdapter(gpu.adapter) ? CPU_MODELS_PER_BATCH : MAX_MODELS;
}
const CPU_MODELS_PER_BATCH = 4;

export interface StepCount { total: number; dense: number; byKernel: Record<string, number> }

/** Dispatches per training step, the batch gather included, by kernel entry point; `step` is what a step records
 * after its gather (Trainer.stepDispatches, Graph.step). */
export function countStepDispatches(step: readonly Dispatch[]): StepCount {
  const byKernel: Record<string, number> = { gatherBatch: 1 };
  for (const d of step) {
    const entry = d.kernel.label.split(':')[1] ?? d.kernel.label;
    byKernel[entry] = (byKernel[entry] ?? 0) + 1;
  }
  const dense = Object.entries(byKernel).filter(([k]) => k.startsWith('dense')).reduce((a, [, n]) => a + n, 0);
  return { total: Object.values(byKernel).reduce((a, b) => a + b, 0), dense, byKernel };
}
