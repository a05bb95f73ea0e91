// The flat object the lil-gui panel binds to, and its translation to and from a TrainConfig. Fields the panel does
// not show (Adam β1/β2/ε, BatchNorm ε/momentum, a custom layer list) are carried over from the active config.
import type { CorruptionKind, LossKind, SparsityKind, TrainConfig } from '../model/config.ts';
import { PRESET_NAMES, preset, type PresetName } from '../model/presets.ts';
import { modelFromRecipe, recipeOf } from '../model/recipe.ts';
import { recipeProblems } from '../model/validate.ts';

export const CUSTOM = 'custom';
export type PanelPreset = PresetName | typeof CUSTOM;
export const PANEL_PRESETS: readonly PanelPreset[] = [...PRESET_NAMES, CUSTOM];

export interface PanelConfig {
  preset: PanelPreset; // 'custom': a layer list no preset recipe builds (from a link or a checkpoint)
  hidden: number;
  latent: number;
  dropout: number;
  loss: LossKind;
  sparsity: SparsityKind;
  weight: number; // sparsity weight: λ (L1) or β (KL)
  rho: number;
  contractive: number;
  corruption: CorruptionKind;
  level: number;
  optimizer: 'adam' | 'sgd';
  lr: number;
  momentum: number;
  T: number;
  perStep: boolean;
  warmup: number;
  batch: number;
  epochs: number;
  seed: number;
  shuffle: boolean;
}

/** The panel's view of `cfg`; `prefer` names the preset to show when several build the same model. */
export function panelFromConfig(cfg: TrainConfig, prefer?: PanelPreset): PanelConfig {
  const r = recipeOf(cfg.model, prefer === CUSTOM ? undefined : prefer);
  const linears = cfg.model.encoder.filter((l) => l.kind === 'linear');
  const first = linears[0];
  const code = linears[linears.length - 1];
  return {
    preset: r?.preset ?? CUSTOM,
    hidden: r?.hidden ?? (first?.kind === 'linear' ? first.units : 0),
    latent: r?.latent ?? (code?.kind === 'linear' ? code.units : 0),
    dropout: r?.dropout ?? 0,
    loss: cfg.loss,
    sparsity: cfg.sparsity.kind,
    weight: cfg.sparsity.weight,
    rho: cfg.sparsity.rho,
    contractive: cfg.contractive,
    corruption: cfg.corruption.kind,
    level: cfg.corruption.level,
    optimizer: cfg.optimizer.kind,
    lr: cfg.optimizer.lr,
    momentum: cfg.optimizer.momentum,
    T: cfg.schedule.T,
    perStep: cfg.schedule.perStep,
    warmup: cfg.schedule.warmupEpochs,
    batch: cfg.batch,
    epochs: cfg.epochs,
    seed: cfg.seed,
    shuffle: cfg.shuffle,
  };
}

/** The TrainConfig the panel describes, on top of `base` (the active config); throws the recipe's problems. */
export function configFromPanel(p: PanelConfig, base: TrainConfig, inputDim: number): TrainConfig {
  const cfg = structuredClone(base);
  if (p.preset !== CUSTOM) {
    const recipe = { preset: p.preset, hidden: p.hidden, latent: p.latent, dropout: p.dropout };
    const problems = recipeProblems(recipe);
    if (problems.length > 0) throw new Error(problems.join('\n'));
    cfg.model = modelFromRecipe(recipe, inputDim);
  }
  cfg.loss = p.loss;
  cfg.sparsity = { kind: p.sparsity, weight: p.weight, rho: p.rho };
  cfg.contractive = p.contractive;
  cfg.corruption = { kind: p.corruption, level: p.level };
  cfg.optimizer = { ...cfg.optimizer, kind: p.optimizer, lr: p.lr, momentum: p.momentum };
  cfg.schedule = { ...cfg.schedule, T: p.T, perStep: p.perStep, warmupEpochs: p.warmup };
  cfg.batch = p.batch;
  cfg.epochs = p.epochs;
  cfg.seed = p.seed;
  cfg.shuffle = p.shuffle;
  return cfg;
}

/** A preset's full config (every objective and optimiser field too) for images of `inputDim` pixels. */
export function presetConfig(name: PresetName, inputDim: number): TrainConfig {
  return preset(name, undefined, inputDim);
}
