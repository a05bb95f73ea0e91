// Benchmark output: the printed tables and bench/results.json (fixed key order, rounded numbers, stable row
// order, one element per line). Sections not measured this time, and hosts/adapters not measured, are carried over.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Tuning } from '../src/train/autotune.ts';
import type { BrowserReport } from './browser.ts';
import { shapeName, type MatmulResult } from './matmul.ts';
import { byKernel, type Profile } from './profile.ts';
import type { BatchedRow } from './batched.ts';
import type { ScalingRow } from './scaling.ts';
import type { TrainResult } from './train.ts';

export const NODE_HOST = 'node-dawn';
export const BROWSER_HOST = 'chromium';
const ADAPTER_ORDER = ['llvmpipe', 'swiftshader', 'gpu', 'auto'];

export interface NodeReport {
  adapter: string; // the choice given to acquireNodeGpu: 'llvmpipe', 'swiftshader', ...
  name: string; // what the adapter calls itself
  featureLevel: string;
  batch: number;
  seconds: number; // wall time spent on this adapter
  loadAverage: number; // the host's 1-minute load average when this adapter started: other work skews the numbers
  matmul: MatmulResult[];
  tuning: Tuning;
  training: TrainResult[];
  profile: Profile | null;
}
export type BrowserRun = BrowserReport & { loadAverage: number; batch: number };

const best = <T>(xs: T[], key: (x: T) => number): T => xs.reduce((a, b) => (key(b) > key(a) ? b : a));
export const bestMatmul = (xs: MatmulResult[]) => best(xs, (m) => m.gflops);

/** The bar a step is measured against: the fastest steadily timed matmul on the adapter, over the synthetic
 * forward products and the model's own products at their tuned kernels (bench/matmul.ts). */
export const bestMatmulGflops = (ms: MatmulResult[]): number => bestMatmul(ms).gflops;
const bestTraining = (xs: TrainResult[]) => best(xs, (t) => t.samplesPerS);

function table(headers: string[], rows: string[][], leftColumns = 3): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);

/** The headline: per adapter, ours in Node, ours in Chromium and TF.js in Chromium, with the same-browser ratio. */
export function summaryTable(nodes: NodeReport[], browsers: BrowserRun[]): string {
  const rows: string[][] = [];
  for (const adapter of ADAPTER_ORDER) {
    const n = nodes.find((r) => r.adapter === adapter);
    const b = browsers.find((r) => r.adapter === adapter);
    if (n) {
      const t = bestTraining(n.training);
      const m = bestMatmulGflops(n.matmul);
      rows.push([adapter, NODE_HOST, 'ours', `${t.variant} ×${t.stepsPerSubmit}`, f1(t.samplesPerS), f1(t.msPerStep), '', f2(t.gflops), f2(m), f2(t.gflops / m)]);
    }
    if (b) {
      const t = bestTraining(b.ours);
      const m = bestMatmulGflops(b.matmul);
      rows.push([adapter, BROWSER_HOST, 'ours', `${t.variant} ×${t.stepsPerSubmit}`, f1(t.samplesPerS), f1(t.msPerStep), `${f2(t.samplesPerS / b.tfjs.samplesPerS)}×`,
        f2(t.gflops), f2(m), f2(t.gflops / m)]);
      rows.push([adapter, BROWSER_HOST, 'TF.js', 'webgpu', f1(b.tfjs.samplesPerS), f1(b.tfjs.msPerStep), '1.00×', f2(b.tfjs.gflops), f2(m), f2(b.tfjs.gflops / m)]);
    }
  }
  return table(['adapter', 'host', 'system', 'kernel', 'samples/s', 'ms/step', 'ours/TF.js', 'step GFLOP/s', 'best matmul GFLOP/s', 'fraction'], rows, 4);
}

export function matmulTable(nodes: NodeReport[], browsers: BrowserRun[]): string {
  const rows = [...nodes.map((r) => [r, NODE_HOST] as const), ...browsers.map((r) => [r, BROWSER_HOST] as const)]
    .flatMap(([r, host]) => r.matmul.map((m) => [r.adapter, host, m.variant, m.product ?? 'synthetic', shapeName(m.shape), f2(m.gflops), f2(m.msPerDispatch), `${m.dispatchesPerRep}×${m.reps}`]));
  return table(['adapter', 'host', 'variant', 'product', 'MxKxN', 'GFLOP/s', 'ms/dispatch', 'dispatches×reps'], rows, 5);
}

export function trainingTable(nodes: NodeReport[]): string {
  const rows = nodes.flatMap((r) => {
    const m = bestMatmulGflops(r.matmul);
    const winner = bestTraining(r.training);
    return r.training.map((t) => [r.adapter, NODE_HOST, `${t.variant}${t === winner ? ' *' : ''}`, String(t.stepsPerSubmit), f1(t.samplesPerS),
      f1(t.msPerStep), f2(t.gflops), f2(m), f2(t.gflops / m)]);
  });
  return table(['adapter', 'host', 'kernel', 'steps/submit', 'samples/s', 'ms/step', 'step GFLOP/s', 'best matmul GFLOP/s', 'fraction'], rows);
}

