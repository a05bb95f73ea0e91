// One place that says which TrainConfigs are valid (kinds and ranges), and the URL-hash form of a config that the
// page uses for shareable links: `#preset=seed&hidden=256&latent=64&…&loss=mse&…` (or `layers=…` for a model that
// no preset recipe builds). A config with problems is never used: callers show the problems instead.
import type { CorruptionKind, LossKind, SparsityKind, TrainConfig } from './config.ts';
import { buildPlan } from './plan.ts';
import { PRESET_NAMES, preset, type PresetName } from './presets.ts';
import { hasDropout, layersFromString, layersToString, modelFromRecipe, presetRecipe, recipeOf, type ModelRecipe } from './recipe.ts';

export const LOSS_KINDS: readonly LossKind[] = ['mse', 'bce', 'mae'];
export const SPARSITY_KINDS: readonly SparsityKind[] = ['none', 'l1', 'kl'];
export const CORRUPTION_KINDS: readonly CorruptionKind[] = ['none', 'gaussian', 'salt_pepper', 'masking', 'block'];
export const OPTIMIZER_KINDS = ['adam', 'sgd'] as const;
export const MAX_UNITS = 16384;

const isInt = (v: unknown, lo: number, hi: number) => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
const inRange = (v: unknown, lo: number, hi: number, loOpen = false, hiOpen = false) =>
  typeof v === 'number' && Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
const oneOf = <T>(v: unknown, kinds: readonly T[]) => kinds.includes(v as T);

/** Every problem with `cfg`, as short sentences naming the field; empty when the config is valid. */
export function validateConfig(cfg: TrainConfig): string[] {
  const p: string[] = [];
  const need = (ok: boolean, msg: string) => { if (!ok) p.push(msg); };
  try {
    buildPlan(cfg.model);
    for (const l of [...cfg.model.encoder, ...cfg.model.decoder]) {
      if (l.kind === 'linear') need(l.units <= MAX_UNITS, `model: a linear layer of ${l.units} units is over the ${MAX_UNITS} limit`);
    }
  } catch (e) {
    p.push(`model: ${(e as Error).message}`);
  }
  need(oneOf(cfg.loss, LOSS_KINDS), `loss must be one of ${LOSS_KINDS.join(', ')}, got ${JSON.stringify(cfg.loss)}`);
  const s = cfg.sparsity;
  need(oneOf(s?.kind, SPARSITY_KINDS), `sparsity kind must be one of ${SPARSITY_KINDS.join(', ')}, got ${JSON.stringify(s?.kind)}`);
  need(inRange(s?.weight, 0, 1e6), `sparsity weight must be a number in [0, 1e6], got ${s?.weight}`);
  need(inRange(s?.rho, 0, 1, true, true), `ρ (target activity) must be strictly between 0 and 1, got ${s?.rho}`);
  need(inRange(cfg.contractive, 0, 1e6), `contractive λ must be a number in [0, 1e6], got ${cfg.contractive}`);
  need(isInt(cfg.contractiveSamples, 0, 4096), `contractive samples must be an integer from 0 (exact) to 4096, got ${cfg.contractiveSamples}`);
  const c = cfg.corruption;
  need(oneOf(c?.kind, CORRUPTION_KINDS), `corruption must be one of ${CORRUPTION_KINDS.join(', ')}, got ${JSON.stringify(c?.kind)}`);
  const side = Math.floor(Math.sqrt(cfg.model?.inputDim ?? 0));
  if (c?.kind === 'gaussian') need(inRange(c.level, 0, 10), `gaussian noise σ must be in [0, 10], got ${c.level}`);
  else if (c?.kind === 'salt_pepper' || c?.kind === 'masking') need(inRange(c.level, 0, 1), `${c.kind} probability must be in [0, 1], got ${c.level}`);
  else if (c?.kind === 'block') need(isInt(c.level, 1, side), `block side must be an integer number of pixels from 1 to ${side}, got ${c.level}`);
  else need(inRange(c?.level, 0, 1e6), `corruption level must be a number ≥ 0, got ${c?.level}`);
  const o = cfg.optimizer;
  need(oneOf(o?.kind, OPTIMIZER_KINDS), `optimizer must be adam or sgd, got ${JSON.stringify(o?.kind)}`);
  need(inRange(o?.lr, 0, 10, true), `learning rate η0 must be in (0, 10], got ${o?.lr}`);
  need(inRange(o?.beta1, 0, 1, false, true), `Adam β1 must be in [0, 1), got ${o?.beta1}`);
  need(inRange(o?.beta2, 0, 1, false, true), `Adam β2 must be in [0, 1), got ${o?.beta2}`);
  need(inRange(o?.eps, 0, 1, true), `Adam ε must be in (0, 1], got ${o?.eps}`);
  need(inRange(o?.momentum, 0, 1, false, true), `momentum must be in [0, 1), got ${o?.momentum}`);
  const sc = cfg.schedule;
  need(sc?.kind === 'cosine', `schedule must be cosine, got ${JSON.stringify(sc?.kind)}`);
  need(inRange(sc?.T, 0, 1e9, true), `cosine period T must be a number of epochs > 0, got ${sc?.T}`);
  need(typeof sc?.perStep === 'boolean', 'schedule perStep must be true or false');
  need(isInt(cfg.epochs, 1, 100000), `epochs must be an integer from 1 to 100000, got ${cfg.epochs}`);
  need(isInt(sc?.warmupEpochs, 0, cfg.epochs), `warm-up must be an integer number of epochs from 0 to epochs (${cfg.epochs}), got ${sc?.warmupEpochs}`);
  need(inRange(cfg.batchNorm?.eps, 0, 1, true), `BatchNorm ε must be in (0, 1], got ${cfg.batchNorm?.eps}`);
  need(inRange(cfg.batchNorm?.momentum, 0, 1), `BatchNorm momentum must be in [0, 1], got ${cfg.batchNorm?.momentum}`);
  need(isInt(cfg.batch, 2, 65536), `batch must be an integer from 2 to 65536 (BatchNorm needs 2 samples), got ${cfg.batch}`);
  need(isInt(cfg.seed, 0, 0xffffffff), `seed must be an integer from 0 to 4294967295, got ${cfg.seed}`);
  need(typeof cfg.shuffle === 'boolean', 'shuffle must be true or false');
  return p;
}

