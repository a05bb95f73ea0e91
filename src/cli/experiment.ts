// `npm run experiment -- NAME`: one of src/experiments' sweeps on one device, a progress line per run, then the
// table; results.json, results.csv, SVG plots, PNG grids and report.md land in the output directory.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { subsetSplit, type DataSplit } from '../data/dataset.ts';
import { loadData } from '../data/node.ts';
import type { Gpu } from '../gpu/device.ts';
import { acquireNodeGpu, NODE_ADAPTERS, type NodeAdapterChoice } from '../gpu/node.ts';
import { makeDirs, writeFileAtomic } from '../io/files.ts';
import { EXPERIMENT_NAMES, EXPERIMENTS, experiment, type Experiment } from '../experiments/definitions.ts';
import { attachBaselines } from '../experiments/baselines.ts';
import { buildReport } from '../experiments/report.ts';
import { plural } from '../model/describe.ts';
import { experimentLimits, runExperiment, type ExperimentResult } from '../experiments/runner.ts';
import { mergeParts, parseOnly, readResult } from './experiment-parts.ts';
import { fmt } from '../experiments/table.ts';
import { AUTO_KERNEL } from '../train/autotune.ts';
import { frontierMain } from './sae-frontier.ts';
import { relaunchWithQuietStderr } from './quiet-stderr.ts';
import { DEFAULT_VARIANT, MATMUL_VARIANTS } from '../train/kernels.ts';

const SUITE = 'all';

const USAGE = `Usage: npm run experiment -- NAME [options]
  NAME                  ${EXPERIMENT_NAMES.join('|')}|sae-frontier (its options: sae-frontier --help)
                        ${SUITE}: every experiment but sae-frontier, one after another on one device, into OUT/NAME,
                        and the suite's wall time per experiment in OUT/suite.json
  --data default|DIR    the embedded digits (default) or a directory of MNIST-format IDX files
  --epochs N            epochs per run (default: the experiment's, as seed 001: latent 15, the others 10)
  --out DIR             output directory (default runs/experiments/NAME; for all, runs/experiments)
  --seed S              seed of every run (default 0)
  --kernel K            matmul variant (default ${DEFAULT_VARIANT}: fixed, so re-runs give identical numbers; ${AUTO_KERNEL} tunes by timing)
  --adapter A           ${NODE_ADAPTERS.join('|')} (default auto)
  --runs N              only the first N configurations (not with all)
  --subset TRAIN/TEST   only the first TRAIN training and TEST test images
  --batched             train the runs of one shape together as one model batch (default; same numbers, faster)
  --sequential          train every run on its own, one after another
  --quiet               print only the table (for all: each experiment's, then the suite's)
  --only A-B            only configurations A to B (from 1): a part of a long sweep, for --merge (not with all)
  --merge DIR,DIR…      join parts run with --only into OUT (runs, grids), then build the report as --report-only
                        (not with all)
  --report-only         rebuild OUT's report from its results.json (and interpretation.md) without training; the PCA
                        baseline is recomputed from --data, which must be the data of the run
  --verbose             show the adapter's own notices on stderr`;

function positiveInt(flag: string, raw: string | undefined, def: number): number {
  if (raw === undefined) return def;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${flag} ${JSON.stringify(raw)}: must be a positive integer`);
  return v;
}

/** HEAD's commit, marked +dirty when tracked code or data differ from it (not docs: reports may be written into
 * tracked folders); 'unknown' outside a git checkout. */
function codeVersion(): string {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'src', 'shaders', 'data', 'package.json', 'package-lock.json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${head}+dirty` : head;
  } catch {
    return 'unknown';
  }
}

type Options = { epochs?: number; seed: number; kernel: string; only: { first: number; count: number } | null;
  runs?: number; sequential: boolean; log: (s: string) => void };

