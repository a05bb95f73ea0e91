// Small timing helpers shared by the benchmarks: medians and a queue fence.

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

export interface StepBudget { reps: number; repSeconds: number; warmupSteps: number; maxStepsPerRep: number }
export interface StepTiming { secondsPerStep: number; stepsPerRep: number; reps: number }
export const FENCE_EVERY = 8; // steps between queue fences, as in Trainer.runEpoch

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
