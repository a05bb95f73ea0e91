// A sparse autoencoder's run has the Run's reliability (Node/Dawn, llvmpipe): an absurd learning rate is rolled back
// and then stopped with the report, and a destroyed device is replaced with the run ending bit-identical to an
// uninterrupted one (the TrainState carries the parameters, both Adam moments and the dead-latent counters).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Gpu } from '../src/gpu/device.ts';
import { acquireNodeGpu } from '../src/gpu/node.ts';
import { saeModel, type TrainConfig } from '../src/model/config.ts';
import { preset } from '../src/model/presets.ts';
import { saeLimits } from '../src/sae/engine.ts';
import { plantedData } from '../src/sae/planted.ts';
import { DivergenceError } from '../src/train/guard.ts';
import type { EpochMetrics } from '../src/train/metrics.ts';
import { Run } from '../src/train/run.ts';

const d = plantedData({ dim: 16, features: 24, train: 1800, test: 200, active: 2, skew: 0.5, noise: 0.01, seed: 5 });
const data = { name: 'planted', dim: 16, train: d.train, test: d.test, dictionary: d.dictionary, heldOut: 'test.npy', sha256: 'x' };
const base = preset('topk-sae');
const cfg: TrainConfig = { ...base, model: saeModel(16, 48), epochs: 3, batch: 64, optimizer: { ...base.optimizer, lr: 0.01 },
  sae: { ...base.sae!, dSae: 48, k: 3, kAux: 16, deadAfter: 1000 } };

function hooks(c: TrainConfig) {
  const lines: string[] = [];
  let acquired = 0;
  const acquire = async (): Promise<Gpu> => { acquired++; return acquireNodeGpu('llvmpipe', saeLimits(c)); };
  return { h: { acquire, log: (l: string) => lines.push(l) }, lines, acquisitions: () => acquired };
}
const start = (k: ReturnType<typeof hooks>, c: TrainConfig, maxRollbacks = 3) => Run.start({ hooks: k.h, cfg: c, data, kernel: 'auto', options: { maxRollbacks } });
async function train(run: Run, epochs: number): Promise<EpochMetrics[]> {
  const out: EpochMetrics[] = [];
  while (run.engine.epoch < epochs) out.push((await run.epoch()).metrics);
  return out;
}
const bits = (a: Float32Array | Uint32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

test('an SAE with an absurd learning rate is rolled back with η halved, then stopped with the report', async () => {
  const bad = { ...cfg, optimizer: { ...cfg.optimizer, lr: 1e30 } };
  const k = hooks(bad);
  const run = await start(k, { ...bad, sae: { ...bad.sae!, kAux: 0 } }, 2);
  const err = await train(run, 3).catch((e: unknown) => e);
  run.release();
  assert.ok(err instanceof DivergenceError, String(err));
  console.log(`    ${k.lines.join('\n    ')}`);
  assert.equal(k.lines.length, 2);
  assert.match(k.lines[0], /^divergence in epoch 1: .*; rolled back to the end of epoch 0 \(step 0\), learning rate halved \(×0\.5 of the schedule\), rollback 1 of 2$/);
});

test('an SAE run whose device is destroyed is rebuilt from its last good state and ends bit-identical', async () => {
  const reference = await start(hooks(cfg), cfg);
  const expected = await train(reference, 3);
  const want = reference.good;
  reference.release();
  const k = hooks(cfg);
  const run = await start(k, cfg);
  await train(run, 1);
  run.gpu.device.destroy();
  const rest = await train(run, 3);
  const got = run.good;
  run.release();
  assert.equal(k.acquisitions(), 2, k.lines.join('\n'));
  assert.match(k.lines[0], /^GPU device lost .*: re-acquired llvmpipe.* rebuilt the trainer and resumed from the end of epoch 1 \(step 29\)/);
  assert.deepEqual(rest.map((m) => m.sae), expected.slice(1).map((m) => m.sae), 'epochs 2-3: the same held-out metrics');
  assert.ok(bits(got.params).equals(bits(want.params)) && bits(got.m).equals(bits(want.m)) && bits(got.v).equals(bits(want.v)), 'parameters and moments');
  assert.ok(bits(got.counters!).equals(bits(want.counters!)), 'dead-latent counters');
});
