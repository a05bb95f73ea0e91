// Helpers of the claim verdicts (src/experiments/claims*.ts): the finished runs, a run's value, percent changes,
// monotonicity and the agreement of several checks.
import type { Column } from './definitions.ts';
import type { ExperimentResult, RunResult } from './runner.ts';
import { valueOf } from './table.ts';

export type Agreement = 'agree' | 'partly agree' | 'disagree';
export interface Verdict { agreement: Agreement; points: string[] }

export const ok = (r: ExperimentResult) => r.runs.filter((run) => !run.error && run.epochs.length > 0);
export const v = (run: RunResult, c: Column) => valueOf(run, c) ?? NaN;
export const byLabel = (r: ExperimentResult, label: string) => ok(r).find((run) => run.label === label);
export const pct = (a: number, b: number) => {
  const d = Math.abs((a / b - 1) * 100);
  return `${a >= b ? '+' : '−'}${d.toFixed(d < 10 ? 1 : 0)}%`;
};
export const all = (xs: boolean[]): Agreement => (xs.every(Boolean) ? 'agree' : xs.some(Boolean) ? 'partly agree' : 'disagree');
/** Indices i where ys[i+1] does not move in `dir` from ys[i]. */
export const breaks = (ys: number[], dir: 1 | -1) => ys.slice(1).map((y, i) => ((y - ys[i]) * dir > 0 ? -1 : i)).filter((i) => i >= 0);
export const failed: Verdict = { agreement: 'disagree', points: ['not every run finished (one failed, or --runs left it out), so there is nothing to compare'] };
