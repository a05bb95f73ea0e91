// Which TrainConfigs are valid (the settings table's ranges and kinds, plus the checks that span settings and the
// model), the one function every door builds its config with, and the URL-hash form of a config that the page uses
// for shareable links: `#preset=seed&hidden=256&latent=64&…&loss=mse&…` (or `layers=…` for a model that no preset
// recipe builds). A config with problems is never used: callers show the problems instead.
import { saeModel, type TrainConfig } from './config.ts';
import { buildPlan } from './plan.ts';
import { saePresetOf, type PresetName } from './presets.ts';
import { layersFromString, layersToString, modelFromRecipe, recipeOf } from './recipe.ts';
import { applySettings, draftProblems, parseText, valueProblem, type Problem } from './setting-rules.ts';
import { SETTINGS, presetDraft, settingByKey, type Draft, type Value } from './settings.ts';

export { CORRUPTION_KINDS, LOSS_KINDS, OPTIMIZER_KINDS, SPARSITY_KINDS } from './settings.ts';
export { MAX_UNITS } from './plan.ts';

/** Problems that span settings: the model must build, KL needs a code bounded in (0, 1), BCE a sigmoid output. */
function crossProblems(cfg: TrainConfig): Problem[] {
  const p: Problem[] = [];
  try {
    const plan = buildPlan(cfg.model);
    const code = plan.codeActivation.kind;
    // Activity is the code itself for sigmoid and (z+1)/2 for tanh (SPEC.md); other codes have no activity in (0, 1).
    if (cfg.sparsity?.kind === 'kl' && code !== 'sigmoid' && code !== 'tanh') {
      p.push({ key: 'sparsity', message: `KL sparsity needs a code activity in (0, 1), from a sigmoid or tanh code, but this model's code ` +
        `activation is ${code}: use sparsity l1, or a preset with such a code (seed, sae-kl, cae)` });
    }
    const last = plan.ops[plan.ops.length - 1];
    if (cfg.loss === 'bce' && !(last.kind === 'dense' && last.act.kind === 'sigmoid')) {
      p.push({ key: 'loss', message: 'loss bce needs the decoder to end in a linear layer followed by a sigmoid (BCE is computed from its logits)' });
    }
  } catch (e) {
    p.push({ key: null, message: `model: ${(e as Error).message}` });
  }
  if (cfg.sae) p.push(...saeProblems(cfg));
  return p;
}

/** An SAE trains with MSE and Adam, without the autoencoders' penalties and corruption, on its own shape. */
function saeProblems(cfg: TrainConfig): Problem[] {
  const sae = cfg.sae!;
  const p: Problem[] = [];
  const foreign: [string, boolean, string][] = [['loss', cfg.loss !== 'mse', 'loss mse'], ['sparsity', cfg.sparsity.kind !== 'none', 'sparsity none'],
    ['contractive', cfg.contractive !== 0, 'contractive 0'], ['corruption', cfg.corruption.kind !== 'none', 'no corruption'],
    ['optimizer', cfg.optimizer.kind !== 'adam', 'optimizer adam'], ['shuffle', !cfg.shuffle, 'a reshuffle every epoch']];
  for (const [key, , want] of foreign.filter(([, bad]) => bad)) {
    const why = ['sparsity', 'contractive'].includes(key) ? '; its sparsity comes from its kind (--topk, --l0-weight, --l1-weight)' : '';
    p.push({ key, message: `a sparse autoencoder trains with ${want}${why}` });
  }
  const shaped = !valueProblem(settingByKey.get('dSae')!, { cfg, recipe: null });
  if (shaped && layersToString(cfg.model) !== layersToString(saeModel(cfg.model.inputDim, sae.dSae))) {
    p.push({ key: null, message: `an SAE's model is its shape ${layersToString(saeModel(cfg.model.inputDim, sae.dSae))}, got ${layersToString(cfg.model)}` });
  }
  return p;
}

