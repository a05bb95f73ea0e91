// Elementwise activations in float64. The backward is written from the OUTPUT y, as the GPU keeps only
// outputs: relu' = [y>0], leaky' = y>0 ? 1 : α, tanh' = 1 − y², sigmoid' = y(1 − y), identity' = 1.

import type { ActivationKind } from '../model/config.ts';

/** LeakyReLU slope when a layer spec leaves `alpha` out: PyTorch's nn.LeakyReLU default. */
export const DEFAULT_LEAKY_ALPHA = 0.01;

export function activate(z: number, fn: ActivationKind, alpha: number): number {
  switch (fn) {
    case 'identity': return z;
    case 'relu': return z > 0 ? z : 0;
    case 'leaky_relu': return z > 0 ? z : alpha * z;
    case 'tanh': return Math.tanh(z);
    case 'sigmoid': return 1 / (1 + Math.exp(-z));
  }
}

/** dy/dz expressed from y = act(z). */
export function activationGradFromOutput(y: number, fn: ActivationKind, alpha: number): number {
  switch (fn) {
    case 'identity': return 1;
    case 'relu': return y > 0 ? 1 : 0;
    case 'leaky_relu': return y > 0 ? 1 : alpha;
    case 'tanh': return 1 - y * y;
    case 'sigmoid': return y * (1 - y);
  }
}

/** y = act(z), any shape. */
export function activationForward(z: Float64Array, fn: ActivationKind, alpha: number): Float64Array {
  const y = new Float64Array(z.length);
  for (let i = 0; i < z.length; i++) y[i] = activate(z[i], fn, alpha);
  return y;
}

/** dz = dy · act'(z), with act' read from the stored output y. */
export function activationBackward(
  dy: Float64Array, y: Float64Array, fn: ActivationKind, alpha: number,
): Float64Array {
  const dz = new Float64Array(dy.length);
  for (let i = 0; i < dy.length; i++) dz[i] = dy[i] * activationGradFromOutput(y[i], fn, alpha);
  return dz;
}
