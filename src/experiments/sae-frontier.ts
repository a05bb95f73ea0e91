// The sparsity–fidelity frontier of the four sparse-autoencoder kinds (issue 17, docs/sae.md): fraction of variance
// unexplained against L0 on the held-out split, for TopK, BatchTopK, JumpReLU and L1 SAEs of one size, each swept
// over its own sparsity knob, on two kinds of vectors: an image set's pixels, and the hidden activations of a seed
// autoencoder trained on the same images here (the layer that feeds its code). Every run goes through the one Run.
import type { DataSplit, ImageSet } from '../data/dataset.ts';
import { vectorsFromImages } from '../data/image-vectors.ts';
import type { Matrix } from '../data/npy.ts';
import type { VectorSplit } from '../data/vectors.ts';
import type { Gpu } from '../gpu/device.ts';
import { KernelCache } from '../gpu/kernels.ts';
import type { SaeKind, SaeSettings, TrainConfig } from '../model/config.ts';
import { preset, saePresetOf } from '../model/presets.ts';
import { DEFAULT_VARIANT } from '../train/kernels.ts';
import { LatentProbe } from '../train/latent.ts';
import { Run } from '../train/run.ts';
import type { RunData } from '../train/engines.ts';
import { Trainer } from '../train/trainer.ts';

/** Each kind's sparsity knob and the values swept (fewer active latents to the right of each list but for k). */
export const FRONTIER_SWEEPS: Record<SaeKind, { knob: 'k' | 'l0Weight' | 'l1Weight'; values: number[] }> = {
  topk: { knob: 'k', values: [4, 8, 16, 32] },
  batchtopk: { knob: 'k', values: [4, 8, 16, 32] },
  // The penalties' scales against a reconstruction error that is a mean over d_in dimensions of inputs normalised to
  // mean squared norm d_in (per-dimension variance about 1): a latent that removes 1% of the error is worth
  // about 1e-3–1e-2, so the sweeps span the decade around it.
  jumprelu: { knob: 'l0Weight', values: [1e-2, 3e-3, 1e-3, 3e-4] },
  l1: { knob: 'l1Weight', values: [3e-3, 1e-3, 3e-4, 1e-4] },
};
export const FRONTIER_KINDS: SaeKind[] = ['topk', 'batchtopk', 'jumprelu', 'l1'];

export interface FrontierPoint {
  dataset: string; // 'pixels' or 'hidden'
  kind: SaeKind;
  knob: string;
  value: number;
  l0: number; fvu: number; mse: number; dead: number; // the last epoch's held-out figures
  seconds: number;
  error: string | null; // the run could not train; the sweep goes on
}

export interface FrontierOptions {
  dSae: number; // latents of every SAE
  epochs: number; // per SAE
  aeEpochs: number; // the seed autoencoder whose hidden layer is the second dataset
  seed: number;
  kinds?: SaeKind[];
  values?: number; // only the first N values of each sweep (smoke tests)
  log?: (line: string) => void;
  onPoint?: (p: FrontierPoint) => void;
}

export interface FrontierResult {
  datasets: { name: string; label: string; dim: number; train: number; test: number; note: string }[];
  points: FrontierPoint[];
  options: FrontierOptions;
}

/** The SAE config of one point: the kind's preset at d_in, its knob set, inputs normalised (mean squared norm d_in). */
export function frontierConfig(kind: SaeKind, value: number, dim: number, o: Pick<FrontierOptions, 'dSae' | 'epochs' | 'seed'>): TrainConfig {
  const cfg = preset(saePresetOf(kind), o.dSae, dim);
  const sae: SaeSettings = { ...cfg.sae!, [FRONTIER_SWEEPS[kind].knob]: value, normalize: true };
  if (sae.kAux > o.dSae) sae.kAux = o.dSae;
  return { ...cfg, sae, epochs: o.epochs, seed: o.seed };
}

function rows(values: Float32Array, count: number, stride: number, width: number): Matrix {
  const out = new Float32Array(count * width);
  for (let r = 0; r < count; r++) out.set(values.subarray(r * stride, r * stride + width), r * width);
  return { rows: count, cols: width, values: out };
}

