// Model and training configuration as plain data: a layer list per half, objective and optimiser settings.
// Presets are values of these types; the CLI, the page and checkpoints all speak this shape.
import type { SaeKind } from '../ref/sae-kinds.ts';

export { SAE_KINDS, type SaeKind } from '../ref/sae-kinds.ts';

export type ActivationKind = 'identity' | 'relu' | 'leaky_relu' | 'tanh' | 'sigmoid';

export type LayerSpec =
  | { kind: 'linear'; units: number }
  | { kind: 'activation'; fn: ActivationKind; alpha?: number } // alpha: LeakyReLU slope
  | { kind: 'batchnorm' }
  | { kind: 'dropout'; p: number };

export interface ModelConfig {
  inputDim: number; // pixels per image, e.g. 784
  encoder: LayerSpec[]; // the code is the encoder's output
  decoder: LayerSpec[]; // ends at inputDim
}

export type LossKind = 'mse' | 'bce' | 'mae';
export type SparsityKind = 'none' | 'l1' | 'kl';
export type CorruptionKind = 'none' | 'gaussian' | 'salt_pepper' | 'masking' | 'block';

export interface SparsityConfig {
  kind: SparsityKind;
  weight: number; // λ for L1 (λ·mean|h|), β for KL (β·Σ_j KL(ρ‖ρ̂_j))
  rho: number; // KL target activity
}

export interface CorruptionConfig {
  kind: CorruptionKind; // denoising input corruption; the loss is always against the clean input
  level: number; // gaussian: σ; salt_pepper, masking: p; block: side of the square in pixels
}


/** A sparse autoencoder of SAELens's family on vectors (docs/sae.md): when TrainConfig.sae is set, the run trains this
 * instead of the MLP, and `model` is its shape as an MLP (saeModel), derived from it. */
export interface SaeSettings {
  kind: SaeKind;
  dSae: number; // latents
  k: number; // topk: active latents per sample; batchtopk: mean per sample (k·B over the batch)
  kAux: number; // AuxK: dead latents reconstructing the residual (0: off)
  auxWeight: number; // AuxK coefficient
  deadAfter: number; // a latent is dead after this many training samples without firing
  l0Weight: number; // jumprelu: L0 penalty coefficient
  bandwidth: number; // jumprelu: straight-through pseudo-derivative bandwidth
  thresholdInit: number; // jumprelu: initial θ
  l1Weight: number; // l1: λ of λ·Σ_j z_j‖W_dec,j‖
  bDecInit: 'mean' | 'median'; // b_dec from the training vectors: mean or geometric median
  normalize: boolean; // scale the vectors so their mean squared norm is d_in (the factor is recorded and undone on export)
}

export interface TrainConfig {
  model: ModelConfig;
  sae: SaeSettings | null; // null: the MLP autoencoder of `model`
  loss: LossKind;
  sparsity: SparsityConfig;
  contractive: number; // λ of λ·‖J_f(x)‖²_F (batch mean); 0 = off
  contractiveSamples: number; // 0: exact ‖J‖²_F; P > 0: unbiased estimate from P Rademacher projections per sample
  corruption: CorruptionConfig;
  optimizer: { kind: 'adam' | 'sgd'; lr: number; beta1: number; beta2: number; eps: number; momentum: number };
  schedule: { kind: 'cosine' | 'constant'; T: number; perStep: boolean; warmupEpochs: number }; // T, perStep: cosine only
  batchNorm: { eps: number; momentum: number }; // momentum on the new value (PyTorch convention)
  epochs: number;
  batch: number;
  seed: number;
  shuffle: boolean;
}

/** The seed model of SPEC.md: 784-H-Z with LeakyReLU, BatchNorm, Dropout, tanh code, sigmoid output. */
export function seedModel(hidden = 256, latent = 64, dropout = 0.2, inputDim = 784): ModelConfig {
  const half = (out: number, act: LayerSpec): LayerSpec[] => [
    { kind: 'linear', units: hidden },
    { kind: 'activation', fn: 'leaky_relu', alpha: 0.1 },
    { kind: 'batchnorm' },
    { kind: 'dropout', p: dropout },
    { kind: 'linear', units: out },
    act,
  ];
  return {
    inputDim,
    encoder: half(latent, { kind: 'activation', fn: 'tanh' }),
    decoder: half(inputDim, { kind: 'activation', fn: 'sigmoid' }),
  };
}

export function defaultTrainConfig(model: ModelConfig = seedModel()): TrainConfig {
  return {
    model,
    sae: null,
    loss: 'mse',
    sparsity: { kind: 'kl', weight: 1e-3, rho: 0.05 },
    contractive: 0,
    contractiveSamples: 0,
    corruption: { kind: 'none', level: 0 },
    optimizer: { kind: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-7, momentum: 0.9 },
    schedule: { kind: 'cosine', T: 10, perStep: false, warmupEpochs: 0 },
    batchNorm: { eps: 1e-3, momentum: 0.01 },
    epochs: 10,
    batch: 256,
    seed: 0,
    shuffle: true,
  };
}

/** An SAE's shape as an MLP (d_in → d_sae ReLU → d_in): what describes it, counts its FLOPs and names its size. */
export function saeModel(inputDim: number, dSae: number): ModelConfig {
  return { inputDim, encoder: [{ kind: 'linear', units: dSae }, { kind: 'activation', fn: 'relu' }], decoder: [{ kind: 'linear', units: inputDim }] };
}
