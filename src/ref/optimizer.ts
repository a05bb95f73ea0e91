// Adam with PyTorch's bias correction: p −= lr · m̂ / (sqrt(v̂) + eps), t counted from 1.

export interface AdamHyper {
  beta1: number;
  beta2: number;
  eps: number;
}

/** Updates p, m and v in place for one tensor. */
export function adamUpdate(
  p: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, // all (n)
  t: number, lr: number, { beta1, beta2, eps }: AdamHyper,
): void {
  if (t < 1) throw new Error(`adam: step count t is 1-based (got ${t})`);
  const c1 = 1 - beta1 ** t;
  const c2 = 1 - beta2 ** t;
  for (let i = 0; i < p.length; i++) {
    m[i] = beta1 * m[i] + (1 - beta1) * g[i];
    v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
    p[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
  }
}
