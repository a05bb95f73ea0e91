// Denoising corruptions, drawn from the same counter RNG streams as shaders/corrupt.wgsl so the GPU's noisy
// batch can be reproduced: gaussian σ (clipped), salt-and-pepper p, masking p, one random square block per image.
import type { CorruptionKind } from '../model/config.ts';
import { rngUniform } from '../model/rng.ts';

export const CORRUPT_LAYER = 0xc0ffee;

export function corruptBatch(
  x: Float64Array, // (B, D) clean
  B: number, D: number, kind: CorruptionKind, level: number, seed: number, step: number, width: number, height: number,
): Float64Array {
  const y = x.slice(); // (B, D)
  if (kind === 'none') return y;
  const side = Math.min(Math.floor(level), width, height);
  for (let r = 0; r < B; r++) {
    const top = Math.min(Math.floor(rngUniform(seed, step, CORRUPT_LAYER + 3, 2 * r) * (height - side + 1)), height - side);
    const left = Math.min(Math.floor(rngUniform(seed, step, CORRUPT_LAYER + 3, 2 * r + 1) * (width - side + 1)), width - side);
    for (let c = 0; c < D; c++) {
      const e = r * D + c;
      const v = x[e];
      if (kind === 'gaussian') {
        const u1 = rngUniform(seed, step, CORRUPT_LAYER + 1, 2 * e);
        const u2 = rngUniform(seed, step, CORRUPT_LAYER + 1, 2 * e + 1);
        const n = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
        y[e] = Math.min(1, Math.max(0, v + level * n));
      } else if (kind === 'salt_pepper') {
        if (rngUniform(seed, step, CORRUPT_LAYER, e) < Math.fround(level)) y[e] = rngUniform(seed, step, CORRUPT_LAYER + 2, e) >= 0.5 ? 1 : 0;
      } else if (kind === 'masking') {
        if (rngUniform(seed, step, CORRUPT_LAYER, e) < Math.fround(level)) y[e] = 0;
      } else {
        const row = Math.floor(c / width);
        const col = c % width;
        if (row >= top && row < top + side && col >= left && col < left + side) y[e] = 0;
      }
    }
  }
  return y;
}
