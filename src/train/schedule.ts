// Learning-rate schedules (as llm.c's schedulers.h): cosine decay η_t = η0 (1 + cos(π t / T)) / 2 with t the
// epoch index from 0 (or fractional epochs when per-step), optionally scaled by a linear warm-up.
import type { TrainConfig } from '../model/config.ts';

export function learningRate(cfg: Pick<TrainConfig, 'optimizer' | 'schedule'>, epoch: number, stepInEpoch: number, stepsPerEpoch: number): number {
  const { T, perStep, warmupEpochs } = cfg.schedule;
  const t = perStep ? epoch + stepInEpoch / stepsPerEpoch : epoch;
  const cosine = cfg.optimizer.lr * 0.5 * (1 + Math.cos((Math.PI * Math.min(t, T)) / T));
  if (t >= warmupEpochs) return cosine;
  const warm = perStep ? (epoch * stepsPerEpoch + stepInEpoch + 1) / (warmupEpochs * stepsPerEpoch) : (epoch + 1) / (warmupEpochs + 1);
  return cosine * warm;
}
