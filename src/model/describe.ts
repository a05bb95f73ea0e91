// Counting a model for people and for throughput: its one-line description (layer stack and objective) and the
// matmul FLOPs of a training step (2·in·out per product per sample), shared by the CLI, the page and the bench.
import type { TrainConfig } from './config.ts';
import type { Plan } from './plan.ts';

/** One line: layer stack and objective, e.g. "784-256(leaky_relu)-bn-drop0.2-64(tanh) | mse + kl β=0.001 ρ=0.05". */
export function describeModel(cfg: TrainConfig): string {
  if (cfg.sae) return describeSae(cfg);
  const half = (list: TrainConfig['model']['encoder']) => list.map((l, i) => (l.kind === 'linear' ? `${i > 0 ? '-' : ''}${l.units}`
    : l.kind === 'activation' ? `(${l.fn})` : l.kind === 'batchnorm' ? '·bn' : `·drop${l.p}`)).join('');
  const obj: string[] = [cfg.loss];
  if (cfg.sparsity.kind !== 'none') obj.push(`${cfg.sparsity.kind} ${cfg.sparsity.kind === 'kl' ? `β=${cfg.sparsity.weight} ρ=${cfg.sparsity.rho}` : `λ=${cfg.sparsity.weight}`}`);
  if (cfg.contractive > 0) obj.push(`contractive λ=${cfg.contractive}`);
  if (cfg.corruption.kind !== 'none') obj.push(`${cfg.corruption.kind} noise ${cfg.corruption.level}`);
  return `${cfg.model.inputDim}-${half(cfg.model.encoder)} → ${half(cfg.model.decoder)} | ${obj.join(' + ')}`;
}

/** "topk SAE 784→1024→784 | mse, k=32, auxk 256×0.03125, dead after 20000 samples" (the kind's own terms). */
function describeSae(cfg: TrainConfig): string {
  const s = cfg.sae!;
  const terms = { topk: [`k=${s.k}`, `auxk ${s.kAux}×${s.auxWeight}`], batchtopk: [`k=${s.k} (batch mean)`, `auxk ${s.kAux}×${s.auxWeight}`],
    jumprelu: [`L0 ${s.l0Weight}`, `bandwidth ${s.bandwidth}`, `θ0 ${s.thresholdInit}`], l1: [`L1·‖W_dec‖ λ=${s.l1Weight}`] }[s.kind];
  const d = cfg.model.inputDim;
  return `${s.kind} SAE ${d}→${s.dSae}→${d} | mse, ${terms.join(', ')}, dead after ${s.deadAfter} samples, b_dec ${s.bDecInit}` +
    (s.normalize ? ', normalised' : '');
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

/** Matmul FLOPs per training sample, the contractive penalty's included: what GFLOP/s figures count. */
export const flopsPerSample = (plan: Plan, cfg: TrainConfig): number => stepFlops(plan) + contractiveFlops(plan, cfg);

/** "1 epoch", "3 epochs": counts in messages read as English. */
export const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;
