// Every training setting, declared once: its CLI flag, URL-hash key, panel label and folder, kind and range, how it
// reads and writes a config, one line of help and when it has an effect. The CLI parser (src/cli/args.ts), the URL
// codec and validateConfig (src/model/validate.ts) and the lil-gui panel (src/app/panel*.ts) are derived from it.
import type { CorruptionKind, LossKind, SparsityKind, TrainConfig } from './config.ts';
import { MAX_UNITS } from './plan.ts';
import { PRESET_NAMES, preset, type PresetName } from './presets.ts';
import { hasDropout, presetRecipe, type ModelRecipe } from './recipe.ts';

export const LOSS_KINDS: readonly LossKind[] = ['mse', 'bce', 'mae'];
export const SPARSITY_KINDS: readonly SparsityKind[] = ['none', 'l1', 'kl'];
export const CORRUPTION_KINDS: readonly CorruptionKind[] = ['none', 'gaussian', 'salt_pepper', 'masking', 'block'];
export const OPTIMIZER_KINDS = ['adam', 'sgd'] as const;

/** --help groups and panel folders, in order (the CLI-only flags add 'data & files', 'device' and 'output'). */
export const TOPICS = ['model', 'objective', 'corruption', 'optimiser & schedule'] as const;
export type Topic = (typeof TOPICS)[number];

/** A config being built: the TrainConfig and the preset recipe behind its model (null: a custom layer list). */
export interface Draft { cfg: TrainConfig; recipe: ModelRecipe | null }

export const presetDraft = (name: PresetName, inputDim = 784): Draft =>
  ({ cfg: preset(name, undefined, inputDim), recipe: presetRecipe(name, inputDim) });

/** A numeric range; `what` and `note` refine the message when the range depends on other settings. */
export interface Bounds { lo: number; hi: number; loOpen?: boolean; hiOpen?: boolean; int?: boolean; what?: string; note?: string }

export type Value = number | string | boolean;
/** Reads another setting's value by key, from whatever a door holds (a draft, the panel's object). */
export type Lookup = (key: string) => Value | undefined;

interface Common<V extends Value> {
  key: string; // URL-hash key and panel field (the keys links used before this table, so old links still work)
  flag: string | null; // CLI flag without '--'; null: not on the command line
  label: string | null; // panel label; null: not on the panel
  topic: Topic; // --help group and panel folder
  what: string; // how messages name it
  arg?: string; // the CLI's placeholder for its value
  help: string; // one line
  range?: string; // the range in words, where it depends on other settings
  get(d: Draft): V | undefined; // undefined: not part of this draft (a recipe setting of a custom layer list)
  set(d: Draft, v: V): void;
  /** null when the setting has an effect; else what it needs, e.g. 'optimizer sgd'. */
  needs?(v: Lookup): string | null;
  /** Its value when `from` was given and it was not: a switched kind never inherits the other kind's value.
   * `freshOnly`: only for doors that build a run from a preset (CLI, URL), not for edits of a live run (panel). */
  follows?: { from: string; value(d: Draft, before: Draft): V; freshOnly?: true };
  resumable?: true; // may accompany --resume: it does not change what is trained
  recipe?: true; // part of the model recipe (absent when the model is a custom layer list)
}
export type NumberSetting = Common<number> & { kind: 'int' | 'number'; bounds(d: Draft): Bounds };
export type EnumSetting = Common<string> & { kind: 'enum'; choices: readonly string[] };
export type BoolSetting = Common<boolean> & { kind: 'bool'; negated?: true }; // negated: the flag turns it off
export type Setting = NumberSetting | EnumSetting | BoolSetting;

const on = <V extends Value>(get: (c: TrainConfig) => V, set: (c: TrainConfig, v: V) => void) =>
  ({ get: (d: Draft) => get(d.cfg), set: (d: Draft, v: V) => set(d.cfg, v) });
const ofRecipe = <K extends 'hidden' | 'latent' | 'dropout'>(k: K) => ({
  recipe: true as const,
  get: (d: Draft) => d.recipe?.[k],
  set: (d: Draft, v: number) => { if (d.recipe) d.recipe[k] = v; },
});
const closed = (lo: number, hi: number) => (): Bounds => ({ lo, hi });
const isPreset = (v: Value | undefined): v is PresetName => PRESET_NAMES.includes(v as PresetName);
const presetModel = (v: Lookup) => (isPreset(v('preset')) ? null : "a preset's model (not a custom layer list)");
const when = (key: string, ok: (v: Value | undefined) => boolean, need: string) => (v: Lookup) => (ok(v(key)) ? null : need);

