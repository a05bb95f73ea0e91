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
