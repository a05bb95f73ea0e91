// Fully connected layer with a fused activation: y = act(x Wᵀ + b), W in PyTorch layout (out, in).
// The backward takes the gradient wrt the pre-activation; activationBackward turns dy into it.

import type { ActivationKind } from '../model/config.ts';
import { activate } from './activation.ts';

export function denseForward(
  x: Float64Array, // (B, in)
  W: Float64Array, // (out, in)
  b: Float64Array, // (out)
  B: number, nIn: number, nOut: number, act: ActivationKind, alpha: number,
): Float64Array {
  const y = new Float64Array(B * nOut); // (B, out)
  for (let r = 0; r < B; r++) {
    for (let o = 0; o < nOut; o++) {
      let z = b[o];
      for (let i = 0; i < nIn; i++) z += x[r * nIn + i] * W[o * nIn + i];
      y[r * nOut + o] = activate(z, act, alpha);
    }
  }
  return y;
}

export interface DenseGrads {
  dx: Float64Array; // (B, in)
  dW: Float64Array; // (out, in)
  db: Float64Array; // (out)
}

/** dz is dLoss/d(x Wᵀ + b): dx = dz W, dW = dzᵀ x, db = Σ_b dz. */
export function denseBackward(
  dz: Float64Array, // (B, out)
  x: Float64Array, // (B, in)
  W: Float64Array, // (out, in)
  B: number, nIn: number, nOut: number,
): DenseGrads {
  const dx = new Float64Array(B * nIn);
  const dW = new Float64Array(nOut * nIn);
  const db = new Float64Array(nOut);
  for (let r = 0; r < B; r++) {
    for (let o = 0; o < nOut; o++) {
      const g = dz[r * nOut + o];
      db[o] += g;
      for (let i = 0; i < nIn; i++) {
        dx[r * nIn + i] += g * W[o * nIn + i];
        dW[o * nIn + i] += g * x[r * nIn + i];
      }
    }
  }
  return { dx, dW, db };
}
