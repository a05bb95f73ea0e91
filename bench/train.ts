// Training-step throughput of the Trainer per matmul variant and steps-per-submit: warm-up, then the median of
// timed repetitions of full-batch steps, submitted as runEpoch does (a queue fence every 8 submits).
import { stepFlops } from '../src/model/describe.ts';
import type { DataSplit } from '../src/data/dataset.ts';
import type { Gpu } from '../src/gpu/device.ts';
import type { TrainConfig } from '../src/model/config.ts';
import { Trainer } from '../src/train/trainer.ts';
import { median, timeSubmitted } from './stats.ts';

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

const FENCE_EVERY = 8; // submits between queue fences, as in Trainer.runEpoch

/** Submits full-batch steps, wrapping inside the epoch so every step has `batch` rows and a metrics record. */
class StepRunner {
  private cursor = 0;
  private readonly fullSteps: number;

  constructor(readonly trainer: Trainer) {
    this.fullSteps = Math.floor(trainer.data.train.count / trainer.cfg.batch);
    if (this.fullSteps < 4) throw new Error(`the training split has ${trainer.data.train.count} images: fewer than 4 full batches of ${trainer.cfg.batch}`);
    trainer.beginEpoch();
  }

  async run(steps: number, perSubmit: number): Promise<void> {
    for (let s = 0, submits = 0; s < steps; s += perSubmit) {
      const count = Math.min(perSubmit, steps - s);
      if (this.cursor + count > this.fullSteps) this.cursor = 0;
      this.trainer.submitSteps(this.cursor, count);
      this.cursor += count;
      if (++submits % FENCE_EVERY === 0) await this.trainer.gpu.device.queue.onSubmittedWorkDone();
    }
  }
}

/** Every steps-per-submit setting for one variant; repetitions interleave the settings so drift hits all alike. */
export async function benchTraining(gpu: Gpu, cfg: TrainConfig, data: DataSplit, variant: string, perSubmit: number[], budget: TrainBudget):
  Promise<TrainResult[]> {
  const { device } = gpu;
  const trainer = await Trainer.create(gpu, cfg, data, variant);
  try {
    const runner = new StepRunner(trainer);
    const unit = Math.max(...perSubmit);
    device.pushErrorScope('validation');
    // The first steps pay for first use; timing `unit` more sizes the repetitions, unless the warm-up alone shows
    // that the smallest repetition is already long enough (slow adapters).
    const warm = (await timeSubmitted(device, () => runner.run(budget.warmupSteps, 1))) / budget.warmupSteps;
    const perStep = warm * unit >= budget.repSeconds ? warm : (await timeSubmitted(device, () => runner.run(unit, 1))) / unit;
    const error = await device.popErrorScope();
    if (error) throw new Error(`training step (${variant}): ${error.message}`);

    const wanted = Math.round(budget.repSeconds / perStep / unit) * unit;
    const steps = Math.max(unit, Math.min(budget.maxStepsPerRep, wanted));
    const times = perSubmit.map(() => [] as number[]);
    for (let r = 0; r < budget.reps; r++) {
      for (const [i, n] of perSubmit.entries()) times[i].push(await timeSubmitted(device, () => runner.run(steps, n)));
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
    trainer.destroy();
  }
}

/** A diverged or broken step would still time fine: insist that the parameters are finite afterwards. */
async function checkFinite(trainer: Trainer, variant: string): Promise<void> {
  const { params } = await trainer.readSlabs();
  const bad = params.findIndex((p) => !Number.isFinite(p));
  if (bad >= 0) throw new Error(`training with ${variant}: parameter ${bad} is ${params[bad]} after the benchmark steps`);
}