/** Which variant won each product, per adapter and host, with each variant's time. */
export function tuningTable(tunings: { adapter: string; host: string; tuning: Tuning }[]): string {
  const rows = tunings.flatMap(({ adapter, host, tuning }) => tuning.products.map((p) => [adapter, host, `${p.layer}.${p.product}`, `${p.M}x${p.K}x${p.N}`,
    p.best, ...Object.keys(p.ms).sort().map((v) => `${v} ${p.ms[v].toFixed(2)}`)]));
  const width = Math.max(0, ...rows.map((r) => r.length));
  const padded = rows.map((r) => [...r, ...Array<string>(width - r.length).fill('')]);
  return table(['adapter', 'host', 'product', 'MxKxN', 'winner', ...Array.from({ length: width - 5 }, () => 'ms')], padded, width);
}

export function profileTable(adapter: string, p: Profile, stepMs: number | null): string {
  const rows = byKernel(p).map((k) => [k.kernel, String(k.count), f2(k.ms), `${((100 * k.ms) / p.totalMs).toFixed(1)}%`,
    k.flops ? f2(k.flops / k.ms / 1e6) : '', f2(k.bytes / k.ms / 1e6), f2(k.bytes / 1e6)]);
  const bytes = p.rows.reduce((a, r) => a + r.bytes, 0);
  return `${adapter}: ${p.dispatches} dispatches per step, ≥ ${f1(bytes / 1e6)} MB moved; per-kernel times by ${p.method === 'timestamps' ?
    'timestamp queries (one pass per dispatch, in step order)' : 'isolated timing (each dispatch alone, repeated)'}; sum ${f1(p.totalMs)} ms` +
    `${stepMs ? ` vs ${f1(stepMs)} ms per real step` : ''}\n` +
    table(['kernel', 'dispatches', 'ms', 'share', 'GFLOP/s', 'GB/s', 'MB'], rows, 1);
}

/** N models batched against one by one, per adapter: samples/s per model. */
export function batchedTable(runs: { adapter: string; rows: BatchedRow[] }[]): string {
  return table(['adapter', 'host', 'sweep', 'models', 'batched samples/s per model', 'one by one samples/s per model', 'speed-up',
    'batched ms/step', 'one model alone samples/s'], runs.flatMap(({ adapter, rows }) => rows.map((r) => [adapter, NODE_HOST, r.preset, String(r.models),
    f1(r.batchedSamplesPerS), f1(r.oneByOneSamplesPerS), f2(r.speedup), f1(r.msPerStep), f1(r.aloneSamplesPerS)])), 3);
}

export function scalingTable(rows: ScalingRow[]): string {
  const base = (sweep: string) => rows.find((r) => r.sweep === sweep && r.batch === 256 && r.hidden === 256) ?? rows.find((r) => r.sweep === sweep)!;
  return table(['sweep', 'batch', 'hidden', 'samples/s', 'ms/step', 'MFLOP/step', 'GFLOP/s', 'work ×', 'time ×'], rows.map((r) => {
    const b = base(r.sweep);
    return [r.sweep, String(r.batch), String(r.hidden), f1(r.samplesPerS), f2(r.msPerStep), f1(r.mflopPerStep), f2(r.gflops),
      f2(r.mflopPerStep / b.mflopPerStep), f2(r.msPerStep / b.msPerStep)];
  }), 1);
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));
type Row = Record<string, unknown>;
export interface Sections { runs: Row[]; matmul: Row[]; tuning: Row[]; profile: Row[]; scaling: Row[]; batched: Row[]; adapters: Row[] }

function matmulRows(host: string, adapter: string, ms: MatmulResult[], date: string): Row[] {
  return ms.map((m) => ({ host, adapter, variant: m.variant, product: m.product ?? null, m: m.shape.M, k: m.shape.K, n: m.shape.N, gflops: round(m.gflops, 3),
    ms_per_dispatch: round(m.msPerDispatch, 3), dispatches_per_rep: m.dispatchesPerRep, reps: m.reps, date }));
}

function tuningRows(host: string, adapter: string, t: Tuning, date: string): Row[] {
  return t.products.map((p) => ({ host, adapter, layer: p.layer, product: p.product, m: p.M, k: p.K, n: p.N, best: p.best,
    ms: Object.fromEntries(Object.entries(p.ms).map(([k, v]) => [k, round(v, 3)])), date }));
}

function trainRow(system: string, host: string, adapter: string, batch: number, t: { samplesPerS: number; msPerStep: number; gflops: number; stepsPerRep: number; reps: number },
  matmul: number, extra: Row, date: string): Row {
  return { system, host, adapter, batch, samples_per_s: round(t.samplesPerS, 1), step_gflops: round(t.gflops, 3), matmul_gflops: round(matmul, 3),
    fraction: round(t.gflops / matmul, 3), ms_per_step: round(t.msPerStep, 2), ...extra, steps_per_rep: t.stepsPerRep, reps: t.reps, date };
}

