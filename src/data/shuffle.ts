// Per-epoch sample orders: a Fisher–Yates shuffle driven by the counter-based RNG, so the order is a pure
// function of (seed, epoch) and a resumed run sees the same batches.

import { CounterStream } from '../model/rng.ts';

/** RNG stream tag for shuffling ("SHUF"), keeping these draws apart from init, dropout and corruption. */
const SHUFFLE_LAYER = 0x5348_5546;

export function identityPermutation(n: number): Uint32Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new Error(`permutation size must be an integer in [0, 2^32), got ${n}`);
  }
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  return perm;
}

/** The sample order for `epoch`. 24-bit uniforms make floor(u·(i+1)) biased by < n/2^24, negligible at 60k. */
export function epochPermutation(n: number, seed: number, epoch: number): Uint32Array {
  const perm = identityPermutation(n);
  const rng = new CounterStream(seed, epoch, SHUFFLE_LAYER);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.nextUniform() * (i + 1));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return perm;
}
