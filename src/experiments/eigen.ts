// Eigendecomposition of a real symmetric matrix in float64: Householder reduction to tridiagonal form, then the
// implicit QL algorithm (EISPACK's tred2/tql2, as JAMA writes them). O(n³) with a small constant: a 784×784 pixel
// covariance takes a few seconds in JS, against minutes for cyclic Jacobi.

export interface SymmetricEigen {
  values: Float64Array; // (n) descending
  vectors: Float64Array; // (n, n) row k is the unit eigenvector of values[k]
}

/** Householder tridiagonalisation of `a` (n×n row-major, symmetric), in place: `v` becomes the accumulated
 * orthogonal transform, `d` the diagonal, `e` the subdiagonal (e[0] = 0). */
function tridiagonalise(v: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  const at = (r: number, c: number) => r * n + c;
  for (let j = 0; j < n; j++) d[j] = v[at(n - 1, j)];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) { d[j] = v[at(i - 1, j)]; v[at(i, j)] = 0; v[at(j, i)] = 0; }
    } else {
      for (let k = 0; k < i; k++) { d[k] /= scale; h += d[k] * d[k]; }
      let f = d[i - 1];
      let g = f > 0 ? -Math.sqrt(h) : Math.sqrt(h);
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        v[at(j, i)] = f;
        g = e[j] + v[at(j, j)] * f;
        for (let k = j + 1; k <= i - 1; k++) { g += v[at(k, j)] * d[k]; e[k] += v[at(k, j)] * f; }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) { e[j] /= h; f += e[j] * d[j]; }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) v[at(k, j)] -= f * e[k] + g * d[k];
        d[j] = v[at(i - 1, j)];
        v[at(i, j)] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) { // accumulate the transformations
    v[at(n - 1, i)] = v[at(i, i)];
    v[at(i, i)] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = v[at(k, i + 1)] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += v[at(k, i + 1)] * v[at(k, j)];
        for (let k = 0; k <= i; k++) v[at(k, j)] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) v[at(k, i + 1)] = 0;
  }
  for (let j = 0; j < n; j++) { d[j] = v[at(n - 1, j)]; v[at(n - 1, j)] = 0; }
  v[at(n - 1, n - 1)] = 1;
  e[0] = 0;
}

/** Implicit QL on the tridiagonal (d, e). `w` holds the transform TRANSPOSED (row k = column k of V), so each
 * rotation touches two contiguous rows. */
function ql(w: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n && Math.abs(e[m]) > eps * tst1) m++;
    if (m === n) throw new Error('symmetricEigen: the subdiagonal never became negligible (is the input finite?)');
    for (let iter = 0; m > l && Math.abs(e[l]) > eps * tst1; iter++) {
      if (iter > 60) throw new Error(`symmetricEigen: no convergence for eigenvalue ${l} after 60 QL iterations`);
      let g = d[l];
      let p = (d[l + 1] - g) / (2 * e[l]);
      let r = Math.hypot(p, 1);
      if (p < 0) r = -r;
      d[l] = e[l] / (p + r);
      d[l + 1] = e[l] * (p + r);
      const dl1 = d[l + 1];
      let h = g - d[l];
      for (let i = l + 2; i < n; i++) d[i] -= h;
      f += h;
      p = d[m];
      let c = 1, c2 = 1, c3 = 1, s = 0, s2 = 0;
      const el1 = e[l + 1];
      for (let i = m - 1; i >= l; i--) {
        c3 = c2; c2 = c; s2 = s;
        g = c * e[i];
        h = c * p;
        r = Math.hypot(p, e[i]);
        e[i + 1] = s * r;
        s = e[i] / r;
        c = p / r;
        p = c * d[i] - s * g;
        d[i + 1] = h + s * (c * g + s * d[i]);
        const a = i * n;
        const b = (i + 1) * n;
        for (let k = 0; k < n; k++) { const t = w[b + k]; w[b + k] = s * w[a + k] + c * t; w[a + k] = c * w[a + k] - s * t; }
      }
      p = (-s * s2 * c3 * el1 * e[l]) / dl1;
      e[l] = s * p;
      d[l] = c * p;
    }
    d[l] += f;
    e[l] = 0;
  }
}

/** Eigenvalues (descending) and unit eigenvectors of the symmetric n×n matrix `a` (row-major; only read). */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  if (a.length !== n * n) throw new Error(`symmetricEigen: expected ${n}×${n} = ${n * n} entries, got ${a.length}`);
  const v = Float64Array.from(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalise(v, n, d, e);
  const w = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) w[c * n + r] = v[r * n + c];
  ql(w, n, d, e);
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[y] - d[x]);
  const values = Float64Array.from(order, (i) => d[i]);
  const vectors = new Float64Array(n * n);
  order.forEach((i, k) => vectors.set(w.subarray(i * n, (i + 1) * n), k * n));
  return { values, vectors };
}