/** This run's rows, section by section. */
export function sections(nodes: NodeReport[], browsers: BrowserRun[], scaling: { adapter: string; rows: ScalingRow[] } | null, date: string,
  batched: { adapter: string; rows: BatchedRow[] }[] = []): Sections {
  const s: Sections = { runs: [], matmul: [], tuning: [], profile: [], scaling: [], batched: [], adapters: [] };
  for (const { adapter, rows } of batched) {
    s.batched.push(...rows.map((r) => ({ host: NODE_HOST, adapter, sweep: r.preset, models: r.models, batched_samples_per_s_per_model: round(r.batchedSamplesPerS, 1),
      one_by_one_samples_per_s_per_model: round(r.oneByOneSamplesPerS, 1), alone_samples_per_s: round(r.aloneSamplesPerS, 1), speedup: round(r.speedup, 2),
      ms_per_step: round(r.msPerStep, 2), date })));
  }
  for (const r of nodes) {
    const m = bestMatmulGflops(r.matmul);
    const winner = bestTraining(r.training);
    s.runs.push(...r.training.map((t) => trainRow('ours', NODE_HOST, r.adapter, r.batch, t, m,
      { kernel: t.variant, steps_per_submit: t.stepsPerSubmit, best: t === winner }, date)));
    s.matmul.push(...matmulRows(NODE_HOST, r.adapter, r.matmul, date));
    s.tuning.push(...tuningRows(NODE_HOST, r.adapter, r.tuning, date));
    if (r.profile) {
      s.profile.push(...r.profile.rows.map((k) => ({ host: NODE_HOST, adapter: r.adapter, method: r.profile!.method, label: k.label, kernel: k.kernel,
        ms: round(k.ms, 4), bytes: k.bytes, flops: k.flops, date })));
    }
    s.adapters.push({ host: NODE_HOST, adapter: r.adapter, name: r.name, feature_level: r.featureLevel, seconds: round(r.seconds, 1),
      load_average_1m: round(r.loadAverage, 2), date });
  }
  for (const r of browsers) {
    const m = bestMatmulGflops(r.matmul);
    const winner = bestTraining(r.ours);
    s.runs.push(...r.ours.map((t) => trainRow('ours', BROWSER_HOST, r.adapter, r.batch, t, m,
      { kernel: t.variant, steps_per_submit: t.stepsPerSubmit, best: t === winner, ratio_vs_tfjs: round(t.samplesPerS / r.tfjs.samplesPerS, 2) }, date)));
    s.runs.push(trainRow('tfjs', BROWSER_HOST, r.adapter, r.batch, r.tfjs, m, { kernel: 'tfjs-webgpu', steps_per_submit: 1, best: true }, date));
    s.matmul.push(...matmulRows(BROWSER_HOST, r.adapter, r.matmul, date));
    s.tuning.push(...tuningRows(BROWSER_HOST, r.adapter, r.tuning, date));
    s.adapters.push({ host: BROWSER_HOST, adapter: r.adapter, name: r.name, feature_level: r.featureLevel, seconds: round(r.seconds, 1),
      load_average_1m: round(r.loadAverage, 2), date });
  }
  if (scaling) {
    s.scaling.push(...scaling.rows.map((r) => ({ host: NODE_HOST, adapter: scaling.adapter, sweep: r.sweep, batch: r.batch, hidden: r.hidden,
      samples_per_s: round(r.samplesPerS, 1), ms_per_step: round(r.msPerStep, 2), mflop_per_step: round(r.mflopPerStep, 1), step_gflops: round(r.gflops, 3), date })));
  }
  return s;
}

const hostAdapter = (x: Row) => `${String(x.host)}|${String(x.adapter)}`;

/** Write results.json: in each section, this run's (host, adapter) pairs replace their old rows; the rest stay. */
export function writeResults(path: string, fresh: Sections, meta: Row): void {
  const prior = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) as Partial<Record<keyof Sections, Row[]>> : {};
  const rank = (x: Row) => {
    const i = ADAPTER_ORDER.indexOf(String(x.adapter));
    return i < 0 ? ADAPTER_ORDER.length : i;
  };
  const doc: Row = { ...meta };
  for (const key of ['runs', 'matmul', 'tuning', 'profile', 'scaling', 'batched', 'adapters'] as (keyof Sections)[]) {
    const measured = new Set(fresh[key].map(hostAdapter));
    // Rows from before this format (no host) belong to Node.
    const old = (prior[key] ?? []).map((x) => (x.host ? x : { host: NODE_HOST, ...x })).filter((x) => !measured.has(hostAdapter(x)));
    doc[key] = [...old, ...fresh[key]].sort((a, b) => rank(a) - rank(b) || String(a.host).localeCompare(String(b.host)));
  }
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, formatDocument(doc));
  renameSync(tmp, path);
}

/** Top-level keys one per line and one array element per line: short, stable diffs between runs. */
function formatDocument(doc: Row): string {
  const value = (v: unknown) => (Array.isArray(v) && v.length > 0 ? `[\n${v.map((x) => `    ${JSON.stringify(x)}`).join(',\n')}\n  ]` : JSON.stringify(v));
  return `{\n${Object.entries(doc).map(([k, v]) => `  ${JSON.stringify(k)}: ${value(v)}`).join(',\n')}\n}\n`;
}