/** Train the seed autoencoder on `data` and read the activations feeding its code layer for every image. */
async function hiddenActivations(gpu: Gpu, cache: KernelCache, data: DataSplit, o: FrontierOptions): Promise<{ vectors: VectorSplit; note: string }> {
  const cfg: TrainConfig = { ...preset('seed'), epochs: o.aeEpochs, seed: o.seed };
  cfg.schedule = { ...cfg.schedule, T: o.aeEpochs };
  const run = await Run.start({ gpu, hooks: { log: (l) => o.log?.(`seed autoencoder: ${l}`) }, cfg, data, kernel: DEFAULT_VARIANT, cache });
  try {
    let last = '';
    while (!run.done) last = `test MSE ${(await run.epoch()).row.test_mse.toPrecision(4)}`;
    const t = run.engine as Trainer;
    const index = t.plan.codeIndex - 1; // the input of the code's linear layer: the hidden layer in evaluation mode
    const read = async (set: ImageSet) => {
      const probe = new LatentProbe(t, { set, index });
      try { return rows(await probe.read(), probe.count, probe.stride, probe.z); } finally { probe.destroy(); }
    };
    const [train, test] = [await read(data.train), await read(data.test)];
    const layer = t.plan.ops[index - 1].name;
    const note = `the ${train.cols}-d output of ${layer} (evaluation mode: BatchNorm on running statistics, no dropout) of the seed ` +
      `autoencoder after ${o.aeEpochs} epochs on ${data.name} (${last})`;
    return { note, vectors: { name: `${data.name}, seed autoencoder ${layer}`, dim: train.cols, train, test, dictionary: null,
      heldOut: `the activations of the ${data.test.count} test images`, sha256: data.sha256 } };
  } finally {
    run.release();
  }
}

async function trainPoint(gpu: Gpu, cache: KernelCache, dataset: string, data: RunData, dim: number, kind: SaeKind, value: number,
  o: FrontierOptions): Promise<FrontierPoint> {
  const { knob } = FRONTIER_SWEEPS[kind];
  const point: FrontierPoint = { dataset, kind, knob, value, l0: NaN, fvu: NaN, mse: NaN, dead: NaN, seconds: 0, error: null };
  const t0 = performance.now();
  let run: Run | null = null;
  try {
    run = await Run.start({ gpu, hooks: { log: (l) => o.log?.(`${dataset} ${kind} ${knob}=${value}: ${l}`) }, cfg: frontierConfig(kind, value, dim, o),
      data, kernel: DEFAULT_VARIANT, cache, options: { maxRollbacks: 0 } });
    while (!run.done) await run.epoch();
    const sae = run.history.at(-1)?.sae;
    if (!sae) throw new Error('no held-out SAE metrics');
    Object.assign(point, { l0: sae.l0, fvu: sae.fvu, mse: run.history.at(-1)!.test_mse, dead: sae.dead_fraction });
  } catch (e) {
    point.error = e instanceof Error ? e.message : String(e);
  } finally {
    run?.release();
  }
  point.seconds = (performance.now() - t0) / 1000;
  o.onPoint?.(point);
  return point;
}

export async function runFrontier(gpu: Gpu, data: DataSplit, o: FrontierOptions): Promise<FrontierResult> {
  const cache = new KernelCache(gpu);
  const pixels = vectorsFromImages(data);
  o.log?.(`training the seed autoencoder for the hidden-activation dataset (${o.aeEpochs} epochs)`);
  const hidden = await hiddenActivations(gpu, cache, data, o);
  const datasets = [
    { name: 'pixels', label: `${data.name} pixels`, vectors: pixels, note: `the ${pixels.dim} pixels/255 of each image` },
    { name: 'hidden', label: hidden.vectors.name, vectors: hidden.vectors, note: hidden.note },
  ];
  const points: FrontierPoint[] = [];
  for (const d of datasets) {
    for (const kind of o.kinds ?? FRONTIER_KINDS) {
      for (const value of FRONTIER_SWEEPS[kind].values.slice(0, o.values)) {
        points.push(await trainPoint(gpu, cache, d.name, d.vectors, d.vectors.dim, kind, value, o));
      }
    }
  }
  return { datasets: datasets.map((d) => ({ name: d.name, label: d.label, dim: d.vectors.dim, train: d.vectors.train.rows, test: d.vectors.test.rows, note: d.note })),
    points, options: o };
}
