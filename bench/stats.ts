// Small timing helpers shared by the benchmarks: medians, a queue fence, steady per-dispatch times.
import { dispatch } from '../src/gpu/kernels.ts';
import type { Dispatch } from '../src/train/graph.ts';

export function median(xs: number[]): number {
  if (xs.length === 0) throw new Error('median of nothing');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Seconds taken by `work` (which submits) plus the wait for the queue to drain. */
export async function timeSubmitted(device: GPUDevice, work: () => void | Promise<void>): Promise<number> {
  await device.queue.onSubmittedWorkDone(); // start from an empty queue
  const t0 = performance.now();
  await work();
  await device.queue.onSubmittedWorkDone();
  return (performance.now() - t0) / 1000;
}

export interface DispatchBudget { reps: number; repSeconds: number }
const MAX_DISPATCHES = 256; // per repetition

/** Submits `count` back-to-back copies of one dispatch in one pass. */
export const repeatDispatch = (device: GPUDevice, d: Dispatch) => (count: number): void => {
  const encoder = device.createCommandEncoder({ label: `bench.${d.label}` });
  const pass = encoder.beginComputePass({ label: `bench.${d.label}` });
  for (let i = 0; i < count; i++) dispatch(pass, d.kernel, d.group, d.workgroups, 0);
  pass.end();
  device.queue.submit([encoder.finish()]);
};

/**
 * Seconds per dispatch, steadily: a first run (paying for compilation and page-in; `first` when the caller already
 * made it) and a second size the repetitions, each about budget.repSeconds of back-to-back dispatches in one submit
 * (so the submit and fence cost little beside them); the median over budget.reps repetitions.
 */
export async function steadyTime(device: GPUDevice, submit: (count: number) => void, budget: DispatchBudget, first?: number): Promise<{ seconds: number; perRep: number }> {
  const once = first ?? (await timeSubmitted(device, () => submit(1)));
  const oneDispatch = once >= budget.repSeconds ? once : await timeSubmitted(device, () => submit(1));
  const perRep = Math.max(1, Math.min(MAX_DISPATCHES, Math.round(budget.repSeconds / oneDispatch)));
  const times: number[] = [];
  for (let i = 0; i < budget.reps; i++) times.push(await timeSubmitted(device, () => submit(perRep)));
  return { seconds: median(times) / perRep, perRep };
}

export interface StepBudget { reps: number; repSeconds: number; warmupSteps: number; maxStepsPerRep: number }
export interface StepTiming { secondsPerStep: number; stepsPerRep: number; reps: number }
export const FENCE_EVERY = 8; // steps (or submits) between queue fences for the benchmarked trainers

/**
 * Time training steps of any trainer: `run(n)` records n steps (fencing every few); warm-up first, then `reps`
 * repetitions of about repSeconds each, and the median.
 */
export async function timeSteps(run: (steps: number) => Promise<void>, fence: () => Promise<void>, budget: StepBudget): Promise<StepTiming> {
  const timed = async (steps: number) => {
    await fence();
    const t0 = performance.now();
    await run(steps);
    await fence();
    return (performance.now() - t0) / 1000;
  };
  const warm = (await timed(budget.warmupSteps)) / budget.warmupSteps;
  const perStep = warm >= budget.repSeconds ? warm : (await timed(2)) / 2;
  const stepsPerRep = Math.max(1, Math.min(budget.maxStepsPerRep, Math.round(budget.repSeconds / perStep)));
  const times: number[] = [];
  for (let r = 0; r < budget.reps; r++) times.push(await timed(stepsPerRep));
  return { secondsPerStep: median(times) / stepsPerRep, stepsPerRep, reps: budget.reps };
}
