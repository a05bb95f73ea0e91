// Seed 001's exercises (and the preset table of issue 3) as plain data, shared by `npm run experiment` and the page:
// which models to train, which extra evaluations to run on each, which columns the table shows and which plots to draw.
import type { CorruptionConfig, LossKind, SparsityConfig } from '../model/config.ts';
import type { PresetName } from '../model/presets.ts';

/** One configuration of a sweep: a preset plus the fields the sweep changes. */
export interface RunSpec {
  label: string;
  preset: PresetName;
  x?: number; // the swept value, for plots over it
  latent?: number;
  loss?: LossKind;
  sparsity?: Partial<SparsityConfig>;
  contractive?: number;
  contractiveSamples?: number; // 0: the exact ‖J‖²_F penalty; P: its unbiased estimate from P random projections
  corruption?: CorruptionConfig;
}

/** An extra evaluation of a trained model on the test split: its weights in a Trainer with another loss (the
 * clean test error in that loss) or another corruption (the noisy→clean MSE under it). */
export interface Evaluation { label: string; loss?: LossKind; corruption?: CorruptionConfig }

/** A value of a finished run: a final-epoch metric, an extra evaluation (`eval:LABEL`, its noisy→clean MSE) or x. */
export type Column = 'x' | 'loss' | 'test_loss' | 'test_mse' | 'test_noisy_mse' | 'mean_activity' | 'population_sparsity' |
  'dead_units' | 'jacobian_fro2' | `eval:${string}` | Extra;

/** Figures measured after training outside the epoch metrics: the reconstructions' sharpness ratio
 * (src/experiments/sharpness.ts) and the test MSE of the PCA baseline with the run's code size (pca-baseline.ts). */
export type Extra = 'sharpness' | 'pca_mse';

export type PlotSpec =
  // one line per y column over the runs (byPreset: one per y column and preset)
  | { kind: 'xy'; title: string; x: Column; y: Column[]; logX?: boolean; logY?: boolean; points?: boolean; byPreset?: boolean }
  | { kind: 'curves'; title: string; y: 'loss' | 'test_mse' | 'population_sparsity' | 'mean_activity'; logY?: boolean } // per-epoch, one line per run
  | { kind: 'heatmap'; title: string; columns: Column[] }; // runs × columns

export interface Experiment {
  name: string;
  title: string;
  question: string; // the exercise's question, for the report
  epochs: number; // default; --epochs overrides
  xTitle?: string; // what RunSpec.x is, for the table and plots
  runs: RunSpec[];
  evaluate?: Evaluation[]; // every trained model is also evaluated under these settings
  columns: Column[];
  plots: PlotSpec[];
  pictures?: 'recon' | 'features'; // one grid per run
  sharpness?: boolean; // measure every run's sharpness ratio on the test split
  pca?: 'column' | 'row'; // the PCA baseline with each run's code size as a column, or one row with the first run's
}

export const COLUMN_TITLES: Record<string, string> = {
  x: 'value', loss: 'train loss', test_loss: 'test loss', test_mse: 'test MSE', test_noisy_mse: 'noisy→clean MSE',
  mean_activity: 'mean activity', population_sparsity: 'active fraction', dead_units: 'dead units', jacobian_fro2: '‖J‖²_F',
  sharpness: 'sharpness', pca_mse: 'PCA test MSE',
};
export const columnTitle = (c: Column, xTitle = 'value'): string => (c === 'x' ? xTitle : c.startsWith('eval:') ? c.slice(5) : COLUMN_TITLES[c]);

const gaussian = (level: number): CorruptionConfig => ({ kind: 'gaussian', level });
const NOISE_LEVELS = [0.1, 0.2, 0.3, 0.4, 0.5];
const NOISE_TYPES = [ // seed 001's defaults for salt-and-pepper and masking
  { label: 'gaussian 0.3', corruption: gaussian(0.3) },
  { label: 'salt_pepper 0.2', corruption: { kind: 'salt_pepper', level: 0.2 } },
  { label: 'masking 0.3', corruption: { kind: 'masking', level: 0.3 } },
] satisfies Evaluation[];
const onNoise = (e: { label: string; corruption: CorruptionConfig }): Evaluation => ({ label: `on ${e.label}`, corruption: e.corruption });
/** Random projections of the contractive penalty's estimate in the λ sweep. */
const CAE_PROBES = 4;
/** L1 weights around the KL model's active fraction (the seed's λ = 0.01 first). */
export const L1_LADDER = [0.01, 0.03, 0.05, 0.07, 0.1];
const SPARSITY_COLUMNS: Column[] = ['x', 'test_mse', 'mean_activity', 'population_sparsity', 'dead_units'];

