// The metrics of a run, in one place: the layout of the GPU metric records that reduce.wgsl writes (named offsets),
// their parsing into StepRecord and EpochMetrics, the per-epoch row a run keeps in its history, and the epoch line
// that the CLI prints and the page logs.
import type { TrainConfig } from '../model/config.ts';

/** The metrics buffer (reduce.wgsl): three blocks of sums, then one record per training step of the epoch. */
export const METRIC_RECORDS = 48; // floats before the per-step records
export const RECORD_SIZE = 8; // floats per step record
export const TRAIN_SUMS = 0; // block of sums over the epoch's training batches
export const EVAL_SUMS = 16; // … over the test split, clean inputs
export const EVAL_NOISY_SUMS = 32; // … over the test split, corrupted inputs (denoising)

/** Within a block of sums: each term summed × the batch's rows (so / COUNT gives the mean per sample). */
export const SUM = { loss: 0, recon: 1, sparsity: 2, activity: 3, count: 4, mse: 5, contractive: 6, active: 7, nonfinite: 8 } as const;
/** Within a step record. */
export const REC = { loss: 0, recon: 1, mse: 2, sparsity: 3, contractive: 4, lr: 5 } as const;

export interface StepRecord { loss: number; recon: number; mse: number; sparsity: number; contractive: number; lr: number }

/** A sparse autoencoder's held-out metrics (docs/sae.md); null for the MLP autoencoders. */
export interface SaeEpoch {
  l0: number; // mean active latents per sample
  fvu: number; // fraction of variance unexplained
  explained_variance: number; // 1 − FVU
  dead_fraction: number; // latents that did not fire in the last dead-after training samples
  mmcs: number | null; // mean max cosine of the true features with the decoder rows (planted data)
  aux: number; // mean weighted AuxK term of the epoch's steps (TopK kinds)
  penalty: number; // mean weighted sparsity penalty of the epoch's steps (JumpReLU's L0, L1's λ·Σ z‖W_dec‖)
  /** Latents by log10 firing density on the held-out split: counts[i] in [edges[i], edges[i + 1]), neverFired at 0;
   * null where the engine does not measure it. */
  firing_density: { edges: number[]; counts: number[]; neverFired: number } | null;
}

export interface EpochMetrics {
  epoch: number; lr: number;
  loss: number; recon: number; mse: number; sparsity: number; kl: number; contractive: number; mean_activity_train: number;
  test_loss: number; test_mse: number; test_noisy_loss: number | null; test_noisy_mse: number | null;
  test_corrupted_mse: number | null; // denoising baseline: MSE of the corrupted test inputs themselves against the clean
  mean_activity: number; population_sparsity: number; lifetime_sparsity: number[]; jacobian_fro2: number | null;
  samples: number; steps: StepRecord[];
  nonfinite_steps: number; // training steps whose loss terms were NaN/Inf, counted on the GPU by bit tests
  sae: SaeEpoch | null;
}

/** One finished epoch as a run's history keeps it (and the metrics file and checkpoints carry it). */
export type EpochRow = Omit<EpochMetrics, 'steps' | 'samples'> & {
  samples_per_s: number | null; gflops: number | null; seconds: number | null; // wall clock: null once read from a checkpoint
  lr_scale: number;
  steps: StepRecord[]; // this epoch's step records (curves); left out of the metrics file
};

/** Step record `i` of a Float32Array that starts at the first record. */
export function stepRecordAt(f: Float32Array, i: number): StepRecord {
  const at = RECORD_SIZE * i;
  return { loss: f[at + REC.loss], recon: f[at + REC.recon], mse: f[at + REC.mse], sparsity: f[at + REC.sparsity],
    contractive: f[at + REC.contractive], lr: f[at + REC.lr] };
}

export interface ParseOptions { epoch: number; lr: number; steps: number; cfg: TrainConfig; noisy: boolean; jacobian: boolean; corruptedMse: number | null }

/** The epoch's metrics from a copy of the metrics buffer and the per-unit active counts of the test split. */
export function parseMetrics(m: Float32Array, units: Float32Array, o: ParseOptions): EpochMetrics {
  const mean = (base: number, field: number) => m[base + field] / m[base + SUM.count];
  const t = (field: number) => mean(TRAIN_SUMS, field);
  const e = (field: number) => mean(EVAL_SUMS, field);
  const en = (field: number) => mean(EVAL_NOISY_SUMS, field);
  const records = m.subarray(METRIC_RECORDS);
  const tested = m[EVAL_SUMS + SUM.count];
  return {
    epoch: o.epoch, lr: o.lr, loss: t(SUM.loss), recon: t(SUM.recon), mse: t(SUM.mse), sparsity: t(SUM.sparsity),
    kl: o.cfg.sparsity.kind === 'kl' ? t(SUM.sparsity) : 0, contractive: t(SUM.contractive), mean_activity_train: t(SUM.activity),
    test_loss: e(SUM.recon), test_mse: e(SUM.mse), test_noisy_loss: o.noisy ? en(SUM.recon) : null, test_noisy_mse: o.noisy ? en(SUM.mse) : null,
    test_corrupted_mse: o.corruptedMse, mean_activity: e(SUM.activity), population_sparsity: m[EVAL_SUMS + SUM.active] / (tested * units.length),
    lifetime_sparsity: Array.from(units, (c) => c / tested), jacobian_fro2: o.jacobian ? e(SUM.contractive) : null,
    samples: m[TRAIN_SUMS + SUM.count], steps: Array.from({ length: o.steps }, (_, s) => stepRecordAt(records, s)),
    nonfinite_steps: m[TRAIN_SUMS + SUM.nonfinite], sae: null,
  };
}

