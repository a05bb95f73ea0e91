// The geometric median of a set of vectors (the point minimising the sum of Euclidean distances), by Weiszfeld's
// iteration on the CPU: b_dec's data-dependent start when `bDecInit` is 'median' (OpenAI's choice for TopK SAEs).
import type { Matrix } from '../data/npy.ts';

/** At most this many rows enter the median: beyond it, that many evenly spaced rows (a deterministic subsample). */
export const MEDIAN_ROWS = 4096;
const MAX_ITERATIONS = 100;

/** Weiszfeld from the mean: m ← Σ w_n x_n / Σ w_n with w_n = 1 / ‖x_n − m‖, until m moves less than 1e-7·max(1, ‖m‖);
 * a point closer than 1e-12 to m is skipped that iteration (its weight would be infinite). */
export function geometricMedian(data: Matrix): Float64Array {
  const d = data.cols;
  const step = Math.max(1, data.rows / MEDIAN_ROWS);
  const rows = Array.from({ length: Math.min(data.rows, MEDIAN_ROWS) }, (_, t) => Math.floor(t * step));
  const m = new Float64Array(d);
  for (const n of rows) for (let i = 0; i < d; i++) m[i] += data.values[n * d + i] / rows.length;
  const next = new Float64Array(d);
  for (let it = 0; it < MAX_ITERATIONS; it++) {
    next.fill(0);
    let total = 0;
    for (const n of rows) {
      let dist = 0;
      for (let i = 0; i < d; i++) dist += (data.values[n * d + i] - m[i]) ** 2;
      dist = Math.sqrt(dist);
      if (dist < 1e-12) continue;
      total += 1 / dist;
      for (let i = 0; i < d; i++) next[i] += data.values[n * d + i] / dist;
    }
    if (total === 0) break;
    let moved = 0, size = 0;
    for (let i = 0; i < d; i++) {
      next[i] /= total;
      moved += (next[i] - m[i]) ** 2;
      size += next[i] ** 2;
    }
    m.set(next);
    if (Math.sqrt(moved) < 1e-7 * Math.max(1, Math.sqrt(size))) break;
  }
  return m;
}
