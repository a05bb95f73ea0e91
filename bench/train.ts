// Training-step throughput per matmul variant and steps-per-submit, through the same Run the CLI and the page
// drive (chunks that wait on the previous chunk's fence), in its steps-only mode: warm-up, then the median of timed
// repetitions of full-batch steps.
import { stepFlops } from '../src/model/describe.ts';
import type { DataSplit } from '../src/data/dataset.ts';
import type { Gpu } from '../src/gpu/device.ts';
import type { TrainConfig } from '../src/model/config.ts';
import type { Trainer } from '../src/train/trainer.ts';
import { Run } from '../src/train/run.ts';
import { FENCE_EVERY, median, timeSubmitted } from './stats.ts';

export interface TrainResult {
  variant: string;
  stepsPerSubmit: number;
  samplesPerS: number;
  msPerStep: number;
  gflops: number; // samples/s × matmul FLOPs per sample of a step
  stepsPerRep: number;
  reps: number;
}
/** warmupSteps (≥ 1) steps first, then repetitions of about repSeconds each (at most maxStepsPerRep steps). */
export interface TrainBudget { reps: number; repSeconds: number; warmupSteps: number; maxStepsPerRep: number }

/** `data` with its training split cut to whole batches, so every step of an epoch has `batch` rows. */
function wholeBatches(data: DataSplit, batch: number): DataSplit {
  const count = Math.floor(data.train.count / batch) * batch;
  if (count < 4 * batch) throw new Error(`the training split has ${data.train.count} images: fewer than 4 full batches of ${batch}`);
  const t = data.train;
  return { ...data, train: { ...t, count, images: t.images.subarray(0, count * t.rows * t.cols), labels: t.labels?.subarray(0, count) ?? null } };
}

/** Steps through the one Run the CLI and the page use, in its steps-only mode (an epoch's end uploads the next
 * shuffle but runs no test pass), `perSubmit` steps to a submit and FENCE_EVERY submits to a chunk. */
class StepRunner {
  constructor(readonly run: Run) {}

  async steps(steps: number, perSubmit: number): Promise<void> {
    Object.assign(this.run.options, { stepsPerSubmit: perSubmit, chunk: perSubmit * FENCE_EVERY });
    for (let left = steps; left > 0;) {
      const before = this.run.position.globalStep;
      await this.run.chunk(left);
      left -= this.run.position.globalStep - before;
    }
  }
}

/** Every steps-per-submit setting for one variant; repetitions interleave the settings so drift hits all alike.
 * `batch`: configs of one shape (cfg first) trained as one model batch; samples/s are then per model. */
export async function benchTraining(gpu: Gpu, cfg: TrainConfig, data: DataSplit, variant: string, perSubmit: number[], budget: TrainBudget,
  batch: TrainConfig[] = [cfg]): Promise<TrainResult[]> {
  const { device } = gpu;
  const models = batch.map((c) => ({ ...c, epochs: 1e5 }));
  const run = await Run.start({ gpu, hooks: { log: () => {} }, cfg: models[0], models: models.length > 1 ? models : undefined,
    data: wholeBatches(data, cfg.batch), kernel: variant, options: { evaluate: false } });
  const trainer = run.trainer;
  try {
    const runner = new StepRunner(run);
    const unit = Math.max(...perSubmit);
    device.pushErrorScope('validation');
    // The first steps pay for first use; timing `unit` more sizes the repetitions, unless the warm-up alone shows
    // that the smallest repetition is already long enough (slow adapters).
    const warm = (await timeSubmitted(device, () => runner.steps(budget.warmupSteps, 1))) / budget.warmupSteps;
    const perStep = warm * unit >= budget.repSeconds ? warm : (await timeSubmitted(device, () => runner.steps(unit, 1))) / unit;
    const error = await device.popErrorScope();
    if (error) throw new Error(`training step (${variant}): ${error.message}`);

    const wanted = Math.round(budget.repSeconds / perStep / unit) * unit;
    const steps = Math.max(unit, Math.min(budget.maxStepsPerRep, wanted));
    const times = perSubmit.map(() => [] as number[]);
    for (let r = 0; r < budget.reps; r++) {
      for (const [i, n] of perSubmit.entries()) times[i].push(await timeSubmitted(device, () => runner.steps(steps, n)));
    }
    await checkFinite(trainer, variant);

    const flops = stepFlops(trainer.plan);
    return perSubmit.map((n, i) => {
      const seconds = median(times[i]);
      const samplesPerS = (steps * cfg.batch) / seconds;
      return { variant, stepsPerSubmit: n, samplesPerS, msPerStep: (seconds / steps) * 1000, gflops: (samplesPerS * flops) / 1e9,
        stepsPerRep: steps, reps: budget.reps };
    });
  } finally {
    run.release();
  }
}

/** A diverged or broken step would still time fine: insist that every model's parameters are finite afterwards. */
async function checkFinite(trainer: Trainer, variant: string): Promise<void> {
  for (const [m, { params }] of (await trainer.readModelSlabs()).entries()) {
    const bad = params.findIndex((p) => !Number.isFinite(p));
    if (bad >= 0) throw new Error(`training with ${variant}: model ${m}'s parameter ${bad} is ${params[bad]} after the benchmark steps`);
  }
}