/** The history row of an epoch: its metrics plus throughput, wall time and the divergence guard's lr factor. */
export function epochRow(m: EpochMetrics, o: { samplesPerSec: number; flopsPerSample: number; seconds: number; lrScale: number }): EpochRow {
  const { samples: _samples, ...fields } = m;
  return { ...fields, samples_per_s: o.samplesPerSec, gflops: (o.samplesPerSec * o.flopsPerSample) / 1e9, seconds: o.seconds, lr_scale: o.lrScale };
}

/** A metrics-file row: the epoch numbered from 1, as the epoch line prints it ("epoch 1/10" is `epoch: 1`). */
export const metricsRow = <R extends { epoch: number }>(row: R): R => ({ ...row, epoch: row.epoch + 1 });

const f5 = (v: number) => v.toFixed(5);

/** The weighted terms of the training loss, as they add up to the total: recon + weight·penalty + λ·‖J‖². */
export function lossTerms(r: Pick<EpochRow, 'recon' | 'mse' | 'sparsity' | 'contractive'>, cfg: TrainConfig): string {
  const parts = [`${cfg.loss} ${f5(r.recon)}`];
  const sp = cfg.sparsity;
  if (sp.kind !== 'none' && sp.weight > 0) parts.push(`+ ${sp.kind} ${(sp.weight * r.sparsity).toPrecision(4)}`);
  if (cfg.contractive > 0) parts.push(`+ jac ${(cfg.contractive * r.contractive).toPrecision(4)}`);
  return parts.join(' ');
}

const speed = (r: EpochRow) =>
  (r.samples_per_s === null ? '' : `  ${Math.round(r.samples_per_s)} samples/s (${(r.gflops ?? 0).toFixed(1)} GFLOP/s)  ${(r.seconds ?? 0).toFixed(1)}s`);

/** A sparse autoencoder's epoch: the training terms, then the held-out L0, FVU, explained variance, MSE, dead, MMCS. */
function saeLine(r: EpochRow, s: SaeEpoch): string {
  const aux = (s.aux > 0 ? ` + auxk ${s.aux.toPrecision(4)}` : '') + (s.penalty > 0 ? ` + penalty ${s.penalty.toPrecision(4)}` : '');
  return `lr ${r.lr.toExponential(3)}  loss ${f5(r.loss)} = mse ${f5(r.recon)}${aux}  test: L0 ${s.l0.toFixed(2)} FVU ${s.fvu.toFixed(4)} ` +
    `explained ${s.explained_variance.toFixed(4)} mse ${r.test_mse.toPrecision(5)} dead ${s.dead_fraction.toFixed(3)}` +
    (s.mmcs === null ? '' : ` MMCS ${s.mmcs.toFixed(3)}`) + speed(r);
}

/** One line per epoch: learning rate, the training loss and its weighted terms, the test split, activity, speed. */
export function epochLine(r: EpochRow, cfg: TrainConfig): string {
  const epochs = cfg.epochs;
  const w = String(epochs).length;
  if (r.sae) return `epoch ${String(r.epoch + 1).padStart(w)}/${epochs}  ${saeLine(r, r.sae)}`;
  const test = [`test_mse ${f5(r.test_mse)}`];
  if (cfg.loss !== 'mse') test.unshift(`test_${cfg.loss} ${f5(r.test_loss)}`);
  if (r.test_noisy_mse !== null) test.push(`noisy→clean ${f5(r.test_noisy_mse)}${r.test_corrupted_mse !== null ? ` (input ${f5(r.test_corrupted_mse)})` : ''}`);
  if (r.jacobian_fro2 !== null) test.push(`‖J‖² ${r.jacobian_fro2.toPrecision(4)}`);
  const mse = cfg.loss === 'mse' ? '' : ` mse ${f5(r.mse)}`;
  return `epoch ${String(r.epoch + 1).padStart(w)}/${epochs}  lr ${r.lr.toExponential(3)}  loss ${f5(r.loss)} = ${lossTerms(r, cfg)}${mse}` +
    `  ${test.join(' ')}  activity ${r.mean_activity.toFixed(3)} (active ${r.population_sparsity.toFixed(3)})` + speed(r);
}
