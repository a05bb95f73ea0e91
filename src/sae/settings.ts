// The TopK SAE's settings, declared once (flag, default, range, help) in the style of src/model/settings.ts; the
// `npm run sae` parser and its --help are derived from this table. It joins SETTINGS when TrainConfig gains the SAE
// family and Run drives SaeTrainer (docs/sae.md, "What is left").
import type { SaeConfig } from './trainer.ts';

export interface SaeSetting {
  flag: string;
  field: keyof SaeConfig;
  arg: string;
  int: boolean;
  lo: number; // inclusive
  hi: number; // inclusive
  def: number | ((dIn: number) => number); // a default may depend on d_in
  help: string;
}

export const SAE_SETTINGS: SaeSetting[] = [
  { flag: 'd-sae', field: 'dSae', arg: 'n', int: true, lo: 1, hi: 65536, def: (dIn) => 8 * dIn, help: 'latents (dictionary size); default 8 × d_in' },
  { flag: 'topk', field: 'k', arg: 'k', int: true, lo: 1, hi: 256, def: 32, help: 'active latents per sample: ReLU of the k largest pre-activations' },
  { flag: 'auxk', field: 'kAux', arg: 'k_aux', int: true, lo: 0, hi: 65536, def: (dIn) => Math.floor(dIn / 2),
    help: 'dead latents (largest pre-activations) in the AuxK reconstruction of the residual; 0 turns AuxK off; default d_in / 2' },
  { flag: 'auxk-weight', field: 'auxWeight', arg: 'w', int: false, lo: 0, hi: 1e3, def: 1 / 32, help: 'weight of the AuxK term' },
  { flag: 'dead-after', field: 'deadAfter', arg: 'N', int: true, lo: 1, hi: 2 ** 32 - 1, def: 1_000_000,
    help: 'a latent is dead when it has not fired in the last N training samples' },
  { flag: 'batch', field: 'batch', arg: 'B', int: true, lo: 1, hi: 65535, def: 256, help: 'samples per step' },
  { flag: 'epochs', field: 'epochs', arg: 'E', int: true, lo: 1, hi: 100000, def: 10, help: 'passes over the training vectors' },
  { flag: 'lr', field: 'lr', arg: 'η', int: false, lo: 0, hi: 1, def: 1e-3, help: 'Adam learning rate (constant)' },
  { flag: 'seed', field: 'seed', arg: 's', int: true, lo: 0, hi: 2 ** 32 - 1, def: 0, help: 'initialisation and shuffle seed' },
];

/** The config from `--flag value` pairs (others ignored here; the caller refuses unknown flags). */
export function saeConfigFrom(values: Map<string, string>, dIn: number): SaeConfig {
  const cfg: Record<string, number> = { beta1: 0.9, beta2: 0.999, eps: 1e-7 };
  for (const s of SAE_SETTINGS) {
    const raw = values.get(s.flag);
    const v = raw === undefined ? (typeof s.def === 'function' ? s.def(dIn) : s.def) : Number(raw);
    if (raw !== undefined && (!Number.isFinite(v) || (s.int && !Number.isInteger(v)) || v < s.lo || v > s.hi)) {
      throw new Error(`--${s.flag}: must be ${s.int ? 'an integer' : 'a number'} in [${s.lo}, ${s.hi}], got ${JSON.stringify(raw)}`);
    }
    cfg[s.field] = v;
  }
  return cfg as unknown as SaeConfig;
}