/** Every problem with `cfg`, each naming its setting when it is about one; empty when the config is valid. */
export function configProblems(cfg: TrainConfig): Problem[] {
  return [...crossProblems(cfg), ...draftProblems({ cfg, recipe: null }, (s) => !s.recipe)];
}

/** Every problem with `cfg`, as short sentences naming the field; empty when the config is valid. */
export function validateConfig(cfg: TrainConfig): string[] {
  return configProblems(cfg).map((p) => p.message);
}

/** How every door builds its config: `given` on top of `start` (see applySettings), the model rebuilt from its
 * recipe for images of `inputDim` pixels, and the problems of the result. */
export function buildConfig(start: Draft, given: ReadonlyMap<string, Value>, inputDim: number, fresh: boolean): { draft: Draft; problems: Problem[] } {
  const { draft, problems } = applySettings(start, given, fresh);
  const sae = draft.cfg.sae;
  if (sae) {
    // An SAE's model (and its recipe's widths) is its shape, derived from d_sae once that is valid.
    if (!valueProblem(settingByKey.get('dSae')!, draft)) {
      draft.cfg.model = saeModel(inputDim, sae.dSae);
      if (draft.recipe) draft.recipe.hidden = draft.recipe.latent = sae.dSae;
    }
  } else if (draft.recipe) {
    const bad = draftProblems(draft, (s) => Boolean(s.recipe));
    problems.push(...bad);
    if (bad.length === 0) {
      try { draft.cfg.model = modelFromRecipe(draft.recipe, inputDim); } catch (e) { problems.push({ key: null, message: `model: ${(e as Error).message}` }); }
    }
  }
  problems.push(...configProblems(draft.cfg));
  return { draft, problems };
}

const encode = (v: string) => encodeURIComponent(v).replace(/%2C/g, ',');
const show = (v: Value | undefined) => (typeof v === 'boolean' ? (v ? '1' : '0') : String(v));

/** The hash (without '#') for `cfg`: the model as a preset recipe when one builds it (`prefer` first), else as
 * `layers=`; then every other setting in table order. String(number) round-trips exactly, so configFromHash (given
 * the same input width, which comes from the data) restores `cfg`. */
export function hashFromConfig(cfg: TrainConfig, prefer?: PresetName): string {
  const d: Draft = { cfg, recipe: recipeOf(cfg.model, cfg.sae ? saePresetOf(cfg.sae.kind) : prefer) };
  const parts = d.recipe ? [] : [`layers=${encode(layersToString(cfg.model))}`];
  for (const s of SETTINGS) if ((!s.recipe || d.recipe) && (!s.sae || cfg.sae)) parts.push(`${s.key}=${encode(show(s.get(d)))}`);
  return parts.join('&');
}

/** Read a hash (with or without '#'). Missing settings come from the named preset (default `seed`) as on the command
 * line; the result is usable only when `problems` is empty (unknown keys, unreadable values and the config's
 * problems). */
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
  const start = presetDraft('seed', inputDim);
  const layers = pairs.get('layers');
  if (layers !== undefined) {
    start.recipe = null;
    try { start.cfg.model = layersFromString(layers); } catch (e) { problems.push((e as Error).message); }
  }
  const given = new Map<string, Value>();
  for (const [key, text] of pairs) {
    if (key === 'layers') continue;
    const s = settingByKey.get(key);
    if (!s) problems.push(`unknown setting "${key}"`);
    else if (s.recipe && layers !== undefined) problems.push(`${key} cannot be combined with layers`);
    else try { given.set(key, parseText(s, text, start)); } catch (e) { problems.push((e as Error).message); }
  }
  const built = buildConfig(start, given, inputDim, true);
  problems.push(...built.problems.map((p) => p.message));
  const { draft } = built;
  return { config: draft.cfg, problems, preset: draft.recipe?.preset ?? null };
}
