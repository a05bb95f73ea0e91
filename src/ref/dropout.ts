// Inverted dropout whose mask is a pure function of (seed, step, layer, element) via the counter RNG,
// so the GPU kernel and this reference drop exactly the same elements.

import { rngUniform } from '../model/rng.ts';

/**
 * Per-element multiplier: scale = fround(1/(1−p)) where rngUniform(seed, step, layer, b·F + f) ≥ fround(p),
 * else 0. p and the scale are rounded to f32 because the kernel receives them as f32.
 */
export function dropoutMask(
  seed: number, step: number, layer: number, B: number, F: number, p: number,
): Float64Array {
  const threshold = Math.fround(p);
  const scale = Math.fround(1 / (1 - p));
  const mask = new Float64Array(B * F); // (B, F)
  for (let e = 0; e < B * F; e++) mask[e] = rngUniform(seed, step, layer, e) >= threshold ? scale : 0;
  return mask;
}

/** y = x · mask (training). Evaluation is the identity and never calls this. */
export function dropoutForward(x: Float64Array, mask: Float64Array): Float64Array {
  const y = new Float64Array(x.length); // (B, F)
  for (let e = 0; e < x.length; e++) y[e] = mask[e] === 0 ? 0 : x[e] * mask[e];
  return y;
}

/** dx = dy · mask: the same mask and scale as the forward. */
export function dropoutBackward(dy: Float64Array, mask: Float64Array): Float64Array {
  const dx = new Float64Array(dy.length); // (B, F)
  for (let e = 0; e < dy.length; e++) dx[e] = mask[e] === 0 ? 0 : dy[e] * mask[e];
  return dx;
}
