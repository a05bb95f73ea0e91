// The flat object the lil-gui panel binds to (one field per setting of the table with a panel label), and its
// translation to and from a TrainConfig. Settings the panel does not show (Adam β1/β2/ε, BatchNorm ε/momentum, a
// custom layer list) are carried over from the active config.
import type { TrainConfig } from '../model/config.ts';
import { PRESET_NAMES, preset, saePresetOf, SAE_PRESETS, type PresetName } from '../model/presets.ts';
import { recipeOf } from '../model/recipe.ts';
import { presetDraft, SETTINGS, type Draft, type Setting, type Value } from '../model/settings.ts';
import { buildConfig } from '../model/validate.ts';

export const CUSTOM = 'custom';
export type PanelPreset = PresetName | typeof CUSTOM;
export const PANEL_PRESETS: readonly PanelPreset[] = [...PRESET_NAMES, CUSTOM];

/** preset: 'custom' for a layer list no preset recipe builds (from a link or a checkpoint); the other fields are
 * the table's settings with a panel label, by key. */
export type PanelConfig = { preset: PanelPreset } & Record<string, Value>;

export const PANEL_SETTINGS: readonly Setting[] = SETTINGS.filter((s) => s.label !== null);

/** The panel's view of `cfg`; `prefer` names the preset to show when several build the same model. */
export function panelFromConfig(cfg: TrainConfig, prefer?: PanelPreset): PanelConfig {
  const d: Draft = { cfg, recipe: recipeOf(cfg.model, cfg.sae ? saePresetOf(cfg.sae.kind) : prefer === CUSTOM ? undefined : prefer) };
  const linears = cfg.model.encoder.flatMap((l) => (l.kind === 'linear' ? [l.units] : []));
  // A custom layer list has no recipe: its fields show the first and the code layer's widths, greyed out.
  const custom: Record<string, Value> = { preset: CUSTOM, hidden: linears[0] ?? 0, latent: linears[linears.length - 1] ?? 0, dropout: 0 };
  const p: Record<string, Value> = {};
  // A model without SAE settings shows an SAE preset's, greyed out (their `needs`).
  const sae = presetDraft(SAE_PRESETS[0], cfg.model.inputDim);
  for (const s of PANEL_SETTINGS) p[s.key] = s.get(d) ?? custom[s.key] ?? s.get(sae)!;
  return p as PanelConfig;
}

/** The TrainConfig the panel describes on top of `base` (the active config), for images of `inputDim` pixels: the
 * fields that differ from `base` are the ones given, applied as every door applies them (a switched sparsity or
 * corruption kind starts from its own weight or level). Throws the problems, one per line. */
export function configFromPanel(p: PanelConfig, base: TrainConfig, inputDim: number): TrainConfig {
  const shown = panelFromConfig(base, p.preset);
  const given = new Map<string, Value>();
  for (const s of PANEL_SETTINGS) if (p[s.key] !== shown[s.key]) given.set(s.key, p[s.key]);
  if (p.preset === CUSTOM) given.delete('preset'); // 'custom' keeps the active layer list
  const start: Draft = { cfg: base, recipe: p.preset === CUSTOM ? null : recipeOf(base.model, p.preset) };
  const { draft, problems } = buildConfig(start, given, inputDim, false);
  if (problems.length > 0) throw new Error(problems.map((x) => x.message).join('\n'));
  return draft.cfg;
}

/** A preset's full config (every objective and optimiser field too) for images of `inputDim` pixels. */
export function presetConfig(name: PresetName, inputDim: number): TrainConfig {
  return preset(name, undefined, inputDim);
}
