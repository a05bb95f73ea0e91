// BatchNorm1d over the batch axis: training normalises with batch statistics (biased variance) and
// back-propagates through them; running stats follow PyTorch (momentum on the new value, unbiased var).

export interface BatchNormCache {
  y: Float64Array; // (B, F)
  xhat: Float64Array; // (B, F)
  mean: Float64Array; // (F)
  variance: Float64Array; // (F) biased
  invStd: Float64Array; // (F) 1/sqrt(σ² + eps)
}

/** Training mode: x̂ = (x − μ)/sqrt(σ² + eps), y = γ x̂ + β. */
export function batchNormForward(
  x: Float64Array, // (B, F)
  gamma: Float64Array, // (F)
  beta: Float64Array, // (F)
  B: number, F: number, eps: number,
): BatchNormCache {
  const mean = new Float64Array(F);
  const variance = new Float64Array(F);
  const invStd = new Float64Array(F);
  const xhat = new Float64Array(B * F);
  const y = new Float64Array(B * F);
  for (let f = 0; f < F; f++) {
    let s = 0;
    for (let r = 0; r < B; r++) s += x[r * F + f];
    const mu = s / B;
    let ss = 0;
    for (let r = 0; r < B; r++) ss += (x[r * F + f] - mu) ** 2;
    mean[f] = mu;
    variance[f] = ss / B;
    invStd[f] = 1 / Math.sqrt(variance[f] + eps);
    for (let r = 0; r < B; r++) {
      const h = (x[r * F + f] - mu) * invStd[f];
      xhat[r * F + f] = h;
      y[r * F + f] = gamma[f] * h + beta[f];
    }
  }
  return { y, xhat, mean, variance, invStd };
}

/**
 * dγ = Σ_b dy x̂, dβ = Σ_b dy, dx = γ/sqrt(σ²+eps) · (dy − mean_b(dy) − x̂ · mean_b(dy x̂)).
 */
export function batchNormBackward(
  dy: Float64Array, // (B, F)
  cache: BatchNormCache,
  gamma: Float64Array, // (F)
  B: number, F: number,
): { dx: Float64Array; dgamma: Float64Array; dbeta: Float64Array } {
  const dx = new Float64Array(B * F);
  const dgamma = new Float64Array(F);
  const dbeta = new Float64Array(F);
  const { xhat, invStd } = cache;
  for (let f = 0; f < F; f++) {
    let sdy = 0;
    let sdyx = 0;
    for (let r = 0; r < B; r++) {
      sdy += dy[r * F + f];
      sdyx += dy[r * F + f] * xhat[r * F + f];
    }
    dbeta[f] = sdy;
    dgamma[f] = sdyx;
    const k = gamma[f] * invStd[f];
    for (let r = 0; r < B; r++) {
      dx[r * F + f] = k * (dy[r * F + f] - sdy / B - xhat[r * F + f] * (sdyx / B));
    }
  }
  return { dx, dgamma, dbeta };
}

/** rm ← (1−m) rm + m μ; rv ← (1−m) rv + m σ² B/(B−1). Returns new arrays. */
export function batchNormRunningUpdate(
  runningMean: Float64Array, // (F)
  runningVar: Float64Array, // (F)
  mean: Float64Array, // (F) batch mean
  variance: Float64Array, // (F) biased batch variance
  B: number, momentum: number,
): { runningMean: Float64Array; runningVar: Float64Array } {
  if (B < 2) throw new Error(`batchNorm: training needs a batch of at least 2 (got ${B})`);
  const F = mean.length;
  const rm = new Float64Array(F);
  const rv = new Float64Array(F);
  for (let f = 0; f < F; f++) {
    rm[f] = (1 - momentum) * runningMean[f] + momentum * mean[f];
    rv[f] = (1 - momentum) * runningVar[f] + momentum * variance[f] * (B / (B - 1));
  }
  return { runningMean: rm, runningVar: rv };
}

/** Evaluation mode: y = γ (x − rm)/sqrt(rv + eps) + β. */
export function batchNormEval(
  x: Float64Array, // (B, F)
  gamma: Float64Array, beta: Float64Array, runningMean: Float64Array, runningVar: Float64Array, // (F)
  B: number, F: number, eps: number,
): Float64Array {
  const y = new Float64Array(B * F);
  for (let f = 0; f < F; f++) {
    const inv = 1 / Math.sqrt(runningVar[f] + eps);
    for (let r = 0; r < B; r++) y[r * F + f] = gamma[f] * (x[r * F + f] - runningMean[f]) * inv + beta[f];
  }
  return y;
}
