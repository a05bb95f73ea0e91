// The models of the seeds as plain data: each preset is a full TrainConfig; callers override fields after.
import { defaultTrainConfig, seedModel, type ActivationKind, type LayerSpec, type ModelConfig, type TrainConfig } from './config.ts';

const lin = (units: number): LayerSpec => ({ kind: 'linear', units });
const act = (fn: ActivationKind): LayerSpec => ({ kind: 'activation', fn });

/** An MLP half: linear layers of the given widths, each followed by its activation. */
function mlp(widths: number[], acts: ActivationKind[]): LayerSpec[] {
  return widths.flatMap((w, i) => (acts[i] === 'identity' ? [lin(w)] : [lin(w), act(acts[i])]));
}

function model(encoder: LayerSpec[], decoder: LayerSpec[], inputDim = 784): ModelConfig {
  return { inputDim, encoder, decoder };
}

export const PRESET_NAMES = ['seed', 'ae', 'sae-l1', 'sae-kl', 'cae', 'dae'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** Build a preset for images of `inputDim` pixels; `latent` overrides the code size. */
export function preset(name: PresetName, latent?: number, inputDim = 784): TrainConfig {
  const D = inputDim;
  switch (name) {
    case 'seed':
      return defaultTrainConfig(seedModel(256, latent ?? 64, 0.2, D));
    case 'ae':
    case 'dae': {
      const z = latent ?? 32;
      const cfg = defaultTrainConfig(model(mlp([256, 128, z], ['relu', 'relu', 'identity']), mlp([128, 256, D], ['relu', 'relu', 'sigmoid']), D));
      cfg.sparsity = { kind: 'none', weight: 0, rho: 0.05 };
      if (name === 'dae') cfg.corruption = { kind: 'gaussian', level: 0.1 };
      return cfg;
    }
    case 'sae-l1':
    case 'sae-kl': {
      const z = latent ?? 128;
      const code: ActivationKind = name === 'sae-l1' ? 'relu' : 'sigmoid';
      const cfg = defaultTrainConfig(model(mlp([256, z], ['relu', code]), mlp([256, D], ['relu', 'sigmoid']), D));
      cfg.sparsity = name === 'sae-l1' ? { kind: 'l1', weight: 1e-3, rho: 0.05 } : { kind: 'kl', weight: 1e-1, rho: 0.05 };
      return cfg;
    }
    case 'cae': {
      const z = latent ?? 64;
      const cfg = defaultTrainConfig(model(mlp([256, 128, z], ['sigmoid', 'sigmoid', 'sigmoid']), mlp([128, 256, D], ['relu', 'relu', 'sigmoid']), D));
      cfg.sparsity = { kind: 'none', weight: 0, rho: 0.05 };
      cfg.contractive = 0.1;
      return cfg;
    }
  }
}
