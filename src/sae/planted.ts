// Planted-dictionary data: vectors that are sparse non-negative combinations of known unit features, with skewed
// feature frequencies and Gaussian noise — the ground truth a sparse autoencoder should recover (MMCS, docs/sae.md).
import type { Matrix } from '../data/npy.ts';
import { CounterStream } from '../model/rng.ts';

export interface PlantedOptions {
  dim: number; // d_in
  features: number; // true dictionary size
  train: number; // training vectors
  test: number; // held-out vectors
  active: number; // mean number of active features per vector
  skew: number; // feature i fires with probability ∝ (i + 1)^−skew (0: all equally often)
  noise: number; // standard deviation of the Gaussian noise added to every coordinate
  seed: number;
}

export const DEFAULT_PLANTED: PlantedOptions = { dim: 64, features: 128, train: 40000, test: 4000, active: 4, skew: 0.5, noise: 0.01, seed: 0 };

class Draws {
  private readonly s: CounterStream;
  constructor(seed: number, stream: number) { this.s = new CounterStream(seed, stream, 0x9a17); }
  uniform(): number { return this.s.nextUniform(); }
  normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.uniform())) * Math.cos(2 * Math.PI * this.uniform());
  }
}

/** `features` random unit rows of length `dim` (Gaussian directions, normalised). */
function dictionary(o: PlantedOptions): Matrix {
  const r = new Draws(o.seed, 1);
  const values = new Float32Array(o.features * o.dim);
  for (let f = 0; f < o.features; f++) {
    const row = Array.from({ length: o.dim }, () => r.normal());
    const norm = Math.hypot(...row);
    row.forEach((v, i) => { values[f * o.dim + i] = v / norm; });
  }
  return { rows: o.features, cols: o.dim, values };
}

/** Each feature fires independently with probability p_f (mean count `active`), with a coefficient in [0.5, 1.5). */
function vectors(o: PlantedOptions, dict: Matrix, count: number, stream: number): Matrix {
  const r = new Draws(o.seed, stream);
  const weights = Array.from({ length: o.features }, (_, f) => (f + 1) ** -o.skew);
  const total = weights.reduce((a, b) => a + b, 0);
  const p = weights.map((w) => Math.min(1, (o.active * w) / total));
  const values = new Float32Array(count * o.dim);
  const row = new Float64Array(o.dim);
  for (let n = 0; n < count; n++) {
    row.fill(0);
    for (let f = 0; f < o.features; f++) {
      if (r.uniform() >= p[f]) continue;
      const c = 0.5 + r.uniform();
      for (let i = 0; i < o.dim; i++) row[i] += c * dict.values[f * o.dim + i];
    }
    for (let i = 0; i < o.dim; i++) values[n * o.dim + i] = row[i] + o.noise * r.normal();
  }
  return { rows: count, cols: o.dim, values };
}

/** The true dictionary and train/test vectors drawn from it (independent streams, so sizes do not shift draws). */
export function plantedData(o: PlantedOptions): { dictionary: Matrix; train: Matrix; test: Matrix } {
  for (const [k, v] of Object.entries(o)) {
    if (!Number.isFinite(v) || v < 0) throw new Error(`planted data: ${k} must be a non-negative number, got ${v}`);
  }
  if (o.dim < 1 || o.features < 1 || o.train < 1 || o.test < 1) throw new Error('planted data: dim, features, train and test must be at least 1');
  const dict = dictionary(o);
  return { dictionary: dict, train: vectors(o, dict, o.train, 2), test: vectors(o, dict, o.test, 3) };
}

/** Mean over true features of the best |cosine| with any learned row (rows: (n, d) each; learned need not be unit). */
export function meanMaxCosine(learned: Matrix, truth: Matrix): number {
  const d = truth.cols;
  if (learned.cols !== d) throw new Error(`MMCS: learned rows have ${learned.cols} dimensions, the true features ${d}`);
  const norms = Array.from({ length: learned.rows }, (_, j) => Math.hypot(...learned.values.subarray(j * d, (j + 1) * d)) || 1);
  let sum = 0;
  for (let f = 0; f < truth.rows; f++) {
    let best = 0;
    for (let j = 0; j < learned.rows; j++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += truth.values[f * d + i] * learned.values[j * d + i];
      best = Math.max(best, Math.abs(dot) / norms[j]);
    }
    sum += best;
  }
  return sum / truth.rows;
}
