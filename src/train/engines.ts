// Which engine a config trains: the MLP autoencoder's Trainer on images, or a sparse autoencoder's SaeEngine on
// vectors (.npy data, or images as pixel vectors: the page's digits).
import type { DataSplit } from '../data/dataset.ts';
import { vectorsFromImages } from '../data/image-vectors.ts';
import type { VectorSplit } from '../data/vectors.ts';
import type { Gpu } from '../gpu/device.ts';
import type { KernelCache } from '../gpu/kernels.ts';
import type { TrainConfig } from '../model/config.ts';
import { SaeEngine, type SaeEngineOptions } from '../sae/engine.ts';
import type { Engine } from './engine.ts';
import type { MatmulChoices } from './kernels.ts';
import { Trainer, type TrainerOptions } from './trainer.ts';

/** What a run trains on: images (the MLP autoencoders; the SAEs read them as pixel vectors) or vectors (SAEs only). */
export type RunData = DataSplit | VectorSplit;
export const isVectors = (d: RunData): d is VectorSplit => 'dim' in d;

/** The engine for `cfg` on `data`; the GPU's own refusals while building it (a buffer it cannot allocate, a pipeline
 * it rejects) come back as errors. */
export async function createEngine(gpu: Gpu, cfg: TrainConfig, data: RunData, kernel: string | MatmulChoices, cache: KernelCache,
  options: TrainerOptions & SaeEngineOptions): Promise<Engine> {
  gpu.device.pushErrorScope('out-of-memory');
  gpu.device.pushErrorScope('validation');
  let engine: Engine | null = null;
  let failure: unknown = null;
  try { engine = await build(gpu, cfg, data, kernel, cache, options); } catch (e) { failure = e; }
  const gpuError = (await gpu.device.popErrorScope()) ?? (await gpu.device.popErrorScope());
  if (failure || gpuError) {
    engine?.destroy();
    throw failure ?? new Error(`the GPU rejected this model: ${gpuError!.message}`);
  }
  return engine!;
}

function build(gpu: Gpu, cfg: TrainConfig, data: RunData, kernel: string | MatmulChoices, cache: KernelCache,
  options: TrainerOptions & SaeEngineOptions): Promise<Engine> {
  if (cfg.sae) return SaeEngine.create(gpu, cfg, isVectors(data) ? data : vectorsFromImages(data), cache, options);
  if (isVectors(data)) throw new Error(`${data.name} holds vectors (.npy), which the sparse autoencoder presets train on: give --preset topk-sae`);
  return Trainer.create(gpu, cfg, data, kernel, cache, options);
}
