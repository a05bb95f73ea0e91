// Benchmark output: the printed tables and bench/results.json (fixed key order, rounded numbers, stable row
// order, so re-running on the same numbers gives the same bytes). Adapters not measured this time are carried over.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { shapeName, type MatmulResult } from './matmul.ts';
import type { TrainResult } from './train.ts';

const HOST = 'node-dawn';
const ADAPTER_ORDER = ['llvmpipe', 'swiftshader', 'gpu', 'auto'];

export interface AdapterReport {
  adapter: string; // the choice given to acquireNodeGpu: 'llvmpipe', 'swiftshader', ...
  name: string; // what the adapter calls itself
  featureLevel: string;
  batch: number;
  seconds: number; // wall time spent on this adapter
  loadAverage: number; // the host's 1-minute load average when this adapter started: other work skews the numbers
  matmul: MatmulResult[];
  training: TrainResult[];
}

function bestMatmul(r: AdapterReport): MatmulResult {
  return r.matmul.reduce((a, b) => (b.gflops > a.gflops ? b : a));
}

function bestTraining(r: AdapterReport): TrainResult {
  return r.training.reduce((a, b) => (b.samplesPerS > a.samplesPerS ? b : a));
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);

export function matmulTable(reports: AdapterReport[]): string {
  const rows = reports.flatMap((r) => r.matmul.map((m) => [r.adapter, m.variant, shapeName(m.shape), f2(m.gflops), f2(m.msPerDispatch), `${m.dispatchesPerRep}×${m.reps}`]));
  return table(['adapter', 'variant', 'MxKxN', 'GFLOP/s', 'ms/dispatch', 'dispatches×reps'], rows);
}

export function trainingTable(reports: AdapterReport[]): string {
  const rows = reports.flatMap((r) => {
    const best = bestMatmul(r).gflops;
    const winner = bestTraining(r);
    return r.training.map((t) => [r.adapter, HOST, `${t.variant}${t === winner ? ' *' : ''}`, String(t.stepsPerSubmit), f1(t.samplesPerS),
      f1(t.msPerStep), f2(t.gflops), f2(best), f2(t.gflops / best)]);
  });
  return table(['adapter', 'host', 'variant', 'steps/submit', 'samples/s', 'ms/step', 'step GFLOP/s', 'best matmul GFLOP/s', 'fraction'], rows);
}

export function summaryLines(reports: AdapterReport[]): string[] {
  return reports.map((r) => {
    const m = bestMatmul(r);
    const t = bestTraining(r);
    const perShape = [...new Set(r.matmul.map((x) => shapeName(x.shape)))].map((s) => {
      const w = r.matmul.filter((x) => shapeName(x.shape) === s).reduce((a, b) => (b.gflops > a.gflops ? b : a));
      return `${s}: ${w.variant} ${f2(w.gflops)}`;
    });
    return `${r.adapter} (${r.name}, ${r.featureLevel}): best matmul ${f2(m.gflops)} GFLOP/s by ${m.variant} at ${shapeName(m.shape)} ` +
      `[${perShape.join('; ')}]; best step ${t.variant} × ${t.stepsPerSubmit}/submit: ${f1(t.samplesPerS)} samples/s, ` +
      `${f2(t.gflops)} GFLOP/s (${f2(t.gflops / m.gflops)} of the matmul best); ${f1(r.seconds)} s`;
  });
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

interface Doc { runs: Record<string, unknown>[]; matmul: Record<string, unknown>[]; adapters: Record<string, unknown>[] }

function documentParts(r: AdapterReport, date: string): Doc {
  const best = bestMatmul(r);
  const winner = bestTraining(r);
  return {
    runs: r.training.map((t) => ({ host: HOST, adapter: r.adapter, batch: r.batch, samples_per_s: round(t.samplesPerS, 1), step_gflops: round(t.gflops, 3),
      matmul_gflops: round(best.gflops, 3), variant: t.variant, ms_per_step: round(t.msPerStep, 2), steps_per_submit: t.stepsPerSubmit,
      best: t === winner, steps_per_rep: t.stepsPerRep, reps: t.reps, date })),
    matmul: r.matmul.map((m) => ({ host: HOST, adapter: r.adapter, variant: m.variant, m: m.shape.M, k: m.shape.K, n: m.shape.N,
      gflops: round(m.gflops, 3), ms_per_dispatch: round(m.msPerDispatch, 3), dispatches_per_rep: m.dispatchesPerRep, reps: m.reps, date })),
    adapters: [{ host: HOST, adapter: r.adapter, name: r.name, feature_level: r.featureLevel, seconds: round(r.seconds, 1),
      load_average_1m: round(r.loadAverage, 2), date }],
  };
}

function priorParts(path: string, measured: Set<string>): Doc {
  const empty: Doc = { runs: [], matmul: [], adapters: [] };
  if (!existsSync(path)) return empty;
  const prior = JSON.parse(readFileSync(path, 'utf8')) as Partial<Doc>;
  const keep = (xs: Record<string, unknown>[] | undefined) => (xs ?? []).filter((x) => !measured.has(String(x.adapter)));
  return { runs: keep(prior.runs), matmul: keep(prior.matmul), adapters: keep(prior.adapters) };
}

/** Write results.json: this run's adapters replace their old entries; other adapters' entries stay as they were. */
export function writeResults(path: string, reports: AdapterReport[], meta: Record<string, unknown>): void {
  const date = String(meta.date);
  const fresh = reports.map((r) => documentParts(r, date));
  const prior = priorParts(path, new Set(reports.map((r) => r.adapter)));
  const rank = (x: Record<string, unknown>) => {
    const i = ADAPTER_ORDER.indexOf(String(x.adapter));
    return i < 0 ? ADAPTER_ORDER.length : i;
  };
  // Stable sort: adapters in a fixed order, each adapter's rows as measured.
  const merge = (old: Record<string, unknown>[], now: Record<string, unknown>[]) => [...old, ...now].sort((a, b) => rank(a) - rank(b) ||
    (rank(a) === ADAPTER_ORDER.length ? String(a.adapter).localeCompare(String(b.adapter)) : 0));
  const doc = {
    ...meta,
    runs: merge(prior.runs, fresh.flatMap((d) => d.runs)),
    matmul: merge(prior.matmul, fresh.flatMap((d) => d.matmul)),
    adapters: merge(prior.adapters, fresh.flatMap((d) => d.adapters)),
  };
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, formatDocument(doc));
  renameSync(tmp, path);
}

/** Top-level keys one per line and one array element per line: short, stable diffs between runs. */
function formatDocument(doc: Record<string, unknown>): string {
  const value = (v: unknown) => (Array.isArray(v) && v.length > 0 ? `[\n${v.map((x) => `    ${JSON.stringify(x)}`).join(',\n')}\n  ]` : JSON.stringify(v));
  return `{\n${Object.entries(doc).map(([k, v]) => `  ${JSON.stringify(k)}: ${value(v)}`).join(',\n')}\n}\n`;
}
