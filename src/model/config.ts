// Model and training configuration as plain data: a layer list per half, objective and optimiser settings.
// Presets are values of these types; the CLI, the page and checkpoints all speak this shape.

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

export interface TrainConfig {
  model: ModelConfig;
  loss: LossKind;
  sparsity: SparsityConfig;
  contractive: number; // λ of λ·‖J_f(x)‖²_F (batch mean); 0 = off
  contractiveSamples: number; // 0: exact ‖J‖²_F; P > 0: unbiased estimate from P Rademacher projections per sample
  corruption: CorruptionConfig;
  optimizer: { kind: 'adam' | 'sgd'; lr: number; beta1: number; beta2: number; eps: number; momentum: number };
  schedule: { kind: 'cosine'; T: number; perStep: boolean; warmupEpochs: number };
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
