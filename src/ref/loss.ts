// Reconstruction loss: MSE averaged over every pixel of every sample.

/** mean over B·D of (x̂ − x)². */
export function mseForward(xhat: Float64Array, x: Float64Array): number {
  let s = 0;
  for (let e = 0; e < x.length; e++) s += (xhat[e] - x[e]) ** 2;
  return s / x.length;
}

/** dLoss/dx̂ = 2 (x̂ − x)/(B·D). */
export function mseBackward(xhat: Float64Array, x: Float64Array): Float64Array {
  const d = new Float64Array(x.length); // (B, D)
  for (let e = 0; e < x.length; e++) d[e] = (2 * (xhat[e] - x[e])) / x.length;
  return d;
}

/** Binary cross-entropy of seed 001, −mean[x log x̂ + (1 − x) log(1 − x̂)] (x̂ strictly inside (0, 1)). */
export function bceForward(xhat: Float64Array, x: Float64Array): number {
  let s = 0;
  for (let e = 0; e < x.length; e++) s -= x[e] * Math.log(xhat[e]) + (1 - x[e]) * Math.log(1 - xhat[e]);
  return s / x.length;
}

/** dLoss/dx̂ = (x̂ − x) / (x̂ (1 − x̂)) / (B·D); times σ' = x̂(1 − x̂) it is (x̂ − x)/(B·D) at the logits. */
export function bceBackward(xhat: Float64Array, x: Float64Array): Float64Array {
  const d = new Float64Array(x.length); // (B, D)
  for (let e = 0; e < x.length; e++) d[e] = (xhat[e] - x[e]) / (xhat[e] * (1 - xhat[e])) / x.length;
  return d;
}

/** mean over B·D of |x̂ − x|. */
export function maeForward(xhat: Float64Array, x: Float64Array): number {
  let s = 0;
  for (let e = 0; e < x.length; e++) s += Math.abs(xhat[e] - x[e]);
  return s / x.length;
}

/** dLoss/dx̂ = sign(x̂ − x)/(B·D) (0 where equal). */
export function maeBackward(xhat: Float64Array, x: Float64Array): Float64Array {
  const d = new Float64Array(x.length); // (B, D)
  for (let e = 0; e < x.length; e++) d[e] = Math.sign(xhat[e] - x[e]) / x.length;
  return d;
}

export type LossKindRef = 'mse' | 'bce' | 'mae';
export function lossForward(kind: LossKindRef, xhat: Float64Array, x: Float64Array): number {
  return kind === 'bce' ? bceForward(xhat, x) : kind === 'mae' ? maeForward(xhat, x) : mseForward(xhat, x);
}
export function lossBackward(kind: LossKindRef, xhat: Float64Array, x: Float64Array): Float64Array {
  return kind === 'bce' ? bceBackward(xhat, x) : kind === 'mae' ? maeBackward(xhat, x) : mseBackward(xhat, x);
}
