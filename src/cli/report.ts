// Progress lines and the FLOP count of a training step (matmuls only: 2·in·out per product per sample).
import type { TrainConfig } from '../model/config.ts';
import type { Plan } from '../model/plan.ts';

/** One line: layer stack and objective, e.g. "784-256(leaky_relu)-bn-drop0.2-64(tanh) | mse + kl β=0.001 ρ=0.05". */
export function describeModel(cfg: TrainConfig): string {
  const half = (list: TrainConfig['model']['encoder']) => list.map((l, i) => (l.kind === 'linear' ? `${i > 0 ? '-' : ''}${l.units}`
    : l.kind === 'activation' ? `(${l.fn})` : l.kind === 'batchnorm' ? '·bn' : `·drop${l.p}`)).join('');
  const obj: string[] = [cfg.loss];
  if (cfg.sparsity.kind !== 'none') obj.push(`${cfg.sparsity.kind} ${cfg.sparsity.kind === 'kl' ? `β=${cfg.sparsity.weight} ρ=${cfg.sparsity.rho}` : `λ=${cfg.sparsity.weight}`}`);
  if (cfg.contractive > 0) obj.push(`contractive λ=${cfg.contractive}`);
  if (cfg.corruption.kind !== 'none') obj.push(`${cfg.corruption.kind} noise ${cfg.corruption.level}`);
  return `${cfg.model.inputDim}-${half(cfg.model.encoder)} → ${half(cfg.model.decoder)} | ${obj.join(' + ')}`;
}

/** FLOPs per sample of one training step: forward, weight gradient, and input gradient except for the first layer. */
export function stepFlops(plan: Plan): number {
  let flops = 0;
  plan.ops.forEach((op, i) => {
    if (op.kind !== 'dense') return;
    const product = 2 * op.in * op.out;
    flops += product * (i === 0 ? 2 : 3);
  });
  return flops;
}

/** Matmul FLOPs per training sample of the contractive penalty (rows per sample: Z, or P projections): Jacobian
 * rows through dense ops 1…c−1, then t·K and tᵀt at the first layer, and per step K = W₀W₀ᵀ and (tᵀt)·W₀. */
export function contractiveFlops(plan: Plan, cfg: TrainConfig): number {
  if (cfg.contractive <= 0) return 0;
  const c = plan.codeIndex;
  const rows = cfg.contractiveSamples > 0 ? cfg.contractiveSamples : plan.widths[c];
  const H = plan.widths[1];
  let flops = 2 * 2 * rows * H * H + (2 * 2 * H * H * plan.inputDim) / cfg.batch;
  plan.ops.slice(1, c).forEach((op) => { if (op.kind === 'dense') flops += 3 * 2 * rows * op.in * op.out; });
  return flops;
}

export interface EpochRow {
  epoch: number; lr: number; loss: number; recon: number; mse: number; sparsity: number; kl: number; contractive: number;
  test_loss: number; test_mse: number; test_noisy_mse: number | null; test_corrupted_mse: number | null; mean_activity: number; population_sparsity: number;
  jacobian_fro2: number | null; samples_per_s: number; gflops: number; seconds: number;
}

const f5 = (v: number) => v.toFixed(5);

/** A metrics-file row: the epoch numbered from 1, as the progress line prints it ("epoch 1/10" is `epoch: 1`). */
export const metricsRow = <R extends { epoch: number }>(row: R): R => ({ ...row, epoch: row.epoch + 1 });

/** "1 epoch", "3 epochs": counts in messages read as English. */
export const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

export function epochLine(r: EpochRow, epochs: number, terms: { loss: string; sparsity: string; contractive: boolean } = { loss: 'mse', sparsity: 'kl', contractive: false }): string {
  const w = String(epochs).length;
  const parts = [`${terms.loss === 'mse' ? 'mse' : `${terms.loss} ${f5(r.recon)} mse`} ${f5(r.mse)}`];
  if (terms.sparsity !== 'none') parts.push(`${terms.sparsity} ${r.sparsity.toFixed(terms.sparsity === 'kl' ? 3 : 5)}`);
  if (terms.contractive) parts.push(`jac ${r.contractive.toPrecision(4)}`);
  const test = [`test_mse ${f5(r.test_mse)}`];
  if (terms.loss !== 'mse') test.unshift(`test_${terms.loss} ${f5(r.test_loss)}`);
  if (r.test_noisy_mse !== null) test.push(`noisy→clean ${f5(r.test_noisy_mse)}${r.test_corrupted_mse !== null ? ` (input ${f5(r.test_corrupted_mse)})` : ''}`);
  if (r.jacobian_fro2 !== null) test.push(`‖J‖² ${r.jacobian_fro2.toPrecision(4)}`);
  return `epoch ${String(r.epoch + 1).padStart(w)}/${epochs}  lr ${r.lr.toExponential(3)}  loss ${f5(r.loss)} (${parts.join(' ')})` +
    `  ${test.join(' ')}  activity ${r.mean_activity.toFixed(3)} (active ${r.population_sparsity.toFixed(3)})` +
    `  ${Math.round(r.samples_per_s)} samples/s (${r.gflops.toFixed(1)} GFLOP/s)  ${r.seconds.toFixed(1)}s`;
}
