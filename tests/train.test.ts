// End-to-end training in Node (Dawn, llvmpipe): the seed model on the embedded digits lowers its loss, and a
// checkpoint saved from a trainer restores the same weights, running statistics and optimizer state.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Gpu } from '../src/gpu/device.ts';
import { acquireNodeGpu } from '../src/gpu/node.ts';
import { loadData } from '../src/data/node.ts';
import type { DataSplit } from '../src/data/dataset.ts';
import { defaultTrainConfig } from '../src/model/config.ts';
import { Trainer, limitsFor } from '../src/train/trainer.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../src/train/checkpoint.ts';
import { decodeSafetensors } from '../src/io/safetensors.ts';
import { Run } from '../src/train/run.ts';
import { DEFAULT_VARIANT } from '../src/train/kernels.ts';

describe('training the seed model on the default digits (Node/Dawn, llvmpipe)', () => {
  let gpu: Gpu;
  let data: DataSplit;
  const cfg = defaultTrainConfig();
  before(async () => {
    data = await loadData('default');
    gpu = await acquireNodeGpu('llvmpipe', limitsFor(cfg, data));
  });
  after(() => gpu?.release());

  test('three epochs lower the training and test losses', async () => {
    const run = await Run.start({ gpu, hooks: { log: () => {} }, cfg, data, kernel: DEFAULT_VARIANT });
    const tr = run.trainer;
    const epochs = [];
    for (let e = 0; e < 3; e++) epochs.push((await run.epoch()).metrics);
    run.release();
    const first = epochs[0].steps[0];
    const last = epochs[2];
    assert.ok(epochs.every((m) => Number.isFinite(m.loss) && Number.isFinite(m.test_mse)), 'losses are finite');
    assert.ok(last.loss < 0.6 * first.loss, `training loss fell: first step ${first.loss}, epoch 3 mean ${last.loss}`);
    assert.ok(epochs[1].test_mse < epochs[0].test_mse && last.test_mse < epochs[1].test_mse,
      `test MSE falls every epoch: ${epochs.map((m) => m.test_mse).join(', ')}`);
    assert.ok(last.kl < epochs[0].kl, `KL sparsity term falls: ${epochs.map((m) => m.kl).join(', ')}`);
    assert.equal(epochs[0].steps.length, tr.stepsPerEpoch);
    assert.ok(Math.abs(epochs[0].steps[0].lr - 1e-3) < 1e-9 && Math.abs(last.lr - 1e-3 * 0.5 * (1 + Math.cos(Math.PI * 2 / 10))) < 1e-9, 'cosine schedule per epoch');
  });

  test('a checkpoint round-trips weights, running statistics and Adam state exactly', async () => {
    const small = { ...cfg, epochs: 1 };
    const run = await Run.start({ gpu, hooks: { log: () => {} }, cfg: small, data, kernel: DEFAULT_VARIANT });
    const tr = run.trainer;
    await run.epoch();
    const s = run.good;
    const bytes = await encodeCheckpoint(tr.plan, small, s, data.sha256);
    const names = [...decodeSafetensors(bytes, 'ck').tensors.keys()];
    for (const n of ['encoder.0.weight', 'encoder.2.running_var', 'encoder.2.num_batches_tracked', 'decoder.4.bias', 'optimizer.encoder.0.weight.exp_avg']) {
      assert.ok(names.includes(n), `checkpoint has ${n}`);
    }
    const ck = await decodeCheckpoint(bytes, tr.plan, 'ck');
    assert.equal(ck.meta.step, tr.globalStep);
    assert.equal(ck.meta.history.length, 1, 'the epoch history travels in the checkpoint');
    assert.equal(ck.meta.dataSha256, data.sha256);
    const fresh = await Trainer.create(gpu, small, data);
    fresh.writeSlabs({ params: ck.params, state: ck.state, m: ck.m!, v: ck.v! });
    const r = await fresh.readSlabs();
    assert.deepEqual(r.params, s.params);
    assert.deepEqual(r.state, s.state);
    assert.deepEqual(r.m, s.m);
    assert.deepEqual(r.v, s.v);
    run.release();
    fresh.destroy();
  });
});
