// Checkpoint integrity beyond the tensor bytes (issue 14, item 4): the metadata is hashed too, so a config edited by
// hand is refused like a flipped weight bit; values no training can produce are named with their tensor even when the
// file's hashes agree; --init into another architecture lists the mismatching tensors.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeSafetensors, encodeSafetensors } from '../src/io/safetensors.ts';
import { defaultTrainConfig, seedModel, type TrainConfig } from '../src/model/config.ts';
import { initBuffers, initParams } from '../src/model/init.ts';
import { buildPlan } from '../src/model/plan.ts';
import { preset } from '../src/model/presets.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../src/train/checkpoint.ts';

const cfg = defaultTrainConfig(seedModel(16, 4));
const plan = buildPlan(cfg.model);
const params = initParams(plan, 1);
// Both spellings of the run position (step, and globalStep/stepInEpoch/history of the TrainState rewrite), so the
// same object encodes before and after it.
const base = { params, state: initBuffers(plan), m: params.map((x) => x / 3), v: params.map((x) => x * x), step: 12, globalStep: 12, epoch: 2,
  stepInEpoch: 0, lrScale: 1, history: [], kernels: { 'encoder.0': { forward: 'rb8x8' as const } } };

/** The file with metadata fields replaced and everything else (the hashes included) kept. */
function editMetadata(file: Uint8Array, edit: (m: Record<string, string>) => void): Uint8Array {
  const { tensors, metadata } = decodeSafetensors(file, 'x');
  edit(metadata);
  return encodeSafetensors([...tensors].map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape, data: t.data })), metadata);
}

describe('the metadata is covered by a hash', () => {
  test('an edited lr, epoch, seed or data hash is refused; a file without the hash cannot be resumed exactly', async () => {
    const good = await encodeCheckpoint(plan, cfg, base, 'a'.repeat(64));
    assert.equal((await decodeCheckpoint(good, plan, 'ck', { full: true })).meta.epoch, 2);
    const edits: [string, (m: Record<string, string>) => void][] = [
      ['lr', (m) => { const c = JSON.parse(m.config) as TrainConfig; c.optimizer.lr = 0.5; m.config = JSON.stringify(c); }],
      ['epoch', (m) => { m.epoch = '1'; m.rng = m.rng.replace('"shuffle_epoch":2', '"shuffle_epoch":1'); }],
      ['data hash', (m) => { m.data_sha256 = 'b'.repeat(64); }],
      ['lr scale', (m) => { m.lr_scale = '0.5'; }],
      ['added field', (m) => { m.note = 'hello'; }],
    ];
    for (const [what, edit] of edits) {
      await assert.rejects(decodeCheckpoint(editMetadata(good, edit), plan, 'ck'),
        /^Error: ck: the metadata's SHA-256 is [0-9a-f]{16}…, but the file records [0-9a-f]{16}…; its config, step, epoch or seed was edited/, what);
    }
    const unhashed = editMetadata(good, (m) => { delete m.metadata_sha256; });
    await assert.rejects(decodeCheckpoint(unhashed, plan, 'ck', { full: true }), /cannot resume exactly: metadata lacks metadata_sha256/);
    assert.equal((await decodeCheckpoint(unhashed, plan, 'ck')).meta.step, 12, '--init takes a file without it (e.g. one written by PyTorch)');
  });
});

describe('impossible values are named with their tensor', () => {
  test('negative running variance or second moment, NaN and Inf, in files whose hashes agree', async () => {
    const state = initBuffers(plan);
    const rv = plan.buffers.find((t) => t.name.endsWith('running_var'))!;
    state[rv.offset + 3] = -0.25;
    const v = base.v!.slice();
    v[plan.params[0].offset + 5] = -1e-3;
    const p = params.slice();
    p[plan.params[1].offset] = Number.POSITIVE_INFINITY;
    const cases: [typeof base, RegExp][] = [
      [{ ...base, state }, new RegExp(`holds values no trained model can have:\\n  ${rv.name}: element 3 is -0.25, but a variance or second moment cannot be negative`)],
      [{ ...base, v }, new RegExp(`optimizer\\.${plan.params[0].name}\\.exp_avg_sq: element 5 is -0\\.001`)],
      [{ ...base, params: p }, new RegExp(`${plan.params[1].name}: element 0 is Infinity[^]*The file is damaged; use an earlier checkpoint`)],
    ];
    for (const [s, re] of cases) {
      const file = await encodeCheckpoint(plan, cfg, s, 'a'.repeat(64));
      await assert.rejects(decodeCheckpoint(file, plan, 'ck', { full: true }), re);
    }
    // A file without hashes (as PyTorch writes them) holding a negative batch count.
    const { tensors, metadata } = decodeSafetensors(await encodeCheckpoint(plan, cfg, base, 'a'.repeat(64)), 'x');
    delete metadata.tensors_sha256;
    delete metadata.metadata_sha256;
    const negative = encodeSafetensors([...tensors].map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape,
      data: name.endsWith('num_batches_tracked') ? BigInt64Array.of(-5n) : t.data })), metadata);
    await assert.rejects(decodeCheckpoint(negative, plan, 'torch.safetensors'), /torch\.safetensors holds values no trained model can have:\n  encoder\.2\.num_batches_tracked is -5, but a count cannot be negative/);
  });
});

describe('--init across architectures', () => {
  test('lists the mismatching tensors and both layer stacks, even with recorded matmul kernels', async () => {
    const file = await encodeCheckpoint(plan, cfg, base, 'a'.repeat(64));
    const ae = preset('ae');
    await assert.rejects(decodeCheckpoint(file, buildPlan(ae.model), 'seed.safetensors'), (e: Error) => {
      assert.match(e.message, /^seed\.safetensors does not fit this model \(its layers are 784-16-4-16-784, this model's 784-256-128-32-128-256-784\):/);
      assert.match(e.message, /encoder\.0\.weight: shape \[16,784\], this model needs \[256,784\]/);
      assert.match(e.message, /Use the same --preset, --hidden and --latent/);
      return true;
    });
  });
});
