// Everything an experiment leaves behind, as named file contents: results.json, results.csv, one SVG per plot, the
// runs' picture grids side by side as PNG, and report.md embedding them. Environment-agnostic: the CLI writes the
// files, the page shows them.
import { describeModel } from '../model/describe.ts';
import { besideEachOther } from '../viz/grid.ts';
import { encodeGrayPng } from '../viz/png.ts';
import { columnTitle, type Column, type Experiment, type PlotSpec } from './definitions.ts';
import { heatmap, lineChart } from './plot.ts';
import type { ExperimentResult, RunPictures } from './runner.ts';
import { csvTable, fmt, markdownTable, valueOf } from './table.ts';

export interface Artifact { name: string; title: string; content: string | Uint8Array }
export interface Report { table: string; plots: Artifact[]; pictures: Artifact[]; files: Artifact[] }

function plotSvg(exp: Experiment, p: PlotSpec, r: ExperimentResult): string {
  const title = (c: Column) => columnTitle(c, exp.xTitle);
  const ok = r.runs.filter((run) => !run.error);
  if (p.kind === 'heatmap') return heatmap(p.title, ok.map((run) => run.label), p.columns.map(title), ok.map((run) => p.columns.map((c) => valueOf(run, c))));
  if (p.kind === 'curves') {
    return lineChart(p.title, 'epoch', title(p.y), ok.map((run) => ({ name: run.label, points: run.epochs.map((e): [number, number] => [e.epoch, e[p.y]]) })), { logY: p.logY });
  }
  const xs = ok.map((run) => valueOf(run, p.x));
  const labelled = p.x !== 'x'; // a trade-off plot: say which run each point is
  return lineChart(p.title, title(p.x), p.y.length === 1 ? title(p.y[0]) : 'MSE', p.y.map((c) => {
    const pts = ok.map((run, i): [number, number] => [xs[i] ?? NaN, valueOf(run, c) ?? NaN]);
    return { name: title(c), points: pts, labels: labelled ? ok.map((run) => run.label) : undefined };
  }), { logX: p.logX, logY: p.logY });
}

export function buildReport(exp: Experiment, r: ExperimentResult, pictures: RunPictures[]): Report {
  const table = markdownTable(exp, r);
  const plots = exp.plots.map((p, i): Artifact => ({ name: `${exp.name}-${i + 1}.svg`, title: p.title, content: plotSvg(exp, p, r) }));
  const grids = exp.pictures && pictures.length > 0
    ? [{ name: `${exp.name}-${exp.pictures}.png`, title: `${exp.pictures === 'recon' ? 'reconstructions (input | corrupted | output)' : 'learned features (decoder basis, first 64 units)'}, left to right: ${pictures.map((p) => p.label).join(', ')}`,
      content: encodeGrayPng(besideEachOther(pictures.map((p) => p[exp.pictures!]), 12)) }]
    : [];
  const a = r.adapter;
  const md = [
    `# ${r.title}`, '', r.question, '',
    `- data: ${r.data.name}, ${r.data.train} train / ${r.data.test} test images, sha256 ${r.data.sha256}`,
    `- adapter: ${a.name} (${a.featureLevel}${a.isFallback ? ', fallback' : ''}, ${a.host}), matmul kernel ${r.kernel}`,
    `- code: ${r.commit}; started ${r.started}`,
    `- ${r.epochs} epochs per run, seed ${r.seed} for every run (initialisation, shuffling, dropout, noise)`, '',
    '## Results', '', table, '',
    ...plots.flatMap((p) => [`![${p.title}](${p.name})`, '']),
    ...grids.flatMap((g) => [`${g.title}:`, '', `![${g.title}](${g.name})`, '']),
    '## Configurations', '',
    ...r.runs.map((run) => `- ${run.label}: ${describeModel(run.config)}; batch ${run.config.batch}, ${run.config.optimizer.kind} η0 ${run.config.optimizer.lr}, ` +
      `cosine T ${run.config.schedule.T}${run.epochs.length ? `; final test MSE ${fmt(run.epochs[run.epochs.length - 1].test_mse)}` : ''}`),
    '', 'Full configurations and per-epoch figures: results.json; the table at full precision: results.csv.', '',
  ].join('\n');
  const files: Artifact[] = [
    { name: 'results.json', title: 'results', content: `${JSON.stringify(r, null, 1)}\n` },
    { name: 'results.csv', title: 'table', content: csvTable(exp, r) },
    ...plots, ...grids,
    { name: 'report.md', title: 'report', content: md },
  ];
  return { table, plots, pictures: grids, files };
}