async function main(argv: string[]): Promise<void> {
  argv = argv.filter((x) => x !== '--verbose'); // the quiet-stderr relaunch's flag (see the end of this file)
  if (argv[0] === 'sae-frontier') return frontierMain(argv.slice(1)); // its own runs, options and report
  const { values: a, positionals } = parseArgs({ args: argv, strict: true, allowPositionals: true, options: {
    data: { type: 'string' }, epochs: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' }, kernel: { type: 'string' },
    adapter: { type: 'string' }, runs: { type: 'string' }, subset: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean' },
    batched: { type: 'boolean' }, sequential: { type: 'boolean' }, 'report-only': { type: 'boolean' }, only: { type: 'string' },
    merge: { type: 'string' } } });
  if (a.help) { console.log(USAGE); return; }
  if (positionals.length !== 1) throw new Error(`give one experiment name\n\n${USAGE}`);
  const suite = positionals[0] === SUITE;
  if (!suite && !EXPERIMENT_NAMES.includes(positionals[0])) {
    throw new Error(`no experiment ${JSON.stringify(positionals[0])}: one of ${[...EXPERIMENT_NAMES, 'sae-frontier', SUITE].join(', ')}`);
  }
  const exps = suite ? EXPERIMENTS : [experiment(positionals[0])];
  if (suite && (a.only !== undefined || a.merge !== undefined || a.runs !== undefined)) {
    throw new Error(`${SUITE} runs every experiment whole: --only, --merge and --runs choose one experiment's configurations; give the experiment's name instead`);
  }
  const seed = a.seed === undefined ? 0 : Number(a.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`--seed ${JSON.stringify(a.seed)}: must be an integer from 0 to 4294967295`);
  if (a.batched && a.sequential) throw new Error('--batched and --sequential exclude each other: give one (batched is the default)');
  const kernel = a.kernel ?? DEFAULT_VARIANT;
  if (kernel !== AUTO_KERNEL && !(kernel in MATMUL_VARIANTS)) throw new Error(`--kernel ${JSON.stringify(kernel)}: must be ${AUTO_KERNEL} or one of ${Object.keys(MATMUL_VARIANTS).join(', ')}`);
  const adapter = (a.adapter ?? 'auto') as NodeAdapterChoice;
  if (!NODE_ADAPTERS.includes(adapter)) throw new Error(`--adapter ${JSON.stringify(adapter)}: must be one of ${NODE_ADAPTERS.join(', ')}`);
  const subset = a.subset?.match(/^(\d+)\/(\d+)$/);
  if (a.subset !== undefined && !subset) throw new Error(`--subset ${JSON.stringify(a.subset)}: must be TRAIN/TEST, e.g. 512/256`);
  const only = a.only === undefined ? null : parseOnly(a.only, exps[0]);
  if (only && a.runs !== undefined) throw new Error('--only and --runs both choose configurations: give one of them');
  const o: Options = { epochs: a.epochs === undefined ? undefined : positiveInt('epochs', a.epochs, 1), seed, kernel, only,
    runs: a.runs === undefined ? undefined : positiveInt('runs', a.runs, 1), sequential: !!a.sequential, log: (s) => { if (!a.quiet) console.log(s); } };
  const out = resolve(a.out ?? (suite ? join('runs', 'experiments') : join('runs', 'experiments', exps[0].name)));
  const outFor = (exp: Experiment) => (suite ? join(out, exp.name) : out);
  const makeOut = (dir: string) => {
    try { makeDirs(dir); } catch (e) { throw new Error(`--out ${dir}: cannot create the directory (${(e as Error).message})`); }
  };
  makeOut(out);

  let data = await loadData(a.data ?? 'default');
  if (subset) data = await subsetSplit(data, Number(subset[1]), Number(subset[2]));
  if (a['report-only'] || a.merge !== undefined) {
    for (const exp of exps) {
      const result = a.merge !== undefined ? mergeParts(exp, a.merge.split(',').map((d) => resolve(d)), out) : readResult(outFor(exp), exp);
      attachBaselines(exp, result, data);
      const report = await writeReport(exp, result, null, outFor(exp));
      console.log(`${report.table}\n\nreport ${a.merge !== undefined ? `merged from ${plural(a.merge.split(',').length, 'part')}` : 'rebuilt'} in ${outFor(exp)}`);
    }
    return;
  }
  const limits: Record<string, number> = {};
  for (const exp of exps) for (const [k, v] of Object.entries(experimentLimits(exp, data))) limits[k] = Math.max(limits[k] ?? 0, v as number);
  const gpu = await acquireNodeGpu(adapter, limits);
  try {
    const t0 = performance.now();
    const commit = codeVersion(); // the code the suite starts with (docs written meanwhile do not count)
    const walls: { experiment: string; runs: number; epochs: number; wall_s: number; training_s: number }[] = [];
    for (const [i, exp] of exps.entries()) {
      const t = performance.now();
      makeOut(outFor(exp));
      const r = await trainOne(gpu, data, exp, o, outFor(exp));
      const wall = Math.round((performance.now() - t) / 100) / 10; // training, evaluations, the PCA baseline, the files
      walls.push({ experiment: exp.name, runs: r.runs.length, epochs: r.epochs, wall_s: wall, training_s: r.wall_s ?? NaN });
      if (suite) o.log(`[${i + 1}/${exps.length} experiments] ${exp.name} finished in ${wall.toFixed(1)} s`);
    }
    if (suite) {
      const total = Math.round((performance.now() - t0) / 100) / 10;
      const rows = walls.map((w) => `| ${w.experiment} | ${w.runs} | ${w.epochs} | ${w.wall_s.toFixed(1)} |`);
      const table = ['| experiment | runs | epochs per run | wall time (s) |', '| --- | --- | --- | --- |', ...rows, `| **all** | ${walls.reduce((s, w) => s + w.runs, 0)} | | **${total.toFixed(1)}** |`].join('\n');
      const summary = { mode: o.sequential ? 'sequential' : 'batched', adapter: gpu.adapter.name, seed: o.seed, kernel: o.kernel, epochs: o.epochs ?? 'each experiment\'s own', data: { name: data.name, sha256: data.sha256, train: data.train.count, test: data.test.count },
        commit, started: new Date(Date.now() - total * 1000).toISOString(), wall_s: total, experiments: walls };
      await writeFileAtomic(join(out, 'suite.json'), `${JSON.stringify(summary, null, 1)}\n`);
      console.log(`\nthe suite, ${summary.mode}, ${data.name} (${data.train.count}/${data.test.count}), ${gpu.adapter.name}:\n\n${table}\n\nsuite.json and one directory per experiment in ${out}`);
    }
  } finally {
    gpu.release();
  }
}

