// SAE test helpers: hyperparameters (a TopK SAE without AuxK or penalties, with the given fields replaced), planted
// splits, and a training loop that keeps every epoch's metrics.
import type { Gpu } from '../../src/gpu/device.ts';
import type { SaeHyper } from '../../src/ref/sae.ts';
import { plantedData, type PlantedOptions } from '../../src/sae/planted.ts';
import { SaeTrainer, type SaeConfig, type SaeMetrics } from '../../src/sae/trainer.ts';

export const hyper = (o: Partial<SaeHyper>): SaeHyper =>
  ({ kind: 'topk', k: 3, kAux: 0, auxWeight: 0, deadAfter: 1, l0Weight: 0, bandwidth: 0.05, l1Weight: 0, ...o });

/** The planted data and TopK SAE of the end-to-end tests (docs/sae.md, Measured). */
export const PLANTED: PlantedOptions = { dim: 32, features: 64, train: 8000, test: 2000, active: 3, skew: 0.5, noise: 0.01, seed: 1 };
export const TOPK: SaeConfig = { kind: 'topk', dSae: 128, k: 4, kAux: 64, auxWeight: 1 / 32, deadAfter: 4000, batch: 256, epochs: 4, lr: 1e-2,
  beta1: 0.9, beta2: 0.999, eps: 1e-7, seed: 0, l0Weight: 0, bandwidth: 0.05, l1Weight: 0, thresholdInit: 0.01, bDecInit: 'mean' };

export function plantedSplit(o: PlantedOptions) {
  const d = plantedData(o);
  return { name: 'planted', dim: o.dim, train: d.train, test: d.test, dictionary: d.dictionary, heldOut: 'test.npy', sha256: '' };
}

export async function train(g: Gpu, cfg: SaeConfig, data: ReturnType<typeof plantedSplit>): Promise<{ history: SaeMetrics[]; trainer: SaeTrainer; seconds: number }> {
  const trainer = await SaeTrainer.create(g, cfg, data);
  const history: SaeMetrics[] = [];
  const t0 = performance.now();
  for (let e = 0; e < cfg.epochs; e++) history.push(await trainer.trainEpoch());
  return { history, trainer, seconds: (performance.now() - t0) / 1000 };
}

export const show = (m: SaeMetrics) => `epoch ${m.epoch}: L0 ${m.l0.toFixed(4)}, FVU ${m.fvu.toFixed(3)}, MMCS ${m.mmcs!.toFixed(3)}, ` +
  `dead ${m.deadFraction.toFixed(3)}, aux ${m.trainAux.toFixed(4)}, penalty ${m.trainPenalty.toFixed(4)}`;
