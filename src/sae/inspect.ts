// Inspection of a trained SAE for the feature dashboard (src/app/sae-dashboard.ts): one GPU pass over the held-out
// split runs the evaluation (which counts each latent's firings) and keeps each latent's top-N activating samples
// (shaders/sae_inspect.wgsl); then the decoder atoms (rows of W_dec) and the dead-latent counters are read back once.
// Why the selection runs on the GPU: the pass reads the dense code z that every SAE kind's evaluation writes, so it
// does not depend on TopK's fixed k active latents per sample, and what comes back is d_sae × (1 + 2N) words whatever
// the size of the held-out split (reading back the sparse codes would grow with it and need a per-kind format).
import { KernelCache, type Kernel, type KernelSpec } from '../gpu/kernels.ts';
import { readBuffer } from '../gpu/readback.ts';
import { BufferOwner, groups, type Dispatch } from '../train/bind.ts';
import type { SaeTrainer } from './trainer.ts';

export const INSPECT_SPEC = { file: 'sae_inspect.wgsl', entry: 'saeInspect', bindings: ['step', 'uniform', 'read', 'rw', 'rw'] } satisfies KernelSpec;
export const NO_SAMPLE = 0xffffffff; // an unused entry of a top list (the latent fired on fewer than N samples)
const MAX_TOP = 64;

export interface SaeInspection {
  dIn: number;
  dSae: number;
  samples: number; // held-out samples inspected
  topN: number;
  fired: Uint32Array; // (d_sae) held-out samples on which each latent fired (z > 0), counted by the evaluation
  density: Float64Array; // (d_sae) fired / samples
  topIndex: Uint32Array; // (d_sae, topN) held-out sample indices, highest activation first; NO_SAMPLE past the firings
  topValue: Float32Array; // (d_sae, topN) their activations (0 where unused)
  atoms: Float32Array; // (d_sae, d_in) decoder rows
  sinceFired: Uint32Array; // (d_sae) training samples since each latent last fired
  deadAfter: number; // a latent is dead when sinceFired ≥ deadAfter
}

/** The SaeInspect uniform (sae_inspect.wgsl): 16 bytes. */
export function inspectUniform(dSae: number, topN: number): ArrayBuffer {
  return new Uint32Array([dSae, topN, 0, 0]).buffer;
}

/** Made once per trainer (its kernel and buffers); `read()` inspects the current parameters between epochs. */
export class SaeInspector {
  private readonly owner: BufferOwner;
  private readonly values: GPUBuffer;
  private readonly indices: GPUBuffer;
  private readonly pass: Dispatch;

  private constructor(readonly trainer: SaeTrainer, readonly topN: number, kernel: Kernel) {
    const { dSae } = trainer.layout;
    this.owner = new BufferOwner(trainer.gpu.device);
    this.values = this.owner.alloc('SaeInspect.values', dSae * topN * 4);
    this.indices = this.owner.alloc('SaeInspect.indices', dSae * topN * 4);
    this.pass = trainer.binder(this.owner)('SaeInspect', kernel, inspectUniform(dSae, topN), [trainer.graph.z, this.values, this.indices],
      groups(dSae));
  }

  static async create(t: SaeTrainer, topN = 9, cache = new KernelCache(t.gpu)): Promise<SaeInspector> {
    if (!Number.isInteger(topN) || topN < 1 || topN > MAX_TOP) throw new Error(`SaeInspector: topN must be an integer in [1, ${MAX_TOP}], got ${topN}`);
    return new SaeInspector(t, topN, await cache.get(INSPECT_SPEC));
  }

  async read(): Promise<SaeInspection> {
    const t = this.trainer;
    const { device } = t.gpu;
    const { dIn, dSae, wDec } = t.layout;
    const { topN } = this;
    device.queue.writeBuffer(this.values, 0, new Float32Array(dSae * topN));
    device.queue.writeBuffer(this.indices, 0, new Uint32Array(dSae * topN).fill(NO_SAMPLE));
    t.submitHeldOut([this.pass]);
    const [f, v, i] = await Promise.all([t.graph.fires, this.values, this.indices].map((b) => readBuffer(device, b)));
    const state = await t.readState();
    const samples = t.data.test.rows;
    const fired = new Uint32Array(f, 0, dSae);
    return { dIn, dSae, samples, topN, fired, density: Float64Array.from(fired, (c) => c / samples),
      topIndex: new Uint32Array(i, 0, dSae * topN), topValue: new Float32Array(v, 0, dSae * topN),
      atoms: state.params.slice(wDec, wDec + dSae * dIn), sinceFired: state.counters, deadAfter: t.cfg.deadAfter };
  }

  destroy(): void {
    this.owner.destroy();
  }
}
