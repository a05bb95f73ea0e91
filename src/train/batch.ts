// Which runs can train as one model batch (a Trainer with several models, docs/design.md "Batched sweeps"): those
// whose configs agree in everything but the per-model settings — seed, learning rate, loss, sparsity and corruption.
import type { TrainConfig } from '../model/config.ts';
import { MAX_MODELS } from './uniforms.ts';

/** The part of a config that the models of one batch share, as a string; null when the config cannot be batched
 * (a contractive penalty: the Jacobian pass takes one model at a time). */
export function batchKey(cfg: TrainConfig): string | null {
  if (cfg.contractive > 0) return null;
  const { seed: _seed, loss: _loss, sparsity: _sparsity, corruption: _corruption, optimizer, ...shared } = cfg;
  return JSON.stringify({ ...shared, optimizer: { ...optimizer, lr: 0 } });
}

/** Splits `items` into groups that train together (in order of first appearance, at most `max` per group) and
 * the ones that train alone; `cfgOf` gives an item's config. A group of one trains alone. */
export function groupForBatches<T>(items: readonly T[], cfgOf: (t: T) => TrainConfig, max = MAX_MODELS): { groups: T[][]; alone: T[] } {
  const byKey = new Map<string, T[][]>();
  const alone: T[] = [];
  for (const item of items) {
    const key = batchKey(cfgOf(item));
    if (key === null) { alone.push(item); continue; }
    const chunks = byKey.get(key) ?? [];
    if (chunks.length === 0 || chunks[chunks.length - 1].length >= max) chunks.push([]);
    chunks[chunks.length - 1].push(item);
    byKey.set(key, chunks);
  }
  const groups: T[][] = [];
  for (const chunks of byKey.values()) {
    for (const g of chunks) {
      if (g.length > 1) groups.push(g);
      else alone.push(...g);
    }
  }
  return { groups, alone };
}
