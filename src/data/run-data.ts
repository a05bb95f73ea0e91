// Node-only: what `--data` names, as a run's data. Vectors (a .npy file, or a directory with train.npy) for the
// sparse autoencoders; images (the embedded digits, or an IDX directory) for every model.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunData } from '../train/engines.ts';
import { dataInputPaths, loadData } from './node.ts';
import { loadVectors } from './vectors.ts';

/** True when `spec` names vectors: a .npy path, or a directory holding train.npy. */
export function namesVectors(spec: string): boolean {
  if (spec.endsWith('.npy')) return true;
  try { return statSync(spec).isDirectory() && existsSync(join(spec, 'train.npy')); } catch { return false; }
}

export function loadRunData(spec: string): Promise<RunData> {
  return namesVectors(spec) ? loadVectors(spec) : loadData(spec);
}

/** The files loadRunData(spec) reads that exist now (outputs must not overwrite them). */
export function runDataPaths(spec: string): string[] {
  if (!namesVectors(spec)) return dataInputPaths(spec);
  if (spec.endsWith('.npy')) return [spec];
  return ['train.npy', 'test.npy', 'dictionary.npy'].map((f) => join(spec, f)).filter((p) => existsSync(p));
}
