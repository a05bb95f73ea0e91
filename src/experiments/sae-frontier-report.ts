// The sae-frontier experiment's files: a table per dataset, the frontier plots (FVU against L0, one line per kind),
// results.json / results.csv, and report.md with a computed comparison at matched L0.
import type { SaeKind } from '../model/config.ts';
import { lineChart, type Series } from './plot.ts';
import { FRONTIER_KINDS, type FrontierPoint, type FrontierResult } from './sae-frontier.ts';

export interface ReportFile { name: string; content: string }
export interface FrontierContext { data: string; adapter: string; commit: string; seconds: number }

const KIND_NAMES: Record<SaeKind, string> = { topk: 'TopK', batchtopk: 'BatchTopK', jumprelu: 'JumpReLU', l1: 'L1 (decoder-norm weighted)' };
const KNOB_NAMES: Record<string, string> = { k: 'k', l0Weight: 'L0 weight', l1Weight: 'L1 weight' };
const f3 = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(3)).toString() : '–');

/** FVU of `kind` at L0 = `at`, interpolated linearly in log L0 between its two nearest points; null outside its range. */
export function fvuAt(points: FrontierPoint[], at: number): number | null {
  const ok = points.filter((p) => p.error === null && p.l0 > 0 && Number.isFinite(p.fvu)).sort((a, b) => a.l0 - b.l0);
  for (let i = 0; i + 1 < ok.length; i++) {
    const [a, b] = [ok[i], ok[i + 1]];
    if (at >= a.l0 && at <= b.l0) {
      const t = b.l0 === a.l0 ? 0 : (Math.log(at) - Math.log(a.l0)) / (Math.log(b.l0) - Math.log(a.l0));
      return a.fvu + t * (b.fvu - a.fvu);
    }
  }
  return ok.length === 1 && ok[0].l0 === at ? ok[0].fvu : null;
}

/** One sentence per dataset: the kinds ranked by interpolated FVU at L0 = `at` (those whose sweep spans it). */
export function comparisonAt(points: FrontierPoint[], at: number): string {
  const ranked = FRONTIER_KINDS.map((k) => ({ k, fvu: fvuAt(points.filter((p) => p.kind === k), at) }))
    .filter((r): r is { k: SaeKind; fvu: number } => r.fvu !== null).sort((a, b) => a.fvu - b.fvu);
  if (ranked.length === 0) return `no kind's sweep spans L0 = ${at}`;
  return `at L0 = ${at}: ${ranked.map((r) => `${KIND_NAMES[r.k]} ${f3(r.fvu)}`).join(' < ')}`;
}

function table(points: FrontierPoint[]): string {
  const lines = ['| kind | knob | L0 | FVU | explained variance | test MSE | dead fraction | s |', '|---|---|---|---|---|---|---|---|'];
  for (const p of points) {
    lines.push(p.error ? `| ${KIND_NAMES[p.kind]} | ${KNOB_NAMES[p.knob]} = ${p.value} | failed: ${p.error} | | | | | |`
      : `| ${KIND_NAMES[p.kind]} | ${KNOB_NAMES[p.knob]} = ${p.value} | ${f3(p.l0)} | ${f3(p.fvu)} | ${f3(1 - p.fvu)} | ${f3(p.mse)} | ${f3(p.dead)} | ${p.seconds.toFixed(0)} |`);
  }
  return lines.join('\n');
}

function plot(label: string, points: FrontierPoint[]): string {
  const series: Series[] = FRONTIER_KINDS.map((k) => {
    const ps = points.filter((p) => p.kind === k && p.error === null).sort((a, b) => a.l0 - b.l0);
    return { name: KIND_NAMES[k], points: ps.map((p) => [p.l0, p.fvu] as [number, number]), labels: ps.map((p) => (p.knob === 'k' ? `k=${p.value}` : `λ=${p.value}`)) };
  }).filter((s) => s.points.length > 0);
  return lineChart(`Sparsity–fidelity frontier: ${label}`, 'L0 (active latents per held-out sample, log scale)', 'FVU (held-out)', series, { logX: true });
}

const csvCell = (v: string | number | null) => (typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v ?? ''));

export function frontierReport(r: FrontierResult, c: FrontierContext): { files: ReportFile[]; tables: string } {
  const o = r.options;
  const header = ['dataset', 'kind', 'knob', 'value', 'l0', 'fvu', 'explained_variance', 'test_mse', 'dead_fraction', 'seconds', 'error'];
  const csv = [header.join(','), ...r.points.map((p) => [p.dataset, p.kind, p.knob, p.value, p.l0, p.fvu, 1 - p.fvu, p.mse, p.dead, Number(p.seconds.toFixed(2)), p.error]
    .map(csvCell).join(','))].join('\n') + '\n';
  const files: ReportFile[] = [{ name: 'results.json', content: JSON.stringify({ ...r, context: c }, null, 1) + '\n' }, { name: 'results.csv', content: csv }];
  const sections: string[] = [];
  const tables: string[] = [];
  for (const d of r.datasets) {
    const points = r.points.filter((p) => p.dataset === d.name);
    const svg = `frontier-${d.name}.svg`;
    files.push({ name: svg, content: plot(d.label, points) });
    const compare = [4, 8, 16, 32].map((at) => comparisonAt(points, at)).filter((s) => !s.startsWith('no kind'));
    tables.push(`${d.label} (d_in ${d.dim})\n${table(points)}`);
    sections.push(`## ${d.label}\n\n${d.dim}-d vectors: ${d.note}; ${d.train} train / ${d.test} held out.\n\n![frontier](${svg})\n\n${table(points)}\n\n` +
      `FVU at matched L0 (interpolated in log L0 along each kind's sweep): ${compare.length ? compare.join('; ') : 'the sweeps do not overlap'}.\n`);
  }
  const md = `# Sparse autoencoders: the sparsity–fidelity frontier\n\n` +
    `FVU (fraction of variance unexplained, held-out) against L0 (mean active latents per held-out sample) for the four SAE kinds at one ` +
    `size, d_sae = ${o.dSae}, each swept over its own sparsity knob: TopK and BatchTopK over k, JumpReLU over its L0 weight, ` +
    `L1 over its weight. Inputs normalised to mean squared norm d_in; Adam at the presets' constant learning rate; ${o.epochs} epochs per SAE; seed ${o.seed}. ` +
    `Data ${c.data}; adapter ${c.adapter}; commit ${c.commit}; ${c.seconds.toFixed(0)} s in all. Lower and further left is better.\n\n${sections.join('\n')}`;
  files.push({ name: 'report.md', content: md });
  return { files, tables: tables.join('\n\n') };
}
