// Runs an experiment's configurations on one device, sharing one KernelCache so pipelines are compiled once: those of
// one shape train together as one model batch (src/train/batch.ts), the rest one after another; then evaluates every
// trained model under the experiment's extra settings by loading its weights into a Trainer built for that setting.
// Environment-agnostic: the CLI and the page both call runExperiment.
import type { DataSplit } from '../data/dataset.ts';
import type { AdapterDescription, Gpu, LimitRequest } from '../gpu/device.ts';
import { KernelCache } from '../gpu/kernels.ts';
import type { TrainConfig } from '../model/config.ts';
import { preset } from '../model/presets.ts';
import { DEFAULT_VARIANT } from '../train/kernels.ts';
import { Trainer, limitsFor, type EpochMetrics } from '../train/trainer.ts';
import { Run } from '../train/run.ts';
import { groupForBatches } from '../train/batch.ts';
import { modelsPerBatch } from '../train/dispatch-plan.ts';
import { restoreState, type TrainState } from '../train/state.ts';
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
  batched?: boolean; // train the runs of one shape as one model batch (default); false: one by one
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

/** Device limits covering every configuration of `exp` on `data`, trained in its largest batch. */
export function experimentLimits(exp: Experiment, data: DataSplit): LimitRequest {
  const out: Record<string, number> = {};
  const configs = exp.runs.map((spec) => configFor(spec, 1, 0, data.train.rows * data.train.cols));
  for (const group of [...groupForBatches(configs, (c) => c).groups, ...configs.map((c) => [c])]) {
    for (const [k, v] of Object.entries(limitsFor(group[0], data, group.length))) out[k] = Math.max(out[k] ?? 0, v as number);
  }
  return out;
}

function summarise(m: EpochMetrics, seconds: number): EpochSummary {
  return { epoch: m.epoch + 1, lr: m.lr, loss: m.loss, test_loss: m.test_loss, test_mse: m.test_mse, test_noisy_mse: m.test_noisy_mse,
    mean_activity: m.mean_activity, population_sparsity: m.population_sparsity, dead_units: m.lifetime_sparsity.filter((f) => f === 0).length,
    jacobian_fro2: m.jacobian_fro2, seconds };
}

/** A batched model's last evaluation again, alone, from its state: the pictures and the ‖J‖²_F that a batch does not
 * make (the Jacobian pass takes one model at a time); the same kernels and position give the one-by-one run's bits. */
async function evaluateAlone(gpu: Gpu, cache: KernelCache, data: DataSplit, cfg: TrainConfig, s: TrainState, sharpness: boolean):
  Promise<{ jacobian: number | null; pictures: { recon: GrayImage; features: GrayImage }; sharpness: number | null }> {
  const t = await Trainer.create(gpu, cfg, data, s.kernels, cache, { jacobianMetric: 'last' });
  try {
    restoreState(t, s);
    const m = await t.evaluate({ jacobian: true });
    const pictures = await trainerPictures(t, false, 64);
    return { jacobian: m.jacobian_fro2, pictures, sharpness: sharpness ? await testSharpness(t) : null };
  } finally {
    t.destroy();
  }
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
  const configs = specs.map((spec) => configFor(spec, epochs, seed, data.train.rows * data.train.cols));
  const runs: RunResult[] = specs.map((spec, i) => ({ label: spec.label, spec, config: configs[i], epochs: [], evals: {}, error: null }));
  const pictures: (RunPictures | null)[] = specs.map(() => null);
  const indices = specs.map((_, i) => i);
  const { groups, alone } = o.batched === false ? { groups: [], alone: indices } : groupForBatches(indices, (i) => configs[i], modelsPerBatch(gpu));
  if (groups.length > 0) o.log?.(`batched: ${groups.map((g) => `${g.length} runs`).join(' + ')} train as ${groups.length === 1 ? 'one model batch' : `${groups.length} model batches`}`);
  const contractive = alone.filter((i) => configs[i].contractive > 0).length;
  if (o.batched !== false && contractive > 0) o.log?.(`${contractive} contractive run${contractive === 1 ? ' trains' : 's train'} one by one (the Jacobian pass is not batched)`);

  /** Train the runs `group` (one, or a batch of one shape) and finish each: pictures, ‖J‖²_F, extra evaluations. */
  const train = async (group: number[]): Promise<void> => {
    const batched = group.length > 1;
    const names = group.map((i) => specs[i].label).join(', ');
    let driver: Run | null = null;
    try {
      // The guard stops a sweep's run at its first divergence (no rollbacks: a sweep compares settings as given).
      driver = await Run.start({ gpu, hooks: { log: (line) => o.log?.(`${names}: ${line}`) }, cfg: configs[group[0]], data, kernel, cache,
        models: batched ? group.map((i) => configs[i]) : undefined,
        options: { maxRollbacks: 0, jacobianMetric: 'last' } }); // the reports' ‖J‖²_F column, measured after the last epoch
      const t0 = performance.now();
      while (!driver.done) {
        const r = await driver.epoch();
        r.models.forEach((mr, j) => {
          if (!mr) return;
          runs[group[j]].epochs.push(summarise(mr.metrics, (performance.now() - t0) / 1000));
          o.onProgress?.({ run: group[j], runs: specs.length, label: specs[group[j]].label, epoch: mr.metrics.epoch + 1, epochs, done: null });
        });
      }
      const trainer = driver.trainer;
      for (const [j, i] of group.entries()) {
        const failure = driver.failures[j];
        if (failure) { runs[i].error = failure.message; continue; }
        if (batched) {
          const alone = await evaluateAlone(gpu, cache, data, configs[i], driver.goods[j], exp.sharpness === true);
          runs[i].epochs[runs[i].epochs.length - 1].jacobian_fro2 = alone.jacobian;
          pictures[i] = { label: specs[i].label, ...alone.pictures };
          if (alone.sharpness !== null) runs[i].extras = { sharpness: alone.sharpness };
        } else {
          pictures[i] = { label: specs[i].label, ...(await trainerPictures(trainer, false, 64)) }; // right after the last evaluation
          if (exp.sharpness) runs[i].extras = { sharpness: await testSharpness(trainer) };
        }
        const slabs = batched ? driver.goods[j] : await trainer.readSlabs();
        for (const ev of exp.evaluate ?? []) runs[i].evals[ev.label] = await evaluate(gpu, cache, data, kernel, configs[i], ev, slabs);
      }
    } catch (err) {
      for (const [j, i] of group.entries()) {
        if (runs[i].error === null) runs[i].error = driver?.failures[j]?.message ?? (err instanceof Error ? err.message : String(err));
      }
    } finally {
      driver?.release();
    }
    for (const i of group) o.onProgress?.({ run: i, runs: specs.length, label: specs[i].label, epoch: runs[i].epochs.length, epochs, done: runs[i] });
  };
  for (const group of [...groups, ...alone.map((i) => [i])]) await train(group);
  result.runs.push(...runs);
  return { result, pictures: pictures.filter((p): p is RunPictures => p !== null) };
}
