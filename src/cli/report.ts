// Progress lines and the FLOP count of a training step (matmuls only: 2·in·out per product per sample).
import type { Plan } from '../model/plan.ts';

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

export interface EpochRow { epoch: number; lr: number; loss: number; mse: number; kl: number; test_mse: number; mean_activity: number; samples_per_s: number; gflops: number; seconds: number }

export function epochLine(r: EpochRow, epochs: number): string {
  const w = String(epochs).length;
  return `epoch ${String(r.epoch + 1).padStart(w)}/${epochs}  lr ${r.lr.toExponential(3)}  loss ${r.loss.toFixed(5)} (mse ${r.mse.toFixed(5)} kl ${r.kl.toFixed(3)})` +
    `  test_mse ${r.test_mse.toFixed(5)}  activity ${r.mean_activity.toFixed(3)}  ${Math.round(r.samples_per_s)} samples/s (${r.gflops.toFixed(1)} GFLOP/s)  ${r.seconds.toFixed(1)}s`;
}
