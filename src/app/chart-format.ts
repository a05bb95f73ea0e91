// Number formats for chart axes and readouts, DOM-free so tests can check them: one format per axis (every tick
// with the same decimals, or every tick in exponent form), integer-only ticks for epoch and step axes.

/** Decimals needed to write `v` exactly up to 4 places (0.25 → 2, 3 → 0). */
function decimalsOf(v: number): number {
  for (let d = 0; d <= 4; d++) if (Math.abs(v - Number(v.toFixed(d))) < 1e-9 * Math.max(1, Math.abs(v))) return d;
  return 4;
}

/** Tick labels of one axis in one format: fixed decimals when every tick is between 0.01 and 10⁴ (in magnitude),
 * else exponent form with the mantissa digits the ticks need. */
export function axisTicks(ticks: readonly (number | null)[]): string[] {
  const real = ticks.filter((t): t is number => t !== null && Number.isFinite(t));
  const nonzero = real.filter((t) => t !== 0).map(Math.abs);
  if (nonzero.length === 0) return ticks.map((t) => (t === 0 ? '0' : ''));
  const fixed = nonzero.every((t) => t >= 0.01 && t < 1e4);
  const d = fixed ? Math.max(...real.map(decimalsOf)) : Math.min(3, Math.max(...nonzero.map((t) => decimalsOf(Number(t.toExponential(3).split('e')[0])))));
  return ticks.map((t) => (t === null || !Number.isFinite(t) ? '' : t === 0 ? '0' : fixed ? t.toFixed(d) : t.toExponential(d)));
}

/** One value for a readout: 4 significant digits, exponent form for small or large magnitudes. */
export function readout(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e5 ? String(Number(v.toPrecision(4))) : v.toExponential(3);
}

/** Tick steps for integer axes (epochs, steps): 1, 2, 5, 10, 20, 50 … */
export const INTEGER_INCRS: number[] = Array.from({ length: 24 }, (_, i) => [1, 2, 5][i % 3] * 10 ** Math.floor(i / 3));

/** Debiased EMA (TensorBoard's smoothing); nulls are skipped and stay null. */
export function smooth(values: (number | null)[], weight: number): (number | null)[] {
  let last = 0;
  let debias = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return null;
    last = last * weight + (1 - weight) * v;
    debias = debias * weight + (1 - weight);
    return last / debias;
  });
}
