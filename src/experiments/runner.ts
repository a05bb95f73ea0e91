// Runs an experiment's configurations one after another on one device, sharing one KernelCache so pipelines are
// compiled once, then evaluates every trained model under the experiment's extra settings by loading its weights into
// a Trainer built for that setting. Environment-agnostic: the CLI and the page both call runExperiment.
import type { DataSplit } from '../data/dataset.ts';
import type { AdapterDescription, Gpu, LimitRequest } from '../gpu/device.ts';
import { KernelCache } from '../gpu/kernels.ts';
import type { TrainConfig } from '../model/config.ts';
import { preset } from '../model/presets.ts';
import { DEFAULT_VARIANT } from '../train/kernels.ts';
import { Trainer, limitsFor, type EpochMetrics } from '../train/trainer.ts';
import { Run } from '../train/run.ts';
import type { GrayImage } from '../viz/grid.ts';
import { trainerPictures } from '../viz/trainer-pictures.ts';
import type { Evaluation, Experiment, Extra, RunSpec } from './definitions.ts';
import { testSharpness } from './sharpness.ts';

/** Per-epoch figures kept for curves (the step records are left out). */
export interface EpochSummary {
  epoch: number; lr: number; loss: number; test_loss: number; test_mse: number; test_noisy_mse: number | null;
  mean_activity: number; population_sparsity: number; dead_units: number; jacobian_fro2: number | null; seconds: number;
}

export interface RunResult {
  label: string;
  spec: RunSpec;
  config: TrainConfig;
  epochs: EpochSummary[];
  evals: Record<string, number>; // Evaluation label → its value
  extras?: Partial<Record<Extra, number>>; // figures measured after training (sharpness) or beside it (the PCA baseline)
  error: string | null; // the run could not train (e.g. an objective this build lacks); the sweep goes on
}

export interface ExperimentResult {
  experiment: string; title: string; question: string;
  epochs: number; seed: number; kernel: string; commit: string; started: string;
  adapter: AdapterDescription;
  data: { name: string; sha256: string; train: number; test: number };
  runs: RunResult[];
  wall_s?: number; // the whole experiment's wall time, training and evaluations (set by the CLI)
  baselines?: BaselineRow[]; // rows that are not trained models (the PCA baseline), added by src/experiments/baselines.ts
}

export interface BaselineRow { label: string; z: number; test_mse: number; sharpness: number | null }

export interface RunPictures { label: string; recon: GrayImage; features: GrayImage }

export interface RunOptions {
  epochs?: number; // default: the experiment's
  seed?: number; // every run's seed (default 0)
  kernel?: string; // a fixed matmul variant keeps runs bit-reproducible; 'auto' tunes by timing, which can vary
  commit?: string;
  maxRuns?: number; // only N configurations (smoke tests, or one part of a long sweep)
  first?: number; // index of the first configuration to train (default 0)
  onProgress?: (p: { run: number; runs: number; label: string; epoch: number; epochs: number; done: RunResult | null }) => void;
  log?: (line: string) => void; // the runs' own lines (a divergence, a rebuilt device)
}

/** The TrainConfig of one configuration: the preset, the spec's fields, then epochs, schedule and seed. */
export function configFor(spec: RunSpec, epochs: number, seed: number, inputDim: number): TrainConfig {
  const cfg = preset(spec.preset, spec.latent, inputDim);
  if (spec.loss) cfg.loss = spec.loss;
  if (spec.sparsity) cfg.sparsity = { ...cfg.sparsity, ...spec.sparsity };
  if (spec.contractive !== undefined) cfg.contractive = spec.contractive;
  if (spec.contractiveSamples !== undefined) cfg.contractiveSamples = spec.contractiveSamples;
  if (spec.corruption) cfg.corruption = { ...spec.corruption };
  cfg.epochs = epochs;
  cfg.schedule = { ...cfg.schedule, T: epochs };
  cfg.seed = seed;
  return cfg;
}

/** Device limits covering every configuration of `exp` on `data`. */
export function experimentLimits(exp: Experiment, data: DataSplit): LimitRequest {
  const out: Record<string, number> = {};
  for (const spec of exp.runs) {
    for (const [k, v] of Object.entries(limitsFor(configFor(spec, 1, 0, data.train.rows * data.train.cols), data))) out[k] = Math.max(out[k] ?? 0, v as number);
  }
  return out;
}