export const EXPERIMENTS: Experiment[] = [
  {
    name: 'losses', title: 'Reconstruction loss: MSE vs BCE vs MAE', epochs: 10,
    question: 'Exercise 1: which loss gives the lowest error in each metric, and the sharpest reconstructions?',
    runs: (['mse', 'bce', 'mae'] as const).map((loss) => ({ label: loss, preset: 'ae', loss })),
    evaluate: (['mse', 'bce', 'mae'] as const).map((loss) => ({ label: `test ${loss.toUpperCase()}`, loss })),
    columns: ['eval:test MSE', 'eval:test BCE', 'eval:test MAE', 'sharpness'],
    plots: [{ kind: 'curves', title: 'test MSE per epoch', y: 'test_mse', logY: true }],
    pictures: 'recon', sharpness: true, pca: 'row',
  },
  {
    name: 'latent', title: 'Latent dimension 2…256', epochs: 15, xTitle: 'Z',
    question: 'How does the test error fall with the code size?',
    runs: [2, 4, 8, 16, 32, 64, 128, 256].map((z) => ({ label: `Z=${z}`, preset: 'ae', latent: z, x: z })),
    columns: ['x', 'loss', 'test_mse', 'pca_mse'],
    plots: [{ kind: 'xy', title: 'test MSE vs latent dimension', x: 'x', y: ['test_mse', 'pca_mse'], logX: true, logY: true, points: true }],
    pca: 'column',
  },
  {
    name: 'l1-weight', title: 'L1 sparsity weight λ', epochs: 10, xTitle: 'λ',
    question: 'Exercise 2: how does λ trade reconstruction error against sparsity?',
    runs: [1e-4, 1e-3, 1e-2, 1e-1, 1].map((w) => ({ label: `λ=${w}`, preset: 'sae-l1', sparsity: { kind: 'l1', weight: w }, x: w })),
    columns: SPARSITY_COLUMNS,
    plots: [{ kind: 'xy', title: 'test MSE vs active fraction (L1, λ per point)', x: 'population_sparsity', y: ['test_mse'], points: true }],
    pictures: 'features',
  },
  {
    name: 'kl-weight', title: 'KL sparsity weight β (ρ = 0.05)', epochs: 10, xTitle: 'β',
    question: 'Exercise 2: how does β trade reconstruction error against sparsity?',
    runs: [1e-3, 1e-2, 1e-1, 1, 10].map((w) => ({ label: `β=${w}`, preset: 'sae-kl', sparsity: { kind: 'kl', weight: w, rho: 0.05 }, x: w })),
    columns: SPARSITY_COLUMNS,
    plots: [{ kind: 'xy', title: 'test MSE vs active fraction (KL, β per point)', x: 'population_sparsity', y: ['test_mse'], points: true }],
    pictures: 'features',
  },
  {
    name: 'l1-vs-kl', title: 'L1 vs KL at matched sparsity (KL β = 0.1, ρ = 0.05; L1 λ = 0.01…0.1)', epochs: 10, xTitle: 'λ',
    question: 'Exercise 3: training dynamics, final sparsity and features of the two penalties at similar sparsity. ' +
      'The seed pairs L1 λ = 0.01 with KL β = 0.1; a ladder of λ brackets the KL model\'s active fraction, so the two can ' +
      'also be compared where their codes are equally sparse.',
    runs: [
      ...L1_LADDER.map((w): RunSpec => ({ label: `L1 λ=${w}`, preset: 'sae-l1', sparsity: { kind: 'l1', weight: w }, x: w })),
      { label: 'KL β=0.1', preset: 'sae-kl', sparsity: { kind: 'kl', weight: 0.1, rho: 0.05 } },
    ],
    columns: ['x', 'loss', 'test_mse', 'mean_activity', 'population_sparsity', 'dead_units'],
    plots: [
      { kind: 'xy', title: 'test MSE vs active fraction', x: 'population_sparsity', y: ['test_mse'], points: true, byPreset: true },
      { kind: 'curves', title: 'test MSE per epoch', y: 'test_mse', logY: true },
      { kind: 'curves', title: 'active fraction per epoch', y: 'population_sparsity' },
    ],
    pictures: 'features',
  },
  {
    name: 'contractive', title: 'Contractive penalty λ', epochs: 10, xTitle: 'λ',
    question: 'Exercise 4: reconstruction error vs encoder sensitivity ‖J‖²_F; where is the best trade-off? The penalty is trained ' +
      `with its unbiased estimate from ${CAE_PROBES} random projections per sample (the exact one, 64 Jacobian rows per sample, had ` +
      'not finished one 60k-image epoch after 5¾ minutes on llvmpipe on the shared 2-core machine); ‖J‖²_F in the table is exact, on the ' +
      'whole test split.',
    runs: [0.001, 0.01, 0.1, 1].map((l) => ({ label: `λ=${l}`, preset: 'cae', contractive: l, contractiveSamples: CAE_PROBES, x: l })),
    columns: ['x', 'test_mse', 'jacobian_fro2'],
    plots: [{ kind: 'xy', title: 'test MSE vs ‖J‖²_F (λ per point)', x: 'jacobian_fro2', y: ['test_mse'], points: true }],
  },
  {
    name: 'noise-level', title: 'Gaussian noise level 0.1…0.5', epochs: 10, xTitle: 'training σ',
    question: 'Exercise 5: is there a best training noise level, and does a model trained on high noise denoise low noise?',
    runs: [{ label: 'σ=0 (plain ae)', preset: 'ae', x: 0 }, ...NOISE_LEVELS.map((l) => ({ label: `σ=${l}`, preset: 'dae' as const, corruption: gaussian(l), x: l }))],
    evaluate: NOISE_LEVELS.map((l) => onNoise({ label: `σ=${l}`, corruption: gaussian(l) })),
    columns: ['x', 'test_mse', ...NOISE_LEVELS.map((l): Column => `eval:on σ=${l}`)],
    plots: [
      { kind: 'xy', title: 'clean and noisy→clean MSE vs training σ', x: 'x', y: ['test_mse', 'eval:on σ=0.1', 'eval:on σ=0.3', 'eval:on σ=0.5'], points: true },
      { kind: 'heatmap', title: 'MSE: trained on σ (rows) × tested on σ (columns)', columns: NOISE_LEVELS.map((l): Column => `eval:on σ=${l}`) },
    ],
  },
  {
    name: 'noise-robustness', title: 'Noise type robustness', epochs: 10,
    question: 'Exercise 6: does training on one corruption generalise to the others?',
    runs: NOISE_TYPES.map(({ label, corruption }) => ({ label: `trained on ${label}`, preset: 'dae', corruption })),
    evaluate: NOISE_TYPES.map(onNoise),
    columns: ['test_mse', ...NOISE_TYPES.map((t): Column => `eval:on ${t.label}`)],
    plots: [{ kind: 'heatmap', title: 'noisy→clean MSE: trained on (rows) × tested on (columns)', columns: NOISE_TYPES.map((t): Column => `eval:on ${t.label}`) }],
    pictures: 'recon',
  },
  {
    name: 'presets', title: 'Every preset', epochs: 10,
    question: 'Issue 3: each preset of src/model/presets.ts with its own objective.',
    runs: (['seed', 'ae', 'sae-l1', 'sae-kl', 'cae', 'dae'] as const).map((p) => ({ label: p, preset: p })),
    columns: ['test_loss', 'test_mse', 'test_noisy_mse', 'mean_activity', 'jacobian_fro2'],
    plots: [{ kind: 'curves', title: 'test MSE per epoch', y: 'test_mse', logY: true }],
    pictures: 'features',
  },
];

export const EXPERIMENT_NAMES = EXPERIMENTS.map((e) => e.name);

export function experiment(name: string): Experiment {
  const e = EXPERIMENTS.find((x) => x.name === name);
  if (!e) throw new Error(`no experiment ${JSON.stringify(name)}: one of ${EXPERIMENT_NAMES.join(', ')}`);
  return e;
}
