// Float64 reference of the SAE inspection pass (shaders/sae_inspect.wgsl, src/sae/inspect.ts): per latent, the number of
// samples it fires on (z > 0) and its top-N activations with their sample indices, highest first, ties to the lower index.

export interface CodeInspection {
  fired: Uint32Array; // (d_sae)
  topIndex: Uint32Array; // (d_sae, topN); 0xffffffff past the latent's firings
  topValue: Float64Array; // (d_sae, topN); 0 past the latent's firings
}

/** `z`: (rows, d_sae) codes in sample order. */
export function inspectCodes(z: ArrayLike<number>, rows: number, dSae: number, topN: number): CodeInspection {
  const fired = new Uint32Array(dSae), topIndex = new Uint32Array(dSae * topN).fill(0xffffffff), topValue = new Float64Array(dSae * topN);
  for (let j = 0; j < dSae; j++) {
    const active: number[] = [];
    for (let r = 0; r < rows; r++) if (z[r * dSae + j] > 0) active.push(r);
    fired[j] = active.length;
    active.sort((a, b) => z[b * dSae + j] - z[a * dSae + j] || a - b);
    active.slice(0, topN).forEach((r, t) => {
      topIndex[j * topN + t] = r;
      topValue[j * topN + t] = z[r * dSae + j];
    });
  }
  return { fired, topIndex, topValue };
}
