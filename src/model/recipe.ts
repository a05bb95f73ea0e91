// Model recipes: a preset's layer lists with its outer hidden width, code size and dropout changed — the way the
// page's panel and the URL hash name models. recipeOf() recovers the recipe behind a layer list, when there is one.
import type { LayerSpec, ModelConfig } from './config.ts';
import { isSaePreset, PRESET_NAMES, preset, type PresetName } from './presets.ts';

export interface ModelRecipe {
  preset: PresetName;
  hidden: number; // width of the outer hidden layers; inner ones keep their ratio to it (ae: 256-128 → H-H/2)
  latent: number; // code units Z
  dropout: number; // p of every dropout layer (0 and unused for presets without dropout)
}

/** Outer hidden width of every preset: the reference for scaling inner widths. */
const PRESET_HIDDEN = 256;

const lastLinear = (list: LayerSpec[]) => list.map((l) => l.kind).lastIndexOf('linear');

export function hasDropout(name: PresetName): boolean {
  const m = preset(name).model;
  return [...m.encoder, ...m.decoder].some((l) => l.kind === 'dropout');
}

/** The recipe a preset starts from: its own widths, code size and dropout. */
export function presetRecipe(name: PresetName, inputDim = 784): ModelRecipe {
  const m = preset(name, undefined, inputDim).model;
  return recipeParts(name, m);
}

function recipeParts(name: PresetName, m: ModelConfig): ModelRecipe {
  const firstLinear = m.encoder.find((l) => l.kind === 'linear');
  const code = m.encoder[lastLinear(m.encoder)];
  const drop = [...m.encoder, ...m.decoder].find((l) => l.kind === 'dropout');
  return {
    preset: name,
    hidden: firstLinear?.kind === 'linear' ? firstLinear.units : PRESET_HIDDEN,
    latent: code?.kind === 'linear' ? code.units : 0,
    dropout: drop?.kind === 'dropout' ? drop.p : 0,
  };
}

export function modelFromRecipe(r: ModelRecipe, inputDim = 784): ModelConfig {
  const base = preset(r.preset, r.latent, inputDim).model;
  const scale = (list: LayerSpec[]): LayerSpec[] => {
    const out = lastLinear(list);
    return list.map((l, i): LayerSpec => {
      if (l.kind === 'linear' && i !== out) {
        return { kind: 'linear', units: Math.max(1, Math.round((l.units * r.hidden) / PRESET_HIDDEN)) };
      }
      if (l.kind === 'dropout') return { kind: 'dropout', p: r.dropout };
      return { ...l };
    });
  };
  return { inputDim, encoder: scale(base.encoder), decoder: scale(base.decoder) };
}

/** The recipe that builds exactly `model`, trying `prefer` first (`ae` and `dae` share a model); null if none does.
 * An SAE preset's recipe (hidden = latent = d_sae) is found only when preferred: the four share one shape, which a
 * plain MLP may have too, so only the config's own `sae` can say that it is one (hashFromConfig, panelFromConfig). */
export function recipeOf(model: ModelConfig, prefer?: PresetName): ModelRecipe | null {
  const names = [...(prefer ? [prefer] : []), ...PRESET_NAMES.filter((n) => n !== prefer && !isSaePreset(n))];
  const want = layersToString(model);
  for (const name of names) {
    const r = recipeParts(name, model);
    if (!hasDropout(name)) r.dropout = 0;
    let built: ModelConfig;
    try { built = modelFromRecipe(r, model.inputDim); } catch { continue; }
    if (layersToString(built) === want) return r;
  }
  return null;
}

/** Compact text of a model: `784~linear256,leaky_relu0.1,batchnorm,dropout0.2,linear64,tanh~linear256,…`
 * (input width, encoder, decoder); every character is safe in a URL. */
export function layersToString(m: ModelConfig): string {
  const token = (l: LayerSpec): string => {
    switch (l.kind) {
      case 'linear': return `linear${l.units}`;
      case 'activation': return `${l.fn}${l.alpha ?? ''}`;
      case 'batchnorm': return 'batchnorm';
      case 'dropout': return `dropout${l.p}`;
    }
  };
  return [String(m.inputDim), m.encoder.map(token).join(','), m.decoder.map(token).join(',')].join('~');
}

const ACTIVATIONS = ['identity', 'relu', 'leaky_relu', 'tanh', 'sigmoid'] as const;

/** Parse layersToString()'s text; throws naming the token it cannot read. Ranges are validateConfig's job. */
export function layersFromString(text: string): ModelConfig {
  const parts = text.split('~');
  if (parts.length !== 3) throw new Error(`layers "${text}": expected input~encoder~decoder`);
  const num = (s: string, token: string): number => {
    const v = Number(s);
    if (s.trim() === '' || !Number.isFinite(v)) throw new Error(`layers: cannot read a number in "${token}"`);
    return v;
  };
  const layer = (token: string): LayerSpec => {
    if (token === 'batchnorm') return { kind: 'batchnorm' };
    if (token.startsWith('linear')) return { kind: 'linear', units: num(token.slice(6), token) };
    if (token.startsWith('dropout')) return { kind: 'dropout', p: num(token.slice(7), token) };
    // Longest name first: 'leaky_relu' before 'relu'.
    const fn = [...ACTIVATIONS].sort((a, b) => b.length - a.length).find((f) => token.startsWith(f));
    if (!fn) throw new Error(`layers: unknown layer "${token}" (linearN, ${ACTIVATIONS.join(', ')} with optional slope, batchnorm, dropoutP)`);
    const rest = token.slice(fn.length);
    return rest === '' ? { kind: 'activation', fn } : { kind: 'activation', fn, alpha: num(rest, token) };
  };
  const half = (s: string) => (s === '' ? [] : s.split(',').map(layer));
  return { inputDim: num(parts[0], parts[0]), encoder: half(parts[1]), decoder: half(parts[2]) };
}
