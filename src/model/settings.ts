// Every training setting, declared once: its CLI flag, URL-hash key, panel label and folder, kind and range, how it
// reads and writes a config, one line of help and when it has an effect. The CLI parser (src/cli/args.ts), the URL
// codec and validateConfig (src/model/validate.ts) and the lil-gui panel (src/app/panel*.ts) are derived from it.
import type { CorruptionKind, LossKind, SparsityKind, TrainConfig } from './config.ts';
import { MAX_UNITS } from './plan.ts';
import { isSaePreset, PRESET_NAMES, preset, type PresetName } from './presets.ts';
import { hasDropout, presetRecipe, type ModelRecipe } from './recipe.ts';
import { SAE_SETTINGS, SAE_TOPIC } from './sae-settings.ts';

export const LOSS_KINDS: readonly LossKind[] = ['mse', 'bce', 'mae'];
export const SPARSITY_KINDS: readonly SparsityKind[] = ['none', 'l1', 'kl'];
export const CORRUPTION_KINDS: readonly CorruptionKind[] = ['none', 'gaussian', 'salt_pepper', 'masking', 'block'];
export const OPTIMIZER_KINDS = ['adam', 'sgd'] as const;

/** --help groups and panel folders, in order (the CLI-only flags add 'data & files', 'device' and 'output'). */
export const TOPICS = ['model', SAE_TOPIC, 'objective', 'corruption', 'optimiser & schedule'] as const;
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
  sae?: true; // part of TrainConfig.sae (absent when the model is not a sparse autoencoder)
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
  set: (d: Draft, v: number) => { if (d.recipe && !isSaePreset(d.recipe.preset)) d.recipe[k] = v; }, // an SAE's: --d-sae
});
/** A fixed range; `ends` says which ends are open: '[]', '(]', '[)', '()'. */
const span = (lo: number, hi: number, ends = '[]') => (): Bounds => ({ lo, hi, loOpen: ends[0] === '(', hiOpen: ends[1] === ')' });
const isPreset = (v: Value | undefined): v is PresetName => PRESET_NAMES.includes(v as PresetName);
const presetModel = (v: Lookup) => (isSaePreset(v('preset')) ? 'an autoencoder preset (an SAE has --d-sae)'
  : isPreset(v('preset')) ? null : "a preset's model (not a custom layer list)");
const when = (key: string, ok: (v: Value | undefined) => boolean, need: string) => (v: Lookup) => (ok(v(key)) ? null : need);
const OPT = 'optimiser & schedule';

/** The weight a sparsity kind starts with: that of the preset that introduces it (sae-l1's λ, sae-kl's β). */
export const SPARSITY_WEIGHT: Record<SparsityKind, number> =
  { none: 0, l1: preset('sae-l1').sparsity.weight, kl: preset('sae-kl').sparsity.weight };
/** The level a corruption kind starts with: dae's σ for gaussian; p = 0.2; an 8-pixel square (a stroke's width). */
export const CORRUPTION_LEVEL: Record<CorruptionKind, number> =
  { none: 0, gaussian: preset('dae').corruption.level, salt_pepper: 0.2, masking: 0.2, block: 8 };
/** A follower of a kind: the same kind keeps the value it had, a switched kind starts from its own. */
const kindStart = (kind: (c: TrainConfig) => string, value: (c: TrainConfig) => number, starts: Record<string, number>) =>
  (d: Draft, before: Draft) => (kind(d.cfg) === kind(before.cfg) ? value(before.cfg) : starts[kind(d.cfg)] ?? 0);
const startsFrom = (levels: Record<string, number>) => Object.entries(levels).slice(1).map(([k, l]) => `${k} ${l}`).join(', ');

