// The models of the seeds as plain data: each preset is a full TrainConfig; callers override fields after.
import { defaultTrainConfig, saeModel, seedModel, type ActivationKind, type LayerSpec, type ModelConfig, type SaeKind, type TrainConfig } from './config.ts';

const lin = (units: number): LayerSpec => ({ kind: 'linear', units });
const act = (fn: ActivationKind): LayerSpec => ({ kind: 'activation', fn });

/** An MLP half: linear layers of the given widths, each followed by its activation. */
function mlp(widths: number[], acts: ActivationKind[]): LayerSpec[] {
  return widths.flatMap((w, i) => (acts[i] === 'identity' ? [lin(w)] : [lin(w), act(acts[i])]));
}

function model(encoder: LayerSpec[], decoder: LayerSpec[], inputDim = 784): ModelConfig {
  return { inputDim, encoder, decoder };
}

export const SAE_PRESETS = ['topk-sae', 'batchtopk-sae', 'jumprelu-sae', 'l1-sae'] as const;
export const PRESET_NAMES = ['seed', 'ae', 'sae-l1', 'sae-kl', 'cae', 'dae', ...SAE_PRESETS] as const;
export type PresetName = (typeof PRESET_NAMES)[number];
export type SaePresetName = (typeof SAE_PRESETS)[number];

export const isSaePreset = (name: unknown): name is SaePresetName => SAE_PRESETS.includes(name as SaePresetName);
export const saePresetOf = (kind: SaeKind): SaePresetName => `${kind}-sae`;

/** An SAE preset (docs/sae.md): the digits' 784 pixels as vectors by default; Adam at a constant learning rate
 * (SAELens's default scheduler), MSE, no corruption. Coefficients follow SAELens's defaults and OpenAI's k_aux. */
function saePreset(name: SaePresetName, dSae: number, D: number): TrainConfig {
  const cfg = defaultTrainConfig(saeModel(D, dSae));
  cfg.sparsity = { kind: 'none', weight: 0, rho: 0.05 };
  cfg.schedule = { ...cfg.schedule, kind: 'constant' };
  cfg.optimizer.lr = 1e-3;
  cfg.sae = { kind: name.slice(0, -4) as SaeKind, dSae, k: 32, kAux: 256, auxWeight: 1 / 32, deadAfter: 20000, l0Weight: 1e-3, bandwidth: 1e-3,
    thresholdInit: 1e-3, l1Weight: 5e-3, bDecInit: 'mean', normalize: false };
  return cfg;
}

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
    case 'topk-sae':
    case 'batchtopk-sae':
    case 'jumprelu-sae':
    case 'l1-sae':
      return saePreset(name, latent ?? 1024, D);
    case 'cae': {
      const z = latent ?? 64;
      const cfg = defaultTrainConfig(model(mlp([256, 128, z], ['sigmoid', 'sigmoid', 'sigmoid']), mlp([128, 256, D], ['relu', 'relu', 'sigmoid']), D));
      cfg.sparsity = { kind: 'none', weight: 0, rho: 0.05 };
      cfg.contractive = 0.1;
      return cfg;
    }
  }
}
