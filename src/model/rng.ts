// Counter-based RNG shared by the GPU kernels (shaders/common.wgsl) and the CPU side: a value is a pure
// function of (seed, step, layer, element), so dropout masks and corruptions are reproducible anywhere.

/** PCG-RXS-M-XS hash of one u32 (Jarzynski & Olano 2020), the same arithmetic as `pcg` in common.wgsl. */
export function pcg(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** The u32 at (seed, step, layer, element): pcg(element + pcg(layer + pcg(step + pcg(seed)))). */
export function rngU32(seed: number, step: number, layer: number, element: number): number {
  const a = pcg(seed >>> 0);
  const b = pcg((step + a) >>> 0);
  const c = pcg((layer + b) >>> 0);
  return pcg((element + c) >>> 0);
}

/** Uniform in [0, 1) with 24 random bits, exactly representable in f32. */
export function rngUniform(seed: number, step: number, layer: number, element: number): number {
  return (rngU32(seed, step, layer, element) >>> 8) / 16777216;
}

/** A seeded stream for CPU-side draws (initialisation, shuffling): element counter over a fixed stream. */
export class CounterStream {
  private n = 0;
  constructor(private readonly seed: number, private readonly stream: number, private readonly layer = 0) {}
  nextU32(): number {
    return rngU32(this.seed, this.stream, this.layer, this.n++);
  }
  nextUniform(): number {
    return (this.nextU32() >>> 8) / 16777216;
  }
}