export const SETTINGS: readonly Setting[] = [
  {
    key: 'preset', flag: 'preset', label: 'preset', topic: 'model', what: 'preset', kind: 'enum', choices: PRESET_NAMES,
    help: 'model and objective to start from; every other setting overrides it', recipe: true,
    get: (d) => d.recipe?.preset, set: (d, v) => { if (isPreset(v)) Object.assign(d, presetDraft(v, d.cfg.model.inputDim)); },
  },
  {
    key: 'hidden', flag: 'hidden', label: 'hidden width H', topic: 'model', what: 'hidden width H', arg: 'H', kind: 'int',
    bounds: span(1, MAX_UNITS), needs: presetModel, help: 'outer hidden layers; inner ones keep their ratio (ae: H-H/2)',
    ...ofRecipe('hidden'),
  },
  {
    key: 'latent', flag: 'latent', label: 'code size Z', topic: 'model', what: 'code size Z', arg: 'Z', kind: 'int',
    bounds: span(1, MAX_UNITS), needs: presetModel, help: 'units of the code layer', ...ofRecipe('latent'),
  },
  {
    key: 'dropout', flag: 'dropout', label: 'dropout p', topic: 'model', what: 'dropout p', arg: 'p', kind: 'number',
    bounds: (d) => (d.recipe && !hasDropout(d.recipe.preset)
      ? { lo: 0, hi: 0, note: `preset ${d.recipe.preset} has no dropout layer` } : { lo: 0, hi: 1, hiOpen: true }),
    range: 'in [0, 1); 0 for presets without dropout layers',
    needs: (v) => (isPreset(v('preset')) && hasDropout(v('preset') as PresetName) ? null : 'a preset with dropout layers (seed)'),
    help: 'probability of every dropout layer', ...ofRecipe('dropout'),
  },
  ...SAE_SETTINGS,
  {
    key: 'loss', flag: 'loss', label: 'reconstruction loss', topic: 'objective', what: 'loss', kind: 'enum', choices: LOSS_KINDS,
    help: 'reconstruction loss; bce from the output logits (needs a sigmoid output)',
    ...on((c) => c.loss, (c, v) => { c.loss = v as LossKind; }),
  },
  {
    key: 'sparsity', flag: 'sparsity', label: 'sparsity', topic: 'objective', what: 'sparsity kind', kind: 'enum',
    choices: SPARSITY_KINDS,
    help: 'penalty on the code: l1 λ·mean|z|, kl β·Σ KL(ρ‖ρ̂_j) (kl needs a tanh or sigmoid code)',
    ...on((c) => c.sparsity.kind, (c, v) => { c.sparsity.kind = v as SparsityKind; }),
  },
  {
    key: 'weight', flag: 'sparsity-weight', label: 'sparsity weight β / λ', topic: 'objective', what: 'sparsity weight', arg: 'w',
    kind: 'number', bounds: span(0, 1e6), needs: when('sparsity', (k) => k !== 'none', 'sparsity l1 or kl'),
    help: `λ or β; switching the kind starts from that kind's weight (${startsFrom(SPARSITY_WEIGHT)})`,
    follows: { from: 'sparsity', value: kindStart((c) => c.sparsity.kind, (c) => c.sparsity.weight, SPARSITY_WEIGHT) },
    ...on((c) => c.sparsity.weight, (c, v) => { c.sparsity.weight = v; }),
  },
  {
    key: 'rho', flag: 'rho', label: 'ρ (KL target activity)', topic: 'objective', what: 'ρ (target activity)', arg: 'ρ', kind: 'number',
    bounds: span(0, 1, '()'), needs: when('sparsity', (k) => k === 'kl', 'sparsity kl'), help: 'target mean code activity of the KL penalty',
    ...on((c) => c.sparsity.rho, (c, v) => { c.sparsity.rho = v; }),
  },
  {
    key: 'contractive', flag: 'contractive', label: 'contractive λ', topic: 'objective', what: 'contractive λ', arg: 'λ', kind: 'number',
    bounds: span(0, 1e6), help: 'weight of the contractive penalty λ·‖J_f(x)‖²_F (batch mean); 0 turns it off',
    ...on((c) => c.contractive, (c, v) => { c.contractive = v; }),
  },
  {
    key: 'jacobianSamples', flag: 'contractive-samples', label: 'contractive samples P', topic: 'objective',
    what: 'contractive samples P', arg: 'P', kind: 'int', bounds: span(0, 4096), needs: when('contractive', (l) => (l as number) > 0, 'contractive λ > 0'),
    help: '0: exact ‖J‖²; P > 0: unbiased estimate from P random projections, Z/P times cheaper',
    ...on((c) => c.contractiveSamples, (c, v) => { c.contractiveSamples = v; }),
  },
  {
    key: 'corruption', flag: 'noise', label: 'kind', topic: 'corruption', what: 'corruption', kind: 'enum', choices: CORRUPTION_KINDS,
    help: 'denoising: corrupt the input, reconstruct the clean one',
    ...on((c) => c.corruption.kind, (c, v) => { c.corruption.kind = v as CorruptionKind; }),
  },
  {
    key: 'level', flag: 'noise-level', label: 'level (σ, p or side)', topic: 'corruption', what: 'corruption level', arg: 'x', kind: 'number',
    bounds: levelBounds, range: 'gaussian σ in [0, 10]; salt_pepper, masking p in [0, 1]; block side 1 to the image side',
    needs: when('corruption', (k) => k !== 'none', 'a corruption (kind other than none)'),
    help: `σ, p or square side; switching the kind starts from its level (${startsFrom(CORRUPTION_LEVEL)})`,
    follows: { from: 'corruption', value: kindStart((c) => c.corruption.kind, (c) => c.corruption.level, CORRUPTION_LEVEL) },
    ...on((c) => c.corruption.level, (c, v) => { c.corruption.level = v; }),
  },
  {
    key: 'optimizer', flag: 'optimizer', label: 'optimiser', topic: OPT, what: 'optimizer', kind: 'enum', choices: OPTIMIZER_KINDS,
    help: 'Adam, or SGD with momentum', ...on((c) => c.optimizer.kind, (c, v) => { c.optimizer.kind = v as 'adam' | 'sgd'; }),
  },
  {
    key: 'lr', flag: 'lr', label: 'η0 (learning rate)', topic: OPT, what: 'learning rate η0', arg: 'η0', kind: 'number',
    bounds: span(0, 10, '(]'), help: 'initial learning rate of the schedule',
    ...on((c) => c.optimizer.lr, (c, v) => { c.optimizer.lr = v; }),
  },
  ...(['beta1', 'beta2'] as const).map((k, i): Setting => ({
    key: k, flag: null, label: null, topic: OPT, what: `Adam β${i + 1}`, kind: 'number', bounds: span(0, 1, '[)'),
    needs: when('optimizer', (o) => o === 'adam', 'optimizer adam'), help: `Adam's decay of the ${i ? 'second' : 'first'} moment`,
    ...on((c) => c.optimizer[k], (c, v) => { c.optimizer[k] = v; }),
  })),
  {
    key: 'eps', flag: null, label: null, topic: OPT, what: 'Adam ε', kind: 'number', bounds: span(0, 1, '(]'),
    needs: when('optimizer', (o) => o === 'adam', 'optimizer adam'), help: "Adam's denominator guard",
    ...on((c) => c.optimizer.eps, (c, v) => { c.optimizer.eps = v; }),
  },
  {
    key: 'momentum', flag: 'momentum', label: 'momentum (SGD)', topic: OPT, what: 'momentum', arg: 'm', kind: 'number',
    bounds: span(0, 1, '[)'), needs: when('optimizer', (o) => o === 'sgd', 'optimizer sgd'), help: 'SGD momentum',
    ...on((c) => c.optimizer.momentum, (c, v) => { c.optimizer.momentum = v; }),
  },
  {
    key: 'schedule', flag: 'lr-schedule', label: 'schedule', topic: OPT, what: 'learning-rate schedule', kind: 'enum', choices: ['cosine', 'constant'],
    help: 'cosine decay of η0 over T epochs, or constant η0 (the SAE presets: SAELens\'s default)',
    ...on((c) => c.schedule.kind, (c, v) => { c.schedule.kind = v as 'cosine' | 'constant'; }),
  },
  {
    key: 'T', flag: 'lr-T', label: 'cosine period T (epochs)', topic: OPT, what: 'cosine period T', arg: 'T', kind: 'number',
    bounds: span(0, 1e9, '(]'), resumable: true, needs: when('schedule', (k) => k === 'cosine', 'schedule cosine'),
    help: 'cosine period in epochs; a new run without it takes T = epochs (with --resume: a recorded schedule change)',
    follows: { from: 'epochs', value: (d) => d.cfg.epochs, freshOnly: true },
    ...on((c) => c.schedule.T, (c, v) => { c.schedule.T = v; }),
  },
  {
    key: 'perStep', flag: 'lr-per-step', label: 'decay every step', topic: OPT, what: 'per-step decay', kind: 'bool',
    help: 'decay the learning rate every step instead of every epoch',
    ...on((c) => c.schedule.perStep, (c, v) => { c.schedule.perStep = v; }),
  },
  {
    key: 'warmup', flag: 'warmup', label: 'warm-up epochs', topic: OPT, what: 'warm-up epochs', arg: 'E', kind: 'int',
    bounds: (d) => ({ lo: 0, hi: d.cfg.epochs, note: 'at most the epochs' }), range: 'an integer from 0 to the epochs',
    help: 'linear warm-up over the first E epochs', ...on((c) => c.schedule.warmupEpochs, (c, v) => { c.schedule.warmupEpochs = v; }),
  },
  {
    key: 'bnEps', flag: null, label: null, topic: 'model', what: 'BatchNorm ε', kind: 'number', bounds: span(0, 1, '(]'),
    help: "BatchNorm's variance guard", ...on((c) => c.batchNorm.eps, (c, v) => { c.batchNorm.eps = v; }),
  },
  {
    key: 'bnMomentum', flag: null, label: null, topic: 'model', what: 'BatchNorm momentum', kind: 'number', bounds: span(0, 1),
    help: 'weight of the new batch in the running statistics (PyTorch convention)',
    ...on((c) => c.batchNorm.momentum, (c, v) => { c.batchNorm.momentum = v; }),
  },
  {
    key: 'epochs', flag: 'epochs', label: 'epochs', topic: OPT, what: 'epochs', arg: 'N', kind: 'int', bounds: span(1, 100000),
    resumable: true, help: 'epochs to train (with --resume: in total)', ...on((c) => c.epochs, (c, v) => { c.epochs = v; }),
  },
  {
    key: 'batch', flag: 'batch', label: 'batch', topic: OPT, what: 'batch', arg: 'B', kind: 'int',
    bounds: () => ({ lo: 2, hi: 65536, note: 'BatchNorm needs 2 samples' }), help: 'samples per step',
    ...on((c) => c.batch, (c, v) => { c.batch = v; }),
  },
  {
    key: 'seed', flag: 'seed', label: 'seed', topic: OPT, what: 'seed', arg: 'S', kind: 'int', bounds: span(0, 0xffffffff),
    help: 'run seed: initialisation, shuffling, dropout, corruption', ...on((c) => c.seed, (c, v) => { c.seed = v; }),
  },
  {
    key: 'shuffle', flag: 'no-shuffle', label: 'shuffle', topic: OPT, what: 'shuffle', kind: 'bool', negated: true,
    help: 'reshuffle the training set every epoch (--no-shuffle keeps the order fixed)',
    ...on((c) => c.shuffle, (c, v) => { c.shuffle = v; }),
  },
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