function summarise(m: EpochMetrics, seconds: number): EpochSummary {
  return { epoch: m.epoch + 1, lr: m.lr, loss: m.loss, test_loss: m.test_loss, test_mse: m.test_mse, test_noisy_mse: m.test_noisy_mse,
    mean_activity: m.mean_activity, population_sparsity: m.population_sparsity, dead_units: m.lifetime_sparsity.filter((f) => f === 0).length,
    jacobian_fro2: m.jacobian_fro2, seconds };
}

/** The evaluation's value for a model whose slabs are `slabs`: a fresh Trainer for the setting, one evaluation pass. */
async function evaluate(gpu: Gpu, cache: KernelCache, data: DataSplit, kernel: string, cfg: TrainConfig, e: Evaluation,
  slabs: { params: Float32Array; state: Float32Array }): Promise<number> {
  const t = await Trainer.create(gpu, { ...cfg, loss: e.loss ?? 'mse', corruption: e.corruption ?? { kind: 'none', level: 0 } }, data, kernel, cache);
  try {
    t.writeSlabs(slabs);
    const m = await t.finishEpoch();
    return e.corruption && e.corruption.kind !== 'none' ? m.test_noisy_loss! : m.test_loss;
  } finally {
    t.destroy();
  }
}

export async function runExperiment(gpu: Gpu, data: DataSplit, exp: Experiment, o: RunOptions = {}):
  Promise<{ result: ExperimentResult; pictures: RunPictures[] }> {
  const epochs = o.epochs ?? exp.epochs;
  const seed = o.seed ?? 0;
  const kernel = o.kernel ?? DEFAULT_VARIANT;
  const cache = new KernelCache(gpu);
  const first = o.first ?? 0;
  const specs = exp.runs.slice(first, first + (o.maxRuns ?? exp.runs.length));
  const result: ExperimentResult = {
    experiment: exp.name, title: exp.title, question: exp.question, epochs, seed, kernel, commit: o.commit ?? 'unknown',
    started: new Date().toISOString(), adapter: gpu.adapter,
    data: { name: data.name, sha256: data.sha256, train: data.train.count, test: data.test.count }, runs: [],
  };
  const pictures: RunPictures[] = [];
  for (const [i, spec] of specs.entries()) {
    const config = configFor(spec, epochs, seed, data.train.rows * data.train.cols);
    const run: RunResult = { label: spec.label, spec, config, epochs: [], evals: {}, error: null };
    let driver: Run | null = null;
    try {
      // The guard stops a sweep's run at its first divergence (no rollbacks: a sweep compares settings as given).
      driver = await Run.start({ gpu, hooks: { log: (line) => o.log?.(`${spec.label}: ${line}`) }, cfg: config, data, kernel, cache,
        options: { maxRollbacks: 0, jacobianMetric: 'last' } }); // the reports' ‖J‖²_F column, measured after the last epoch
      const trainer = driver.trainer;
      const t0 = performance.now();
      while (!driver.done) {
        const { metrics: m } = await driver.epoch();
        run.epochs.push(summarise(m, (performance.now() - t0) / 1000));
        o.onProgress?.({ run: i, runs: specs.length, label: spec.label, epoch: m.epoch + 1, epochs, done: null });
      }
      const { recon, features } = await trainerPictures(trainer, false, 64); // right after the last evaluation
      pictures.push({ label: spec.label, recon, features });
      if (exp.sharpness) run.extras = { sharpness: await testSharpness(trainer) };
      const slabs = await trainer.readSlabs();
      for (const ev of exp.evaluate ?? []) run.evals[ev.label] = await evaluate(gpu, cache, data, kernel, config, ev, slabs);
    } catch (err) {
      run.error = err instanceof Error ? err.message : String(err);
    } finally {
      driver?.release();
    }
    result.runs.push(run);
    o.onProgress?.({ run: i, runs: specs.length, label: spec.label, epoch: run.epochs.length, epochs, done: run });
  }
  return { result, pictures };
}
