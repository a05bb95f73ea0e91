// Learning-rate schedules (as llm.c's schedulers.h): cosine decay η_t = η0 (1 + cos(π t / T)) / 2 with t the
// epoch index from 0 (or fractional epochs when per-step), or constant η0 (SAELens's default for SAEs); either
// optionally scaled by a linear warm-up.
import type { TrainConfig } from '../model/config.ts';

export function learningRate(cfg: Pick<TrainConfig, 'optimizer' | 'schedule'>, epoch: number, stepInEpoch: number, stepsPerEpoch: number): number {
  const { T, perStep, warmupEpochs } = cfg.schedule;
  const t = perStep ? epoch + stepInEpoch / stepsPerEpoch : epoch;
  const cosine = cfg.schedule.kind === 'constant' ? cfg.optimizer.lr : cfg.optimizer.lr * 0.5 * (1 + Math.cos((Math.PI * Math.min(t, T)) / T));
  if (t >= warmupEpochs) return cosine;
  const warm = perStep ? (epoch * stepsPerEpoch + stepInEpoch + 1) / (warmupEpochs * stepsPerEpoch) : (epoch + 1) / (warmupEpochs + 1);
  return cosine * warm;
}

/** A run's epoch goal moved to `epochs` (a resume, or the page's epochs field): the config to train with and a line
 * saying what happens to the schedule. A cosine period equal to the run's length (T = epochs, the default) follows
 * it, as if the run had been planned that long: extended, the learning rate picks up at the longer schedule's value
 * (above where the shorter one ended) and decays to 0 at the new end. A period set apart from the length stays, and
 * epochs past it train at learning rate 0, which the line says (and Run says again when such an epoch starts). */
export function extendRun(cfg: TrainConfig, epochs: number): { cfg: TrainConfig; note: string | null } {
  const { T } = cfg.schedule;
  if (epochs === cfg.epochs) return { cfg, note: null };
  // A constant rate has nothing to extend; T (unused) still follows as for cosine, so a resumed file equals an uninterrupted one.
  if (cfg.schedule.kind === 'constant') return { cfg: { ...cfg, epochs, schedule: { ...cfg.schedule, T: T === cfg.epochs ? epochs : T } }, note: null };
  if (T === cfg.epochs) {
    return { cfg: { ...cfg, epochs, schedule: { ...cfg.schedule, T: epochs } },
      note: `the cosine period follows the run's length: T = ${T} → ${epochs} epochs; set T apart from epochs to keep it` };
  }
  if (epochs > T) {
    return { cfg: { ...cfg, epochs }, note: `epochs ${Math.ceil(T) + 1}–${epochs} are past the cosine period T = ${T} and train at learning rate 0; raise T to train them` };
  }
  return { cfg: { ...cfg, epochs }, note: null };
}
