// An experiment's results as a table: the value of each column per run, as markdown (4 significant digits) and CSV
// (full precision, plus every per-run figure). Timings are left out of both, so a re-run gives identical files.
import { columnTitle, type Column, type Experiment } from './definitions.ts';
import type { BaselineRow, ExperimentResult, RunResult } from './runner.ts';

/** A run's value in a column; null where the run has none (failed, or a metric its objective lacks). */
export function valueOf(run: RunResult, c: Column): number | null {
  if (c === 'x') return run.spec.x ?? null;
  if (c.startsWith('eval:')) return run.evals[c.slice(5)] ?? null;
  if (c === 'sharpness' || c === 'pca_mse') return run.extras?.[c] ?? null;
  const last = run.epochs[run.epochs.length - 1];
  return last ? (last[c as keyof typeof last] as number | null) : null;
}

/** A baseline row's value: its test MSE under the MSE columns, its sharpness, nothing else. */
export function baselineValue(b: BaselineRow, c: Column): number | null {
  if (c === 'test_mse' || c === 'test_loss' || c === 'eval:test MSE') return b.test_mse;
  return c === 'sharpness' ? b.sharpness : null;
}

export const fmt = (v: number | null): string => (v === null ? '–' : Number.isInteger(v) ? String(v) : Number(v.toPrecision(4)).toString());

/** The table as text cells: a header, then one row per run (a failed run says why in its first value cell). */
export function tableCells(exp: Experiment, r: ExperimentResult): { head: string[]; rows: string[][] } {
  return { head: ['run', ...exp.columns.map((c) => columnTitle(c, exp.xTitle))],
    rows: [
      ...r.runs.map((run) => [run.label, ...(run.error ? [`failed: ${run.error}`, ...exp.columns.slice(1).map(() => '')] : exp.columns.map((c) => fmt(valueOf(run, c))))]),
      ...(r.baselines ?? []).map((b) => [b.label, ...exp.columns.map((c) => fmt(baselineValue(b, c)))]),
    ] };
}

export function markdownTable(exp: Experiment, r: ExperimentResult): string {
  const { head, rows } = tableCells(exp, r);
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

const CSV_METRICS: Column[] = ['x', 'loss', 'test_loss', 'test_mse', 'test_noisy_mse', 'mean_activity', 'population_sparsity', 'dead_units',
  'jacobian_fro2', 'sharpness', 'pca_mse'];

export function csvTable(exp: Experiment, r: ExperimentResult): string {
  const evals = (exp.evaluate ?? []).map((e): Column => `eval:${e.label}`);
  const cols = [...CSV_METRICS, ...evals];
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const head = ['run', 'preset', 'epochs', ...cols.map((c) => c.replace(/^eval:/, '')), 'error'];
  const rows = r.runs.map((run) => [run.label, run.spec.preset, String(run.epochs.length),
    ...cols.map((c) => { const v = valueOf(run, c); return v === null ? '' : String(v); }), run.error ?? '']);
  const baselines = (r.baselines ?? []).map((b) => [b.label, 'pca', '', ...cols.map((c) => { const v = baselineValue(b, c); return v === null ? '' : String(v); }), '']);
  return [head, ...rows, ...baselines].map((row) => row.map(quote).join(',')).join('\n') + '\n';
}