/** Ranges of a recipe's numbers, checked before they are scaled into layer widths. */
export function recipeProblems(r: ModelRecipe): string[] {
  const p: string[] = [];
  if (!isInt(r.hidden, 1, MAX_UNITS)) p.push(`hidden must be an integer from 1 to ${MAX_UNITS}, got ${r.hidden}`);
  if (!isInt(r.latent, 1, MAX_UNITS)) p.push(`latent must be an integer from 1 to ${MAX_UNITS}, got ${r.latent}`);
  if (!hasDropout(r.preset)) {
    if (r.dropout !== 0) p.push(`dropout: preset ${r.preset} has no dropout layer (give 0), got ${r.dropout}`);
  } else if (!inRange(r.dropout, 0, 1, false, true)) p.push(`dropout must be in [0, 1), got ${r.dropout}`);
  return p;
}

type Field = { get(c: TrainConfig): number | string | boolean; set(c: TrainConfig, v: string): void };

const num = (key: string, v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new Error(`${key}=${JSON.stringify(v)} is not a number`);
  return n;
};
const bool = (key: string, v: string): boolean => {
  if (v === '1' || v === 'true') return true;
  if (v === '0' || v === 'false') return false;
  throw new Error(`${key}=${JSON.stringify(v)} must be 1 or 0`);
};

/** Every config field but the model, by hash key, in the order links spell them. Kinds are set as given and
 * checked by validateConfig. */
const FIELDS: Record<string, Field> = {
  loss: { get: (c) => c.loss, set: (c, v) => { c.loss = v as LossKind; } },
  sparsity: { get: (c) => c.sparsity.kind, set: (c, v) => { c.sparsity.kind = v as SparsityKind; } },
  weight: { get: (c) => c.sparsity.weight, set: (c, v) => { c.sparsity.weight = num('weight', v); } },
  rho: { get: (c) => c.sparsity.rho, set: (c, v) => { c.sparsity.rho = num('rho', v); } },
  contractive: { get: (c) => c.contractive, set: (c, v) => { c.contractive = num('contractive', v); } },
  jacobianSamples: { get: (c) => c.contractiveSamples, set: (c, v) => { c.contractiveSamples = num('jacobianSamples', v); } },
  corruption: { get: (c) => c.corruption.kind, set: (c, v) => { c.corruption.kind = v as CorruptionKind; } },
  level: { get: (c) => c.corruption.level, set: (c, v) => { c.corruption.level = num('level', v); } },
  optimizer: { get: (c) => c.optimizer.kind, set: (c, v) => { c.optimizer.kind = v as 'adam' | 'sgd'; } },
  lr: { get: (c) => c.optimizer.lr, set: (c, v) => { c.optimizer.lr = num('lr', v); } },
  beta1: { get: (c) => c.optimizer.beta1, set: (c, v) => { c.optimizer.beta1 = num('beta1', v); } },
  beta2: { get: (c) => c.optimizer.beta2, set: (c, v) => { c.optimizer.beta2 = num('beta2', v); } },
  eps: { get: (c) => c.optimizer.eps, set: (c, v) => { c.optimizer.eps = num('eps', v); } },
  momentum: { get: (c) => c.optimizer.momentum, set: (c, v) => { c.optimizer.momentum = num('momentum', v); } },
  T: { get: (c) => c.schedule.T, set: (c, v) => { c.schedule.T = num('T', v); } },
  perStep: { get: (c) => c.schedule.perStep, set: (c, v) => { c.schedule.perStep = bool('perStep', v); } },
  warmup: { get: (c) => c.schedule.warmupEpochs, set: (c, v) => { c.schedule.warmupEpochs = num('warmup', v); } },
  bnEps: { get: (c) => c.batchNorm.eps, set: (c, v) => { c.batchNorm.eps = num('bnEps', v); } },
  bnMomentum: { get: (c) => c.batchNorm.momentum, set: (c, v) => { c.batchNorm.momentum = num('bnMomentum', v); } },
  epochs: { get: (c) => c.epochs, set: (c, v) => { c.epochs = num('epochs', v); } },
  batch: { get: (c) => c.batch, set: (c, v) => { c.batch = num('batch', v); } },
  seed: { get: (c) => c.seed, set: (c, v) => { c.seed = num('seed', v); } },
  shuffle: { get: (c) => c.shuffle, set: (c, v) => { c.shuffle = bool('shuffle', v); } },
};
const RECIPE_KEYS = ['preset', 'hidden', 'latent', 'dropout'] as const;

