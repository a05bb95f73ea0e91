// The planted-dictionary generator and MMCS: unit features, the asked-for sparsity, and MMCS 1 for the truth itself.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { meanMaxCosine, plantedData } from '../src/sae/planted.ts';

test('planted data: unit dictionary rows, mean activity near the target, MMCS(truth, truth) = 1, random rows far below', () => {
  const o = { dim: 16, features: 24, train: 3000, test: 10, active: 3, skew: 0.5, noise: 0, seed: 7 };
  const { dictionary, train } = plantedData(o);
  for (let f = 0; f < o.features; f++) assert.ok(Math.abs(Math.hypot(...dictionary.values.subarray(f * 16, f * 16 + 16)) - 1) < 1e-6);
  assert.ok(Math.abs(meanMaxCosine(dictionary, dictionary) - 1) < 1e-6);
  // Without noise each vector lies in the cone of its features; its squared norm averages about active·E[c²] + cross terms.
  let energy = 0;
  for (const v of train.values) energy += v * v;
  assert.ok(energy / o.train > 2 && energy / o.train < 8, `mean energy ${energy / o.train}`);
  const random = plantedData({ ...o, seed: 8 }).dictionary;
  assert.ok(meanMaxCosine(random, dictionary) < 0.8);
  assert.throws(() => plantedData({ ...o, noise: -1 }), /noise must be a non-negative number/);
});
