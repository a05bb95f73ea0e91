// Divergence detection from the epoch's asynchronously read metrics: the GPU's non-finite counter (bit tests in
// reduce.wgsl), non-finite per-step records or means, and a loss that explodes past a factor of the last good one.

import { nonFiniteIn, type TrainState } from './state.ts';
import type { EpochMetrics } from './trainer.ts';

export interface GuardOptions {
  maxRollbacks: number; // rollbacks allowed in a run; the next divergence stops it (0: stop at the first, as Keras TerminateOnNaN)
  explodeFactor: number; // an epoch's mean loss above this × the reference loss counts as divergence
}

export const DEFAULT_GUARD: GuardOptions = { maxRollbacks: 3, explodeFactor: 10 };

/** Why this epoch diverged, or null. `reference`: the last good epoch's mean loss (null before the first good
 * epoch: the epoch's own first step is the reference then). */
export function divergence(m: EpochMetrics, reference: number | null, factor: number): string | null {
  const badStep = m.steps.findIndex((r) => !Number.isFinite(r.loss));
  if (m.nonfinite_steps > 0 || badStep >= 0) {
    const first = badStep >= 0 ? `, first at step ${badStep + 1} of the epoch (loss ${m.steps[badStep].loss}, lr ${m.steps[badStep].lr.toExponential(3)})` : '';
    return `${m.nonfinite_steps} of ${m.steps.length} steps had a non-finite loss${first}`;
  }
  if (!Number.isFinite(m.loss) || !Number.isFinite(m.test_loss)) return `the epoch's mean loss is ${m.loss} and test loss ${m.test_loss}`;
  const ref = reference ?? m.steps[0]?.loss;
  if (ref !== undefined && ref > 0 && m.loss > factor * ref) {
    return `the loss exploded: mean ${m.loss.toPrecision(4)} is over ${factor}× the ${reference === null ? "epoch's first step" : 'last good epoch'} (${ref.toPrecision(4)})`;
  }
  return null;
}

/** The error a run stops with once the rollbacks are spent; `report` lists every divergence. */
export class DivergenceError extends Error {
  /** `lr`: the run's initial learning rate η0, to suggest a tenth of it. */
  constructor(readonly report: string[], readonly lastGood: { epoch: number; globalStep: number }, lr?: number) {
    const lower = lr === undefined ? 'a lower --lr' : `--lr ${Number((lr / 10).toPrecision(3))} (a tenth of ${lr})`;
    super(`training stopped: the loss diverged ${report.length} times (allowed rollbacks: ${report.length - 1}).\n  ${report.join('\n  ')}\n` +
      `The last good state is after epoch ${lastGood.epoch} (step ${lastGood.globalStep}). To go on from it, run again with --init <the --save file> ` +
      `and ${lower}, the other flags as before (--resume keeps the learning rate that diverged); or start over with ${lower}; ` +
      '--max-rollbacks K allows more automatic halvings.');
  }
}

/** The guard's memory for each model of a run (one, or a batch): its divergence reports, the last good epoch's mean
 * loss, and the error that stopped it once its rollbacks were spent (the rest of a batch goes on without it). */
export class ModelGuards {
  readonly reports: string[][];
  readonly references: (number | null)[];
  readonly failures: (DivergenceError | null)[];
  constructor(models: number, readonly maxRollbacks: number) {
    this.reports = Array.from({ length: models }, () => []);
    this.references = Array.from({ length: models }, () => null);
    this.failures = Array.from({ length: models }, () => null);
  }

  live(i: number): boolean { return this.failures[i] === null; }

  /** Records this epoch's reports (null: fine) with the last good position and each model's η0; returns the models
   * whose learning rates to halve in a rollback of the whole batch (empty: none). Throws once every model stopped. */
  judge(reports: (string | null)[], lastGood: { epoch: number; globalStep: number }, lrs: number[]): number[] {
    const halve: number[] = [];
    reports.forEach((r, i) => {
      if (r === null) return;
      this.reports[i].push(r);
      if (this.reports[i].length > this.maxRollbacks) this.failures[i] = new DivergenceError(this.reports[i], lastGood, lrs[i]);
      else halve.push(i);
    });
    if (this.failures.every((f) => f !== null)) throw this.failures[0]!;
    return halve;
  }

  /** judge() for a run: names the reports by model when batched, records them in `divergences`, logs the models
   * that stop and each rollback, and returns every model's next learning-rate scale (the diverged ones halved), or
   * null when nothing rolls back. */
  review(reports: (string | null)[], lastGood: { epoch: number; globalStep: number }, lrs: number[], scales: readonly number[],
    divergences: string[], log: (line: string) => void): number[] | null {
    const named = reports.map((r, i) => (r !== null && reports.length > 1 ? `model ${i + 1}, ${r}` : r));
    divergences.push(...named.filter((r): r is string => r !== null));
    const before = this.failures.map((f) => f !== null);
    const halve = this.judge(named, lastGood, lrs);
    this.failures.forEach((f, i) => { if (f && !before[i]) log(`divergence in ${named[i]}; this model stops, the rest of the batch goes on`); });
    if (halve.length === 0) return null;
    const next = scales.map((x, i) => (halve.includes(i) ? x / 2 : x));
    for (const i of halve) {
      log(`divergence in ${named[i]}; rolled back to the end of epoch ${lastGood.epoch} (step ${lastGood.globalStep}), learning rate halved ` +
        `(×${next[i]} of the schedule), rollback ${this.reports[i].length} of ${this.maxRollbacks}`);
    }
    return next;
  }

  /** Each live model's divergence after an epoch (null: fine): its metrics against its reference, then, when all are
   * fine so far, non-finite values in the states `capture` reads (returned, to keep as the new good states). */
  async epochReports(all: EpochMetrics[], factor: number, epoch: number, capture: () => Promise<TrainState[]>):
    Promise<{ why: (string | null)[]; states: TrainState[] | null }> {
    const why = all.map((m, i) => (this.live(i) ? divergence(m, this.references[i], factor) : null));
    const states = why.every((w) => w === null) ? await capture() : null;
    states?.forEach((s, i) => {
      const bad = this.live(i) ? nonFiniteIn(s) : null;
      if (bad) why[i] = `${bad} after epoch ${epoch}`;
    });
    return { why, states };
  }
}