const encode = (v: string) => encodeURIComponent(v).replace(/%2C/g, ',');
const show = (v: number | string | boolean) => (typeof v === 'boolean' ? (v ? '1' : '0') : String(v));

/** The hash (without '#') for `cfg`: the model as a preset recipe when one builds it (`prefer` first), else as
 * `layers=`; then every other field. String(number) round-trips exactly, so configFromHash (given the same input
 * width, which comes from the data) restores `cfg`. */
export function hashFromConfig(cfg: TrainConfig, prefer?: PresetName): string {
  const r = recipeOf(cfg.model, prefer);
  const parts = r
    ? RECIPE_KEYS.map((k) => `${k}=${encode(String(r[k]))}`)
    : [`layers=${encode(layersToString(cfg.model))}`];
  for (const [key, f] of Object.entries(FIELDS)) parts.push(`${key}=${encode(show(f.get(cfg)))}`);
  return parts.join('&');
}

/** Read a hash (with or without '#'). Missing fields come from the named preset (default `seed`); the result is
 * usable only when `problems` is empty (unknown keys, unreadable values and validateConfig's findings). */
export function configFromHash(hash: string, inputDim = 784): { config: TrainConfig; problems: string[]; preset: PresetName | null } {
  const problems: string[] = [];
  const pairs = new Map<string, string>();
  for (const part of hash.replace(/^#/, '').split('&')) {
    if (part === '') continue;
    const at = part.indexOf('=');
    const key = at < 0 ? part : part.slice(0, at);
    let value = '';
    try { value = decodeURIComponent(at < 0 ? '' : part.slice(at + 1)); } catch { problems.push(`${key}: bad %-encoding`); }
    if (pairs.has(key)) problems.push(`${key} is given twice`);
    pairs.set(key, value);
  }
  const name = (pairs.get('preset') ?? 'seed') as PresetName;
  if (!PRESET_NAMES.includes(name)) problems.push(`preset must be one of ${PRESET_NAMES.join(', ')}, got ${JSON.stringify(name)}`);
  const known = PRESET_NAMES.includes(name) ? name : 'seed';
  const config = preset(known, undefined, inputDim);
  if (pairs.has('layers')) {
    for (const k of RECIPE_KEYS) if (pairs.has(k)) problems.push(`${k} cannot be combined with layers`);
    try { config.model = layersFromString(pairs.get('layers')!); } catch (e) { problems.push((e as Error).message); }
  } else {
    const r: ModelRecipe = presetRecipe(known, inputDim);
    for (const k of ['hidden', 'latent', 'dropout'] as const) {
      if (pairs.has(k)) try { r[k] = num(k, pairs.get(k)!); } catch (e) { problems.push((e as Error).message); }
    }
    problems.push(...recipeProblems(r));
    try { config.model = modelFromRecipe(r, inputDim); } catch (e) { problems.push(`model: ${(e as Error).message}`); }
  }
  for (const [key, value] of pairs) {
    if (key === 'layers' || (RECIPE_KEYS as readonly string[]).includes(key)) continue;
    const f = FIELDS[key];
    if (!f) { problems.push(`unknown setting "${key}"`); continue; }
    try { f.set(config, value); } catch (e) { problems.push((e as Error).message); }
  }
  if (problems.length === 0) problems.push(...validateConfig(config));
  return { config, problems, preset: pairs.has('layers') ? null : known };
}