/** The weight a sparsity kind starts with: that of the preset that introduces it (sae-l1's λ, sae-kl's β). */
export const SPARSITY_WEIGHT: Record<SparsityKind, number> =
  { none: 0, l1: preset('sae-l1').sparsity.weight, kl: preset('sae-kl').sparsity.weight };
/** The level a corruption kind starts with: dae's σ for gaussian; p = 0.2; an 8-pixel square (a stroke's width). */
export const CORRUPTION_LEVEL: Record<CorruptionKind, number> =
  { none: 0, gaussian: preset('dae').corruption.level, salt_pepper: 0.2, masking: 0.2, block: 8 };

export const SETTINGS: readonly Setting[] = [
  { key: 'preset', flag: 'preset', label: 'preset', topic: 'model', what: 'preset', kind: 'enum', choices: PRESET_NAMES,
    help: 'model and objective to start from; every other setting overrides it', recipe: true, get: (d) => d.recipe?.preset,
    set: (d, v) => { if (isPreset(v)) Object.assign(d, presetDraft(v, d.cfg.model.inputDim)); } },
  { key: 'hidden', flag: 'hidden', label: 'hidden width H', topic: 'model', what: 'hidden width H', arg: 'H', kind: 'int',
    help: 'outer hidden layers; inner ones keep their ratio (ae: H-H/2)', bounds: closed(1, MAX_UNITS), needs: presetModel,
    ...ofRecipe('hidden') },
  { key: 'latent', flag: 'latent', label: 'code size Z', topic: 'model', what: 'code size Z', arg: 'Z', kind: 'int',
    help: 'units of the code layer', bounds: closed(1, MAX_UNITS), needs: presetModel, ...ofRecipe('latent') },
  { key: 'dropout', flag: 'dropout', label: 'dropout p', topic: 'model', what: 'dropout p', arg: 'p', kind: 'number',
    help: 'probability of every dropout layer', range: 'in [0, 1); 0 for presets without dropout layers',
    bounds: (d) => (d.recipe && !hasDropout(d.recipe.preset) ? { lo: 0, hi: 0, note: `preset ${d.recipe.preset} has no dropout layer` }
      : { lo: 0, hi: 1, hiOpen: true }),
    needs: (v) => (isPreset(v('preset')) && hasDropout(v('preset') as PresetName) ? null : 'a preset with dropout layers (seed)'),
    ...ofRecipe('dropout') },
  { key: 'loss', flag: 'loss', label: 'reconstruction loss', topic: 'objective', what: 'loss', kind: 'enum', choices: LOSS_KINDS,
    help: 'reconstruction loss; bce from the output logits (needs a sigmoid output)', ...on((c) => c.loss, (c, v) => { c.loss = v as LossKind; }) },
  { key: 'sparsity', flag: 'sparsity', label: 'sparsity', topic: 'objective', what: 'sparsity kind', kind: 'enum', choices: SPARSITY_KINDS,
    help: `penalty on the code: l1 λ·mean|z|, kl β·Σ KL(ρ‖ρ̂_j) (kl needs a tanh or sigmoid code)`,
    ...on((c) => c.sparsity.kind, (c, v) => { c.sparsity.kind = v as SparsityKind; }) },
  { key: 'weight', flag: 'sparsity-weight', label: 'sparsity weight β / λ', topic: 'objective', what: 'sparsity weight', arg: 'w',
    kind: 'number', bounds: closed(0, 1e6), needs: when('sparsity', (k) => k !== 'none', 'sparsity l1 or kl'),
    help: `λ or β; switching the kind starts from that kind's weight (l1 ${SPARSITY_WEIGHT.l1}, kl ${SPARSITY_WEIGHT.kl})`,
    follows: { from: 'sparsity', value: (d, b) => (d.cfg.sparsity.kind === b.cfg.sparsity.kind ? b.cfg.sparsity.weight : SPARSITY_WEIGHT[d.cfg.sparsity.kind] ?? 0) },
    ...on((c) => c.sparsity.weight, (c, v) => { c.sparsity.weight = v; }) },
  { key: 'rho', flag: 'rho', label: 'ρ (KL target activity)', topic: 'objective', what: 'ρ (target activity)', arg: 'ρ', kind: 'number',
    help: 'target mean code activity of the KL penalty', bounds: () => ({ lo: 0, hi: 1, loOpen: true, hiOpen: true }),
    needs: when('sparsity', (k) => k === 'kl', 'sparsity kl'), ...on((c) => c.sparsity.rho, (c, v) => { c.sparsity.rho = v; }) },
  { key: 'contractive', flag: 'contractive', label: 'contractive λ', topic: 'objective', what: 'contractive λ', arg: 'λ', kind: 'number',
    help: 'weight of the contractive penalty λ·‖J_f(x)‖²_F (batch mean); 0 turns it off', bounds: closed(0, 1e6),
    ...on((c) => c.contractive, (c, v) => { c.contractive = v; }) },
  { key: 'jacobianSamples', flag: 'contractive-samples', label: 'contractive samples P', topic: 'objective', what: 'contractive samples P',
    arg: 'P', kind: 'int', help: '0: exact ‖J‖²; P > 0: unbiased estimate from P random projections, Z/P times cheaper',
    bounds: closed(0, 4096), needs: when('contractive', (l) => (l as number) > 0, 'contractive λ > 0'),
    ...on((c) => c.contractiveSamples, (c, v) => { c.contractiveSamples = v; }) },
  { key: 'corruption', flag: 'noise', label: 'kind', topic: 'corruption', what: 'corruption', kind: 'enum', choices: CORRUPTION_KINDS,
    help: 'denoising: corrupt the input, reconstruct the clean one', ...on((c) => c.corruption.kind, (c, v) => { c.corruption.kind = v as CorruptionKind; }) },
  { key: 'level', flag: 'noise-level', label: 'level (σ, p or side)', topic: 'corruption', what: 'corruption level', arg: 'x', kind: 'number',
    help: `σ, p or square side; switching the kind starts from its level (${Object.entries(CORRUPTION_LEVEL).slice(1).map(([k, l]) => `${k} ${l}`).join(', ')})`,
    range: 'gaussian σ in [0, 10]; salt_pepper, masking p in [0, 1]; block side 1 to the image side', bounds: levelBounds,
    needs: when('corruption', (k) => k !== 'none', 'a corruption (kind other than none)'),
    follows: { from: 'corruption', value: (d, b) => (d.cfg.corruption.kind === b.cfg.corruption.kind ? b.cfg.corruption.level : CORRUPTION_LEVEL[d.cfg.corruption.kind] ?? 0) },
    ...on((c) => c.corruption.level, (c, v) => { c.corruption.level = v; }) },
  { key: 'optimizer', flag: 'optimizer', label: 'optimiser', topic: 'optimiser & schedule', what: 'optimizer', kind: 'enum', choices: OPTIMIZER_KINDS,
    help: 'Adam, or SGD with momentum', ...on((c) => c.optimizer.kind, (c, v) => { c.optimizer.kind = v as 'adam' | 'sgd'; }) },
  { key: 'lr', flag: 'lr', label: 'η0 (learning rate)', topic: 'optimiser & schedule', what: 'learning rate η0', arg: 'η0', kind: 'number',
    help: 'initial learning rate of the cosine schedule', bounds: () => ({ lo: 0, hi: 10, loOpen: true }), ...on((c) => c.optimizer.lr, (c, v) => { c.optimizer.lr = v; }) },
  ...(['beta1', 'beta2'] as const).map((k, i): Setting => ({ key: k, flag: null, label: null, topic: 'optimiser & schedule', what: `Adam β${i + 1}`,
    kind: 'number', help: `Adam's decay of the ${i ? 'second' : 'first'} moment`, bounds: () => ({ lo: 0, hi: 1, hiOpen: true }),
    needs: when('optimizer', (o) => o === 'adam', 'optimizer adam'), ...on((c) => c.optimizer[k], (c, v) => { c.optimizer[k] = v; }) })),
  { key: 'eps', flag: null, label: null, topic: 'optimiser & schedule', what: 'Adam ε', kind: 'number', help: "Adam's denominator guard",
    bounds: () => ({ lo: 0, hi: 1, loOpen: true }), needs: when('optimizer', (o) => o === 'adam', 'optimizer adam'),
    ...on((c) => c.optimizer.eps, (c, v) => { c.optimizer.eps = v; }) },
  { key: 'momentum', flag: 'momentum', label: 'momentum (SGD)', topic: 'optimiser & schedule', what: 'momentum', arg: 'm', kind: 'number',
    help: 'SGD momentum', bounds: () => ({ lo: 0, hi: 1, hiOpen: true }), needs: when('optimizer', (o) => o === 'sgd', 'optimizer sgd'),
    ...on((c) => c.optimizer.momentum, (c, v) => { c.optimizer.momentum = v; }) },
  { key: 'T', flag: 'lr-T', label: 'cosine period T (epochs)', topic: 'optimiser & schedule', what: 'cosine period T', arg: 'T', kind: 'number',
    help: 'cosine period in epochs; a new run without it takes T = epochs', bounds: () => ({ lo: 0, hi: 1e9, loOpen: true }),
    follows: { from: 'epochs', value: (d) => d.cfg.epochs, freshOnly: true }, ...on((c) => c.schedule.T, (c, v) => { c.schedule.T = v; }) },
  { key: 'perStep', flag: 'lr-per-step', label: 'decay every step', topic: 'optimiser & schedule', what: 'per-step decay', kind: 'bool',
    help: 'decay the learning rate every step instead of every epoch', ...on((c) => c.schedule.perStep, (c, v) => { c.schedule.perStep = v; }) },
  { key: 'warmup', flag: 'warmup', label: 'warm-up epochs', topic: 'optimiser & schedule', what: 'warm-up epochs', arg: 'E', kind: 'int',
    help: 'linear warm-up over the first E epochs', range: 'an integer from 0 to the epochs',
    bounds: (d) => ({ lo: 0, hi: d.cfg.epochs, note: 'at most the epochs' }), ...on((c) => c.schedule.warmupEpochs, (c, v) => { c.schedule.warmupEpochs = v; }) },
  { key: 'bnEps', flag: null, label: null, topic: 'model', what: 'BatchNorm ε', kind: 'number', help: "BatchNorm's variance guard",
    bounds: () => ({ lo: 0, hi: 1, loOpen: true }), ...on((c) => c.batchNorm.eps, (c, v) => { c.batchNorm.eps = v; }) },
  { key: 'bnMomentum', flag: null, label: null, topic: 'model', what: 'BatchNorm momentum', kind: 'number',
    help: 'weight of the new batch in the running statistics (PyTorch convention)', bounds: closed(0, 1),
    ...on((c) => c.batchNorm.momentum, (c, v) => { c.batchNorm.momentum = v; }) },
  { key: 'epochs', flag: 'epochs', label: 'epochs', topic: 'optimiser & schedule', what: 'epochs', arg: 'N', kind: 'int', resumable: true,
    help: 'epochs to train (with --resume: in total)', bounds: closed(1, 100000), ...on((c) => c.epochs, (c, v) => { c.epochs = v; }) },
  { key: 'batch', flag: 'batch', label: 'batch', topic: 'optimiser & schedule', what: 'batch', arg: 'B', kind: 'int', help: 'samples per step',
    bounds: () => ({ lo: 2, hi: 65536, note: 'BatchNorm needs 2 samples' }), ...on((c) => c.batch, (c, v) => { c.batch = v; }) },
  { key: 'seed', flag: 'seed', label: 'seed', topic: 'optimiser & schedule', what: 'seed', arg: 'S', kind: 'int',
    help: 'run seed: initialisation, shuffling, dropout, corruption', bounds: closed(0, 0xffffffff), ...on((c) => c.seed, (c, v) => { c.seed = v; }) },
  { key: 'shuffle', flag: 'no-shuffle', label: 'shuffle', topic: 'optimiser & schedule', what: 'shuffle', kind: 'bool', negated: true,
    help: 'reshuffle the training set every epoch (--no-shuffle keeps the order fixed)', ...on((c) => c.shuffle, (c, v) => { c.shuffle = v; }) },
];

function levelBounds(d: Draft): Bounds {
  const c = d.cfg.corruption;
  const side = Math.floor(Math.sqrt(d.cfg.model?.inputDim ?? 0));
  switch (c?.kind) {
    case 'gaussian': return { lo: 0, hi: 10, what: 'gaussian noise σ' };
    case 'salt_pepper': case 'masking': return { lo: 0, hi: 1, what: `${c.kind} probability` };
    case 'block': return { lo: 1, hi: side, int: true, what: 'block side in pixels', note: 'at most the image side' };
    default: return { lo: 0, hi: 1e6 };
  }
}

export const settingByKey = new Map(SETTINGS.map((s) => [s.key, s]));