/** The report files of one experiment into `out`, with the paragraph written after reading the numbers if it is there. */
async function writeReport(exp: Experiment, result: ExperimentResult, pictures: Parameters<typeof buildReport>[2], out: string) {
  const interpretationFile = join(out, 'interpretation.md');
  const interpretation = existsSync(interpretationFile) ? readFileSync(interpretationFile, 'utf8') : null;
  const report = buildReport(exp, result, pictures, interpretation);
  for (const f of report.files) await writeFileAtomic(join(out, f.name), f.content);
  return report;
}

async function trainOne(gpu: Gpu, data: DataSplit, exp: Experiment, o: Options, out: string): Promise<ExperimentResult> {
  const epochs = o.epochs ?? exp.epochs;
  const { log } = o;
  log(`${exp.name}: ${exp.title}; ${data.name} (${data.train.count}/${data.test.count}), ${gpu.adapter.name}, ${plural(epochs, 'epoch')} per run, kernel ${o.kernel}`);
  const t0 = performance.now();
  const { result, pictures } = await runExperiment(gpu, data, exp, { epochs, seed: o.seed, kernel: o.kernel, commit: codeVersion(),
    ...(o.only ? { first: o.only.first, maxRuns: o.only.count } : { maxRuns: o.runs }),
    batched: !o.sequential, log,
    onProgress: ({ run, runs, label, done }) => {
      if (!done) return;
      const last = done.epochs[done.epochs.length - 1];
      log(`[${run + 1}/${runs}] ${label}: ${done.error ? `failed: ${done.error}` : `test MSE ${fmt(last.test_mse)}, active ${fmt(last.population_sparsity)}, ${last.seconds.toFixed(1)} s`}`);
    } });
  result.wall_s = Math.round((performance.now() - t0) / 100) / 10; // training and evaluations, not the PCA baseline
  attachBaselines(exp, result, data);
  const report = await writeReport(exp, result, pictures, out);
  console.log(`\n${report.table}\n\n${report.files.length} files in ${out} (report.md), ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return result;
}

if (!relaunchWithQuietStderr(process.argv.includes('--verbose'))) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
