// Everything an experiment leaves behind, as named file contents: results.json, results.csv, one SVG per plot, each
// run's picture grid as PNG, and report.md: the seed's claim and whether the numbers agree, the interpretation, the
// table, plots and grids. Environment-agnostic: the CLI writes the files, the page shows them.
import { describeModel, plural } from '../model/describe.ts';
import { encodeGrayPng, scaleGray } from '../viz/png.ts';
import { CLAIMS } from './claims.ts';
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
    return lineChart(p.title, 'epoch', title(p.y), ok.map((run) => ({ name: run.label, points: run.epochs.map((e): [number, number] => [e.epoch, e[p.y]]) })), { logY: p.logY, integerX: true });
  }
  const labelled = p.x !== 'x'; // a trade-off plot: say which run each point is
  const groups = p.byPreset ? [...new Set(ok.map((run) => run.spec.preset))].map((g) => ok.filter((run) => run.spec.preset === g)) : [ok];
  return lineChart(p.title, title(p.x), p.y.length === 1 ? title(p.y[0]) : 'MSE', p.y.flatMap((c) => groups.map((runs) => ({
    name: p.byPreset ? `${title(c)}, ${runs[0].spec.preset}` : title(c),
    points: runs.map((run): [number, number] => [valueOf(run, p.x) ?? NaN, valueOf(run, c) ?? NaN]),
    labels: labelled ? runs.map((run) => run.label) : undefined,
  }))), { logX: p.logX, logY: p.logY, xTicksAtData: p.x === 'x' });
}

/** Pixel scale of the PNG grids in reports: 28-pixel tiles at 2× are large enough to see strokes and textures. */
const GRID_SCALE = 2;
/** A run's grid is named by its place in the whole sweep, so parts trained apart (--only) merge without clashes. */
const pictureName = (exp: Experiment, label: string) => `${exp.name}-${exp.pictures}-${exp.runs.findIndex((s) => s.label === label) + 1}.png`;

/** The seed's claim, whether the numbers agree, and the interpretation (hand-written, or a note saying where it goes). */
function claimSection(exp: Experiment, r: ExperimentResult, interpretation: string | null): string[] {
  const claim = CLAIMS[exp.name];
  const out: string[] = [];
  if (claim) {
    const verdict = claim.verdict(r);
    out.push('## Seed 001\'s claim', '', `> ${claim.claim}`, '',
      `**Our numbers ${verdict.agreement}** (${r.data.name}, ${r.data.train.toLocaleString('en')} / ${r.data.test.toLocaleString('en')} ` +
        `images, ${plural(r.epochs, 'epoch')} per run):`, '', ...verdict.points.map((p) => `- ${p}`), '');
  }
  out.push('## Interpretation', '', interpretation?.trim() ??
    '_Not written for this run: put a paragraph in interpretation.md next to this report and rebuild it with --report-only._', '');
  return out;
}

/** `pictures`: the runs' grids; null rebuilds the report of a finished run (its PNG files are already written).
 * `interpretation`: the paragraph under the claim. */
export function buildReport(exp: Experiment, r: ExperimentResult, pictures: RunPictures[] | null, interpretation: string | null = null): Report {
  const table = markdownTable(exp, r);
  const plots = exp.plots.map((p, i): Artifact => ({ name: `${exp.name}-${i + 1}.svg`, title: p.title, content: plotSvg(exp, p, r) }));
  const kind = (run: ExperimentResult['runs'][number]) => exp.pictures !== 'recon' ? 'learned features (decoder basis, first 64 units)'
    : `reconstructions (rows: ${run.config.corruption.kind === 'none' ? 'input | output' : 'input | corrupted | output'})`;
  const grids = exp.pictures ? r.runs.flatMap((run): Artifact[] => {
    if (run.error) return [];
    const img = pictures?.find((p) => p.label === run.label)?.[exp.pictures!];
    return [{ name: pictureName(exp, run.label), title: `${run.label}: ${kind(run)}`, content: img ? encodeGrayPng(scaleGray(img, GRID_SCALE)) : new Uint8Array() }];
  }) : [];
  const a = r.adapter;
  const md = [
    `# ${r.title}`, '', r.question, '', ...claimSection(exp, r, interpretation), '## Setup', '',
    `- data: ${r.data.name}, ${r.data.train} train / ${r.data.test} test images, sha256 ${r.data.sha256}`,
    `- adapter: ${a.name} (${a.featureLevel}${a.isFallback ? ', fallback' : ''}, ${a.host}), matmul kernel ${r.kernel}`,
    `- code: ${r.commit}; started ${r.started}`,
    `- ${r.epochs} epochs per run, seed ${r.seed} for every run (initialisation, shuffling, dropout, noise)`, '',
    '## Results', '', table, '',
    ...plots.flatMap((p) => [`![${p.title}](${p.name})`, '']),
    ...(r.baselines?.length ? ['PCA baseline: the test images projected on the top Z principal directions of the training images ' +
      '(eigenvectors of the pixel covariance, float64 on the CPU): the best linear code of the same size.', ''] : []),
    ...(exp.sharpness ? ['Sharpness = the reconstructions\' gradient energy over the inputs\', on the whole test split: Σ of squared ' +
      'differences between horizontally and vertically neighbouring pixels (x[r,c+1] − x[r,c], x[r+1,c] − x[r,c]) of every ' +
      'reconstruction, divided by the same sum over the input images (pixels in [0, 1]). 1 = as much edge energy as the ' +
      'inputs; below 1 = blurrier.', ''] : []),
    ...grids.flatMap((g) => [`**${g.title}**`, '', `![${g.title}](${g.name})`, '']),
    '## Configurations', '',
    ...r.runs.map((run) => `- ${run.label}: ${describeModel(run.config)}; batch ${run.config.batch}, ${run.config.optimizer.kind} η0 ${run.config.optimizer.lr}, ` +
      `cosine T ${run.config.schedule.T}${run.epochs.length ? `; final test MSE ${fmt(run.epochs[run.epochs.length - 1].test_mse)}` : ''}`),
    '', 'Full configurations and per-epoch figures: results.json; the table at full precision: results.csv.', '',
  ].join('\n');
  const files: Artifact[] = [
    { name: 'results.json', title: 'results', content: `${JSON.stringify(r, null, 1)}\n` },
    { name: 'results.csv', title: 'table', content: csvTable(exp, r) },
    ...plots, ...grids.filter((g) => g.content.length > 0),
    { name: 'report.md', title: 'report', content: md },
  ];
  return { table, plots, pictures: grids.filter((g) => g.content.length > 0), files };
}
