// KL sparsity penalty on the code z: Σ_j KL(ρ ‖ ρ̂_j), ρ̂_j the batch mean of unit j's activity.
// Activity is (z+1)/2 for tanh codes (so it lives in (0, 1)) and z itself otherwise (sigmoid codes).

export const RHO_MIN = 1e-6;
export const RHO_MAX = 1 - 1e-6;

/** da/dz: 0.5 for tanh codes, 1 otherwise. */
function activitySlope(tanhCode: boolean): number {
  return tanhCode ? 0.5 : 1;
}

/** ρ̂_j = mean_b a_bj. */
export function codeActivity(z: Float64Array, B: number, Z: number, tanhCode: boolean): Float64Array {
  const rhoHat = new Float64Array(Z); // (Z)
  for (let r = 0; r < B; r++) {
    for (let j = 0; j < Z; j++) rhoHat[j] += tanhCode ? (z[r * Z + j] + 1) / 2 : z[r * Z + j];
  }
  for (let j = 0; j < Z; j++) rhoHat[j] /= B;
  return rhoHat;
}

/** value = Σ_j ρ log(ρ/ρ̂c) + (1−ρ) log((1−ρ)/(1−ρ̂c)), ρ̂c = clamp(ρ̂_j, RHO_MIN, RHO_MAX). */
export function klSparsityForward(
  z: Float64Array, // (B, Z)
  B: number, Z: number, rho: number, tanhCode: boolean,
): { value: number; rhoHat: Float64Array } {
  const rhoHat = codeActivity(z, B, Z, tanhCode);
  let value = 0;
  for (let j = 0; j < Z; j++) {
    const c = Math.min(Math.max(rhoHat[j], RHO_MIN), RHO_MAX);
    value += rho * Math.log(rho / c) + (1 - rho) * Math.log((1 - rho) / (1 - c));
  }
  return { value, rhoHat };
}

/**
 * dvalue/dz_bj = (−ρ/ρ̂_j + (1−ρ)/(1−ρ̂_j)) · (1/B) · da/dz, the same for every sample b; zero where
 * ρ̂_j is outside [RHO_MIN, RHO_MAX] (the clamp is flat there; the bounds pass the gradient, as torch.clamp).
 */
export function klSparsityBackward(
  rhoHat: Float64Array, // (Z)
  B: number, Z: number, rho: number, tanhCode: boolean,
): Float64Array {
  const dz = new Float64Array(B * Z); // (B, Z)
  const k = activitySlope(tanhCode) / B;
  for (let j = 0; j < Z; j++) {
    const p = rhoHat[j];
    const inside = p >= RHO_MIN && p <= RHO_MAX;
    const g = inside ? (-rho / p + (1 - rho) / (1 - p)) * k : 0;
    for (let r = 0; r < B; r++) dz[r * Z + j] = g;
  }
  return dz;
}

/** L1 penalty of seed 001: mean over B·Z of |z|. */
export function l1SparsityForward(z: Float64Array): number {
  let s = 0;
  for (let e = 0; e < z.length; e++) s += Math.abs(z[e]);
  return s / z.length;
}

/** d/dz of mean|z| = sign(z)/(B·Z). */
export function l1SparsityBackward(z: Float64Array): Float64Array {
  const d = new Float64Array(z.length); // (B, Z)
  for (let e = 0; e < z.length; e++) d[e] = Math.sign(z[e]) / z.length;
  return d;
}
