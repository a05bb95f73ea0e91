// The settings of the sparse autoencoders (docs/sae.md), rows of the one settings table (./settings.ts): each reads
// and writes TrainConfig.sae and has an effect only with an SAE preset, most only with some SAE kinds.
import type { SaeKind, SaeSettings } from './config.ts';
import { THRESHOLD_MIN } from '../ref/sae-kinds.ts';
import { MAX_UNITS } from './plan.ts';
import { isSaePreset, saePresetOf } from './presets.ts';
import type { Bounds, Draft, Lookup, Setting, Value } from './settings.ts';

export const SAE_TOPIC = 'sparse autoencoder';
const kindOf = (v: Lookup): SaeKind | null => {
  const p = v('preset');
  return isSaePreset(p) ? (p.slice(0, -4) as SaeKind) : null;
};
/** What a row needs: an SAE preset, of one of `kinds` when given. */
const saeNeeds = (kinds?: readonly SaeKind[]) => (v: Lookup): string | null => {
  const kind = kindOf(v);
  if (kind !== null && (!kinds || kinds.includes(kind))) return null;
  return kinds ? `preset ${kinds.map(saePresetOf).join(' or ')}` : 'an SAE preset (topk-sae, batchtopk-sae, jumprelu-sae, l1-sae)';
};
const range = (lo: number, hi: number, ends = '[]') => (): Bounds => ({ lo, hi, loOpen: ends[0] === '(', hiOpen: ends[1] === ')' });
const dSaeOf = (d: Draft) => d.cfg.sae?.dSae ?? MAX_UNITS;

/** A row on field `f` of TrainConfig.sae: absent from a config without one (valueProblem and the hash skip it). */
type RowSpec = Setting extends infer S ? (S extends Setting ? Omit<S, 'get' | 'set' | 'topic' | 'sae'> : never) : never;
function row<K extends keyof SaeSettings>(f: K, r: RowSpec): Setting {
  return { ...r, topic: SAE_TOPIC, sae: true,
    get: (d: Draft) => d.cfg.sae?.[f] as Value | undefined,
    set: (d: Draft, v: Value) => { if (d.cfg.sae) Object.assign(d.cfg.sae, { [f]: v }); } } as Setting;
}
const TOPK: readonly SaeKind[] = ['topk', 'batchtopk'];
/** A follower of d_sae: a count that may not exceed it keeps its value, capped by a smaller d_sae. */
const capped = (f: 'k' | 'kAux', cap: number) =>
  ({ from: 'dSae', value: (d: Draft, before: Draft) => Math.min(before.cfg.sae?.[f] ?? 0, cap, dSaeOf(d)) });

export const SAE_SETTINGS: readonly Setting[] = [
  row('dSae', { key: 'dSae', flag: 'd-sae', label: 'latents d_sae', what: 'latents d_sae', arg: 'N', kind: 'int', bounds: range(1, MAX_UNITS),
    needs: saeNeeds(), help: 'latents of the sparse autoencoder (the dictionary size)' }),
  { ...row('k', { key: 'k', flag: 'topk', label: 'k (active latents)', what: 'k', arg: 'k', kind: 'int', needs: saeNeeds(TOPK),
    bounds: (d: Draft) => ({ lo: 1, hi: Math.min(256, dSaeOf(d)), note: 'at most 256 and d_sae' }), range: 'an integer from 1 to min(256, d_sae)',
    help: 'topk: active latents per sample; batchtopk: their mean (the k·B largest over the batch)' }), follows: capped('k', 256) } as Setting,
  { ...row('kAux', { key: 'kAux', flag: 'auxk', label: 'k_aux (AuxK)', what: 'k_aux', arg: 'k', kind: 'int', needs: saeNeeds(TOPK),
    bounds: (d: Draft) => ({ lo: 0, hi: dSaeOf(d), note: 'at most d_sae' }), range: 'an integer from 0 to d_sae',
    help: 'AuxK: dead latents (their k_aux largest pre-activations) reconstruct the residual; 0 turns it off' }),
  follows: capped('kAux', Infinity) } as Setting,
  row('auxWeight', { key: 'auxWeight', flag: 'auxk-weight', label: 'AuxK weight', what: 'AuxK weight', arg: 'w', kind: 'number', bounds: range(0, 1e6),
    needs: saeNeeds(TOPK), help: 'coefficient of the AuxK loss (OpenAI: 1/32)' }),
  row('deadAfter', { key: 'deadAfter', flag: 'dead-after', label: 'dead after (samples)', what: 'dead-after window', arg: 'N', kind: 'int',
    bounds: range(1, 1e12), needs: saeNeeds(), help: 'a latent is dead when it has not fired in the last N training samples' }),
  row('l0Weight', { key: 'l0Weight', flag: 'l0-weight', label: 'L0 weight', what: 'L0 weight', arg: 'λ', kind: 'number', bounds: range(0, 1e6),
    needs: saeNeeds(['jumprelu']), help: 'jumprelu: coefficient of the L0 penalty (trained through the straight-through estimator)' }),
  row('bandwidth', { key: 'bandwidth', flag: 'jump-bandwidth', label: 'STE bandwidth', what: 'JumpReLU bandwidth', arg: 'ε', kind: 'number',
    bounds: range(0, 1e3, '(]'), needs: saeNeeds(['jumprelu']), help: "jumprelu: bandwidth of the step's pseudo-derivative (Gemma Scope)" }),
  row('thresholdInit', { key: 'thresholdInit', flag: 'threshold-init', label: 'θ init', what: 'initial threshold θ', arg: 'θ', kind: 'number',
    bounds: range(THRESHOLD_MIN, 1e6), needs: saeNeeds(['jumprelu']), help: `jumprelu: initial threshold of every latent (θ stays ≥ ${THRESHOLD_MIN})` }),
  row('l1Weight', { key: 'l1Weight', flag: 'l1-weight', label: 'L1 weight λ', what: 'L1 weight', arg: 'λ', kind: 'number', bounds: range(0, 1e6),
    needs: saeNeeds(['l1']), help: 'l1: λ of the penalty λ·Σ_j z_j·‖W_dec,j‖ (Anthropic)' }),
  // No panel field: an initialisation, set before training (flag and link), like Adam's and BatchNorm's constants.
  row('bDecInit', { key: 'bDecInit', flag: 'b-dec-init', label: null, what: 'b_dec initialisation', kind: 'enum', choices: ['mean', 'median'],
    needs: saeNeeds(), help: 'b_dec from the training vectors: their mean, or their geometric median' }),
  row('normalize', { key: 'normalize', flag: 'normalize', label: 'normalise ‖x‖² to d_in', what: 'normalisation', kind: 'bool', needs: saeNeeds(),
    help: 'scale the vectors so their mean squared norm is d_in (the factor is saved, and folded into exported weights)' }),
];
