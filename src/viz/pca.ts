// Principal components of code vectors for the latent view, DOM-free: the (Z, Z) covariance in float64, its top
// eigenvectors by power iteration with deflation, and every row projected on them. Z ≤ a few hundred and the test
// split ≤ 10k rows, so this is ~N·Z² multiply-adds: tens of milliseconds per epoch.

export interface Projection {
  xy: Float64Array; // (count, k) coordinates on the components
  components: Float64Array[]; // k unit vectors of length Z
  variance: number[]; // variance along each component
  totalVariance: number; // trace of the covariance
}

/** Project `count` rows of width `z` (row i at i·stride) on their top `k` principal components. */
export function pca(rows: ArrayLike<number>, count: number, z: number, stride: number, k = 2, iterations = 200): Projection {
  const mean = new Float64Array(z);
  for (let i = 0; i < count; i++) for (let j = 0; j < z; j++) mean[j] += rows[i * stride + j] / count;
  const cov = new Float64Array(z * z);
  const d = new Float64Array(z);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < z; j++) d[j] = rows[i * stride + j] - mean[j];
    for (let a = 0; a < z; a++) { const da = d[a] / Math.max(1, count - 1); if (da !== 0) for (let b = a; b < z; b++) cov[a * z + b] += da * d[b]; }
  }
  for (let a = 0; a < z; a++) for (let b = 0; b < a; b++) cov[a * z + b] = cov[b * z + a];
  let totalVariance = 0;
  for (let a = 0; a < z; a++) totalVariance += cov[a * z + a];
  const components: Float64Array[] = [];
  const variance: number[] = [];
  for (let c = 0; c < Math.min(k, z); c++) {
    // A fixed, non-symmetric start so results are reproducible and not orthogonal to the top eigenvector by accident.
    let v = Float64Array.from({ length: z }, (_, j) => 1 + ((j * 7919) % 13) / 13);
    let lambda = 0;
    for (let it = 0; it < iterations; it++) {
      const w = new Float64Array(z);
      for (let a = 0; a < z; a++) { let s = 0; for (let b = 0; b < z; b++) s += cov[a * z + b] * v[b]; w[a] = s; }
      const norm = Math.hypot(...w);
      if (norm === 0) break;
      v = w.map((x) => x / norm);
      lambda = norm;
    }
    components.push(v);
    variance.push(lambda);
    for (let a = 0; a < z; a++) for (let b = 0; b < z; b++) cov[a * z + b] -= lambda * v[a] * v[b]; // deflate
  }
  const xy = new Float64Array(count * components.length);
  for (let i = 0; i < count; i++) {
    components.forEach((v, c) => {
      let s = 0;
      for (let j = 0; j < z; j++) s += (rows[i * stride + j] - mean[j]) * v[j];
      xy[i * components.length + c] = s;
    });
  }
  return { xy, components, variance, totalVariance };
}
