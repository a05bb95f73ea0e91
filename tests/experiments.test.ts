// Experiments end to end: `npm run experiment` on a tiny subset writes the table, JSON, CSV, plots, pictures and
// report; a re-run gives identical numbers; a cross-corruption evaluation agrees with training's own noisy metric; an
// MNIST-format directory and the PCA baseline; rebuilding a report with its interpretation.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { EXPERIMENTS } from '../src/experiments/definitions.ts';
import { configFor } from '../src/experiments/runner.ts';
import { validateConfig } from '../src/model/validate.ts';
import { decodeGrayPng } from '../src/viz/png.ts';
import { digitsSubset } from './support/app.ts';

const run = promisify(execFile);
const experiment = (args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli/experiment.ts', ...args], { timeout: 240_000 });

test('every experiment configuration is a valid config', () => {
  for (const e of EXPERIMENTS) {
    for (const spec of e.runs) assert.deepEqual(validateConfig(configFor(spec, e.epochs, 0, 784)), [], `${e.name} ${spec.label}`);
    for (const c of e.columns) if (c.startsWith('eval:')) assert.ok(e.evaluate?.some((ev) => `eval:${ev.label}` === c), `${e.name}: column ${c} has an evaluation`);
  }
});

test('npm run experiment: files, table, and identical numbers on a re-run', async () => {
  const dirs = [mkdtempSync(join(tmpdir(), 'wgae-exp-')), mkdtempSync(join(tmpdir(), 'wgae-exp-'))];
  const args = ['noise-robustness', '--epochs', '1', '--runs', '2', '--subset', '512/128', '--adapter', 'llvmpipe'];
  const a = await experiment([...args, '--out', dirs[0]]);
  await experiment([...args, '--out', dirs[1], '--quiet']);
  assert.match(a.stdout, /\[1\/2\] trained on gaussian 0\.3: test MSE 0\.\d+/);
  assert.match(a.stdout, /\| run \| test MSE \| on gaussian 0\.3 \| on salt_pepper 0\.2 \| on masking 0\.3 \|/);
  const files = readdirSync(dirs[0]).sort();
  assert.deepEqual(files, ['noise-robustness-1.svg', 'noise-robustness-recon-1.png', 'noise-robustness-recon-2.png', 'report.md', 'results.csv', 'results.json']);
  const read = (d: string, f: string) => readFileSync(join(d, f), 'utf8');
  assert.equal(read(dirs[0], 'results.csv'), read(dirs[1], 'results.csv'), 'the CSV (no timings) is identical');
  assert.equal(read(dirs[0], 'noise-robustness-1.svg'), read(dirs[1], 'noise-robustness-1.svg'));
  const r = JSON.parse(read(dirs[0], 'results.json'));
  const r2 = JSON.parse(read(dirs[1], 'results.json'));
  const numbers = (x: typeof r) => x.runs.map((run: { epochs: { seconds: number }[]; evals: object }) => ({ evals: run.evals, epochs: run.epochs.map(({ seconds: _, ...e }) => e) }));
  assert.deepEqual(numbers(r), numbers(r2));
  assert.equal(r.runs.length, 2);
  assert.match(r.adapter.name, /llvmpipe/);
  assert.match(r.commit, /^[0-9a-f]{40}(\+dirty)?$|^unknown$/);
  assert.equal(r.seed, 0);
  assert.equal(r.runs[0].config.corruption.kind, 'gaussian');
  // The model's own noisy→clean MSE (training's evaluation) equals the evaluation of its weights under the same corruption.
  assert.equal(r.runs[0].evals['on gaussian 0.3'], r.runs[0].epochs[0].test_noisy_mse);
  assert.equal(r.runs[1].evals['on salt_pepper 0.2'], r.runs[1].epochs[0].test_noisy_mse);
  assert.match(read(dirs[0], 'results.csv').split('\n')[0], /^run,preset,epochs,x,loss,test_loss,test_mse/);
  assert.match(read(dirs[0], 'noise-robustness-1.svg'), /^<svg [^>]*>[\s\S]*trained on salt_pepper 0\.2[\s\S]*<\/svg>\n$/);
  const report = read(dirs[0], 'report.md');
  for (const s of ['![noisy→clean MSE', '](noise-robustness-1.svg)', '](noise-robustness-recon-2.png)', 'sha256', 'llvmpipe', r.commit,
    "## Seed 001's claim", '> Exercise 6: "Train three separate models', '**Our numbers ', '## Interpretation']) assert.ok(report.includes(s), s);
  const png = decodeGrayPng(readFileSync(join(dirs[0], 'noise-robustness-recon-1.png')));
  assert.deepEqual([png.width, png.height], [2 * 231, 2 * 177]); // one run's grid (input | corrupted | output) at 2×
});

test('npm run experiment on an MNIST-format directory: the PCA column; --report-only adds interpretation.md', async () => {
  const data = mkdtempSync(join(tmpdir(), 'wgae-idx-'));
  for (const f of digitsSubset(600, 200, true)) writeFileSync(join(data, f.name), f.buffer); // as the full MNIST's .gz files
  const out = mkdtempSync(join(tmpdir(), 'wgae-exp-'));
  const args = ['latent', '--epochs', '1', '--runs', '2', '--data', data, '--adapter', 'llvmpipe', '--out', out];
  const a = await experiment(args);
  assert.match(a.stdout, /\| run \| Z \| train loss \| test MSE \| PCA test MSE \|\n\| --- \| --- \| --- \| --- \| --- \|\n\| Z=2 \| 2 \| 0\.\d+ \| 0\.\d+ \| 0\.\d+ \|/);
  const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  assert.equal(r.data.train, 600);
  assert.ok(r.runs[1].extras.pca_mse < r.runs[0].extras.pca_mse, 'PCA-4 reconstructs better than PCA-2');
  assert.ok(r.wall_s > 0);
  writeFileSync(join(out, 'interpretation.md'), 'A paragraph written after reading the numbers.\n');
  await experiment([...args, '--report-only']);
  const report = readFileSync(join(out, 'report.md'), 'utf8');
  assert.match(report, /## Interpretation\n\nA paragraph written after reading the numbers\.\n/);
  assert.match(report, /\*\*Our numbers (agree|partly agree|disagree)\*\*/);
  assert.equal(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).runs[1].extras.pca_mse, r.runs[1].extras.pca_mse);
  await assert.rejects(experiment(['latent', '--report-only', '--out', out]), /is not the data the experiment ran on/);
  await assert.rejects(experiment(['losses', '--report-only', '--out', out]), /holds the experiment latent, not losses/);
});

test('--only trains a part of a sweep and --merge joins the parts into one report', async () => {
  const [p2, p1, out] = [0, 1, 2].map(() => mkdtempSync(join(tmpdir(), 'wgae-exp-')));
  const common = ['noise-robustness', '--epochs', '1', '--subset', '256/64', '--adapter', 'llvmpipe', '--quiet'];
  await experiment([...common, '--only', '2-2', '--out', p2]);
  await experiment([...common, '--only', '1-1', '--out', p1]);
  assert.deepEqual(readdirSync(p2).filter((f) => f.endsWith('.png')), ['noise-robustness-recon-2.png'], 'grids keep their place in the sweep');
  const a = await experiment(['noise-robustness', '--subset', '256/64', '--merge', `${p2},${p1}`, '--out', out]);
  assert.match(a.stdout, /report merged from 2 parts/);
  const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  const parts = [p1, p2].map((d) => JSON.parse(readFileSync(join(d, 'results.json'), 'utf8')));
  assert.deepEqual(r.runs.map((run: { label: string }) => run.label), ['trained on gaussian 0.3', 'trained on salt_pepper 0.2'], 'in the sweep\'s order');
  assert.ok(Math.abs(r.wall_s - (parts[0].wall_s + parts[1].wall_s)) < 1e-9, 'the parts\' wall times add up');
  assert.ok(readdirSync(out).includes('noise-robustness-recon-1.png') && readdirSync(out).includes('noise-robustness-recon-2.png'));
  await assert.rejects(experiment(['noise-robustness', '--subset', '256/64', '--merge', `${p1},${p1}`, '--out', out]), /the run "trained on gaussian 0\.3" is in more than one part/);
  await assert.rejects(experiment([...common, '--only', '3-4', '--out', out]), /--only "3-4": must be A-B with 1 ≤ A ≤ B ≤ 3/);
});

test('npm run experiment -- all: every experiment into OUT/NAME and the suite\'s wall times; one-experiment flags refused', async () => {
  const out = mkdtempSync(join(tmpdir(), 'wgae-suite-'));
  const r = await experiment(['all', '--epochs', '1', '--subset', '128/64', '--adapter', 'llvmpipe', '--out', out, '--sequential']);
  assert.doesNotMatch(r.stderr, /artificially reduced/, 'the adapter\'s notices are filtered as in npm run train');
  const suite = JSON.parse(readFileSync(join(out, 'suite.json'), 'utf8'));
  assert.equal(suite.mode, 'sequential');
  assert.deepEqual(suite.experiments.map((e: { experiment: string }) => e.experiment), EXPERIMENTS.map((e) => e.name));
  for (const e of suite.experiments) {
    assert.equal(e.runs, EXPERIMENTS.find((x) => x.name === e.experiment)!.runs.length, e.experiment);
    assert.ok(e.training_s > 0 && e.training_s <= e.wall_s && e.wall_s <= suite.wall_s, `${e.experiment}: ${e.training_s} s training, ${e.wall_s} s in all, of ${suite.wall_s} s`);
    assert.ok(readdirSync(join(out, e.experiment)).includes('report.md'), e.experiment);
  }
  const runs = EXPERIMENTS.reduce((n, e) => n + e.runs.length, 0);
  assert.match(r.stdout, new RegExp(`\\| \\*\\*all\\*\\* \\| ${runs} \\| \\| \\*\\*[\\d.]+\\*\\* \\|`));
  const n = EXPERIMENTS.length;
  assert.match(r.stdout, new RegExp(`^\\[${n}/${n} experiments\\] ${EXPERIMENTS[n - 1].name} finished in [\\d.]+ s$`, 'm'));
  await assert.rejects(experiment(['all', '--only', '1-2']), /all runs every experiment whole: --only, --merge and --runs/);
  await assert.rejects(experiment(['losses', '--out', '/proc/wgae-out']), /--out \/proc\/wgae-out: cannot create the directory \(ENOENT/, 'refused, not a busy loop');
  await assert.rejects(experiment(['nope']), /no experiment "nope": one of losses, .*, presets, sae-frontier, all/);
  assert.match((await experiment(['sae-frontier', '--help', '--verbose'])).stdout, /sae-frontier/, '--verbose is the relaunch\'s flag, for every experiment');
});
