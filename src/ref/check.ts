// Numeric checks for the reference's finite-difference tests and for GPU kernels against the reference:
// seeded random inputs, central differences, and an allclose with tolerance atol + |ref|·rtol.

import { CounterStream } from '../model/rng.ts';

/** Seeded float64 test inputs drawn from the counter RNG (stream picks an independent sequence). */
export class TestRandom {
  private readonly s: CounterStream;
  constructor(seed: number, stream = 0) {
    this.s = new CounterStream(seed, stream, 0x7e57);
  }
  uniform(n: number, lo = 0, hi = 1): Float64Array {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * this.s.nextUniform();
    return a;
  }
  /** Box–Muller normals. */
  normal(n: number, mean = 0, std = 1): Float64Array {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const u = 1 - this.s.nextUniform(); // (0, 1]
      a[i] = mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.s.nextUniform());
    }
    return a;
  }
  /** k distinct indices in [0, n), all of them when k ≥ n. */
  sample(n: number, k: number): number[] {
    const all = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.s.nextU32() % (i + 1);
      [all[i], all[j]] = [all[j], all[i]];
    }
    return all.slice(0, Math.min(k, n));
  }
}

/** (f(x + h e_i) − f(x − h e_i)) / 2h, leaving x[i] as it was. */
export function centralDiff(f: () => number, x: Float64Array, i: number, h = 1e-6): number {
  const x0 = x[i];
  x[i] = x0 + h;
  const fp = f();
  x[i] = x0 - h;
  const fm = f();
  x[i] = x0;
  return (fp - fm) / (2 * h);
}

/** First index where |actual − ref| > atol + rtol·|ref| (NaN never matches), or −1. */
export function firstMismatch(
  actual: ArrayLike<number>, ref: ArrayLike<number>, atol: number, rtol: number,
): number {
  if (actual.length !== ref.length) return Math.min(actual.length, ref.length);
  for (let i = 0; i < ref.length; i++) {
    if (!(Math.abs(actual[i] - ref[i]) <= atol + rtol * Math.abs(ref[i]))) return i;
  }
  return -1;
}

export function assertAllClose(
  actual: ArrayLike<number>, ref: ArrayLike<number>, atol: number, rtol: number, what: string,
): void {
  const i = firstMismatch(actual, ref, atol, rtol);
  if (i < 0) return;
  if (actual.length !== ref.length) throw new Error(`${what}: length ${actual.length} vs reference ${ref.length}`);
  throw new Error(`${what}: [${i}] = ${actual[i]}, reference ${ref[i]} (atol ${atol}, rtol ${rtol})`);
}

/**
 * Compares analytic[i] with the central difference of loss wrt x[i] at each index (default: all),
 * |fd − analytic| ≤ atol + rtol·|analytic|; throws naming the first failure.
 */
export function checkGradient(
  what: string, loss: () => number, x: Float64Array, analytic: Float64Array,
  indices?: number[], h = 1e-6, atol = 1e-6, rtol = 1e-4,
): void {
  if (analytic.length !== x.length) throw new Error(`${what}: gradient length ${analytic.length} vs ${x.length}`);
  for (const i of indices ?? Array.from({ length: x.length }, (_, k) => k)) {
    const fd = centralDiff(loss, x, i, h);
    if (!(Math.abs(fd - analytic[i]) <= atol + rtol * Math.abs(analytic[i]))) {
      throw new Error(`${what}: [${i}] finite difference ${fd}, analytic ${analytic[i]}`);
    }
  }
}
