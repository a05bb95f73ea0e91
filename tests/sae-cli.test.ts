// Sparse autoencoders through the one Run and the CLI door (Node/Dawn, llvmpipe), on small planted data: per-epoch
// SAE metrics and the held-out split in the output, the metrics file, SAELens-named checkpoints that resume bit for
// bit, --export-saelens read back by a numpy module written from SAELens's definitions (with --normalize folded),
// --init from the export, data streamed past an artificially low binding limit (same bits as uploaded whole), the
// digits as 784-d vectors, and hostile --data files refused with clear errors.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { loadDefaultData } from '../src/data/node.ts';
import { writeNpy, type Matrix } from '../src/data/npy.ts';
import { loadRunData } from '../src/data/run-data.ts';
import { loadVectors } from '../src/data/vectors.ts';
import type { Gpu } from '../src/gpu/device.ts';
import { acquireNodeGpu } from '../src/gpu/node.ts';
import { decodeSafetensors } from '../src/io/safetensors.ts';
import { SAE_KINDS, saeModel, type TrainConfig } from '../src/model/config.ts';
import { preset } from '../src/model/presets.ts';
import { SaeEngine } from '../src/sae/engine.ts';
import { saelensFiles } from '../src/sae/export.ts';
import { plantedData } from '../src/sae/planted.ts';
import type { RunData } from '../src/train/engines.ts';
import { Run } from '../src/train/run.ts';
import { checkpointConfig, decodeCheckpoint } from '../src/train/checkpoint.ts';
import { buildPlan } from '../src/model/plan.ts';
import { unpackTensor } from '../src/model/init.ts';
import { refForwardBackward, type ParamMap } from '../src/ref/model.ts';

const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'wgae-sae-'));
const P = join(dir, 'planted');
const planted = plantedData({ dim: 16, features: 24, train: 1800, test: 200, active: 2, skew: 0.5, noise: 0.01, seed: 3 });
mkdirSync(P);
for (const [name, m] of Object.entries({ train: planted.train, test: planted.test, dictionary: planted.dictionary })) writeFileSync(join(P, `${name}.npy`), writeNpy(m));
const SAE = ['--preset', 'topk-sae', '--data', P, '--d-sae', '48', '--topk', '3', '--auxk', '16', '--dead-after', '1000', '--lr', '0.01'];
const cli = (args: string[]) => exec(process.execPath, ['--import', 'tsx', 'src/cli/train.ts', ...args], { timeout: 120_000 });
const bytes = (p: string) => readFileSync(p);

let gpu: Gpu;
before(async () => { gpu = await acquireNodeGpu('llvmpipe'); });
after(() => gpu?.release());

/** A TopK SAE config like the CLI's for `dIn`-dimensional data. */
function saeConfig(dIn: number, sae: Partial<NonNullable<TrainConfig['sae']>>, rest: Partial<TrainConfig> = {}): TrainConfig {
  const cfg = preset('topk-sae');
  cfg.sae = { ...cfg.sae!, dSae: 48, k: 3, kAux: 16, deadAfter: 1000, ...sae };
  Object.assign(cfg, { model: saeModel(dIn, cfg.sae.dSae), epochs: 1, ...rest });
  cfg.optimizer.lr = 0.01;
  return cfg;
}
const start = (cfg: TrainConfig, data: RunData, maxBindingBytes?: number) =>
  Run.start({ gpu, hooks: { log: () => {} }, cfg, data, kernel: 'auto', options: { maxBindingBytes } });

test('CLI: SAE metrics per epoch, the held-out split, metrics file, SAELens names; resume and --init', async () => {
  const [full, one, resumed, metrics, exported] = ['full.safetensors', 'one.safetensors', 'resumed.safetensors', 'm.json', 'export'].map((f) => join(dir, f));
  const { stdout } = await cli([...SAE, '--epochs', '2', '--save', full, '--metrics', metrics, '--export-saelens', exported]);
  assert.match(stdout, /held out: test split: .*test\.npy \(200 vectors\)/);
  assert.match(stdout, /model topk SAE 16→48→16 \| mse, k=3, auxk 16×0\.03125/);
  assert.match(stdout, /^epoch 1\/2 {2}lr 1\.000e-2 {2}loss [\d.]+ = mse [\d.]+( \+ auxk [\d.e-]+)? {2}test: L0 3\.00 FVU 0\.\d+ explained 0\.\d+ mse [\d.e-]+ dead [\d.]+ MMCS 0\.\d+ /m);
  const rows = JSON.parse(readFileSync(metrics, 'utf8')).epochs as { epoch: number; sae: { l0: number; fvu: number; explained_variance: number; dead_fraction: number; mmcs: number } }[];
  assert.deepEqual(rows.map((r) => r.epoch), [1, 2]);
  for (const r of rows) assert.ok(r.sae.l0 <= 3 && r.sae.fvu > 0 && r.sae.fvu < 1 && Math.abs(r.sae.explained_variance - (1 - r.sae.fvu)) < 1e-12 && r.sae.mmcs > 0, JSON.stringify(r.sae));
  const ck = decodeSafetensors(bytes(full), full);
  const shapes = Object.fromEntries([...ck.tensors].map(([n, t]) => [n, `${t.dtype}${JSON.stringify(t.shape)}`]));
  assert.deepEqual(shapes, { W_enc: 'F32[16,48]', b_enc: 'F32[48]', W_dec: 'F32[48,16]', b_dec: 'F32[16]', 'optimizer.W_enc.exp_avg': 'F32[16,48]',
    'optimizer.W_enc.exp_avg_sq': 'F32[16,48]', 'optimizer.b_enc.exp_avg': 'F32[48]', 'optimizer.b_enc.exp_avg_sq': 'F32[48]', 'optimizer.W_dec.exp_avg': 'F32[48,16]',
    'optimizer.W_dec.exp_avg_sq': 'F32[48,16]', 'optimizer.b_dec.exp_avg': 'F32[16]', 'optimizer.b_dec.exp_avg_sq': 'F32[16]', dead_latent_counters: 'I64[48]',
    threshold: 'F32[48]', 'optimizer.threshold.exp_avg': 'F32[48]', 'optimizer.threshold.exp_avg_sq': 'F32[48]' }); // θ is in every kind's slab
  assert.ok(ck.metadata.metadata_sha256 && ck.metadata.tensors_sha256 && ck.metadata.normalize_factor === '1');
  const cfgJson = JSON.parse(readFileSync(join(exported, 'cfg.json'), 'utf8'));
  assert.deepEqual([cfgJson.architecture, cfgJson.d_in, cfgJson.d_sae, cfgJson.k, cfgJson.normalize_activations], ['topk', 16, 48, 3, 'none']);

  await cli([...SAE, '--epochs', '1', '--save', one]);
  const res = await cli(['--resume', one, '--data', P, '--epochs', '2', '--save', resumed]);
  assert.match(res.stdout, /resumed .* at epoch 1 \(step 8\); training to 2 epochs/);
  assert.ok(bytes(resumed).equals(bytes(full)), 'one epoch, then a resume to two, writes the uninterrupted bytes');

  const init = await cli([...SAE, '--epochs', '1', '--init', exported]);
  assert.match(init.stdout, /initialised from .*export\/sae_weights\.safetensors/);
  assert.match(init.stdout, /epoch 1\/1 .* L0 3\.00 /);
});

for (const kind of SAE_KINDS) {
  test(`--export-saelens (${kind}) with --normalize: a numpy module written from SAELens's definitions gives our GPU reconstructions`, async () => {
    const data = await loadVectors(P);
    const run = await start(saeConfig(16, { normalize: true, kind }), data);
    try {
      await run.epoch();
      const sae = run.engine as SaeEngine;
      assert.ok(sae.scale > 1.5, `the planted vectors have a small norm: factor ${sae.scale}`);
      await sae.evaluate();
      const ours = await sae.lastTestReconstruction();
      const files = saelensFiles(run.good.params, sae.trainer.layout, { k: 3, kind }, 'planted', sae.scale);
      const out = join(dir, `normalized-${kind}`);
      mkdirSync(out);
      writeFileSync(join(out, 'cfg.json'), files['cfg.json']);
      writeFileSync(join(out, 'sae_weights.safetensors'), files['sae_weights.safetensors']);
      const rows = ours.values.length / 16;
      const x: Matrix = { rows, cols: 16, values: data.test.values.subarray(ours.first * 16) };
      writeFileSync(join(out, 'x.npy'), writeNpy(x));
      writeFileSync(join(out, 'ours.npy'), writeNpy({ rows, cols: 16, values: ours.values }));
      const { stdout } = await exec('python3', ['bench/peers/saelens_check.py', out, join(out, 'x.npy'), join(out, 'ours.npy')]);
      console.log(stdout.trim());
      const largest = Number(/max \|x_hat_ref\| = ([\d.e+-]+)/.exec(stdout)![1]);
      const diff = Number(/numpy: max \|x_hat_ours - x_hat_ref\| = ([\d.e+-]+)/.exec(stdout)![1]);
      assert.ok(rows > 100 && largest > 0.5, `${rows} rows, max |x̂| ${largest}`);
      assert.ok(diff <= 1e-5 + 1e-5 * largest, `max |x̂_ours − x̂_ref| = ${diff} (f32 tolerance ${1e-5 + 1e-5 * largest})`);
    } finally {
      run.release();
    }
  });
}

test('vectors over the binding limit are streamed a few batches a submit, with the same bits as uploaded whole', async () => {
  const data = await loadVectors(P);
  const cfg = saeConfig(16, {}, { batch: 64 }); // a batch is 4 KiB: a 10 KB limit streams 2 batches at a time, train and test
  const states = [];
  for (const limit of [undefined, 10_000]) {
    const run = await start(cfg, data, limit);
    try {
      const r = await run.epoch();
      states.push({ state: run.good, sae: r.metrics.sae! });
    } finally {
      run.release();
    }
  }
  assert.ok(data.train.values.byteLength > 10_000 && data.test.values.byteLength > 10_000, 'both splits are over the limit');
  assert.deepEqual(states[1].state.params, states[0].state.params, 'parameters');
  assert.deepEqual(states[1].state.counters, states[0].state.counters, 'dead-latent counters');
  assert.deepEqual(states[1].sae, states[0].sae, 'held-out metrics');
});

test('without --data an SAE trains on the digits as 784-d pixel vectors', async () => {
  const data = await loadDefaultData();
  const run = await start(saeConfig(784, { dSae: 64, k: 8, kAux: 32, deadAfter: 9000 }, { batch: 256 }), data);
  try {
    const { metrics } = await run.epoch();
    const s = metrics.sae!;
    console.log(`digits, d_sae 64, k 8, 1 epoch: L0 ${s.l0.toFixed(3)}, FVU ${s.fvu.toFixed(4)}, dead ${s.dead_fraction.toFixed(3)}, test MSE ${metrics.test_mse.toFixed(5)}`);
    assert.ok(s.l0 <= 8 && s.l0 > 7 && s.fvu < 0.6 && s.mmcs === null, JSON.stringify(s));
  } finally {
    run.release();
  }
});

test('--export-activations: an autoencoder\'s codes of every image as train.npy/test.npy (= the float64 reference), then an SAE on them', async () => {
  const [ck, acts] = [join(dir, 'ae.safetensors'), join(dir, 'acts')];
  await cli(['--preset', 'ae', '--hidden', '64', '--latent', '16', '--epochs', '1', '--save', ck]);
  const out = await cli(['--resume', ck, '--export-activations', acts]);
  assert.match(out.stdout, /exporting the state after epoch 1 of .* without training/);
  assert.match(out.stdout, /wrote .*acts\/train\.npy \(7996×16\)\n.*wrote .*acts\/test\.npy \(2004×16\)/);
  const codes = await loadVectors(acts);
  const cfg = checkpointConfig(decodeSafetensors(bytes(ck), ck).metadata, ck)!;
  const plan = buildPlan(cfg.model);
  const { params, state } = await decodeCheckpoint(bytes(ck), plan, ck);
  const map: ParamMap = new Map([...plan.params.map((t) => [t.name, unpackTensor(params, t)] as const), ...plan.buffers.map((t) => [t.name, unpackTensor(state, t)] as const)]
    .map(([n, v]) => [n, Float64Array.from(v)]));
  const images = (await loadDefaultData()).test;
  const B = 5;
  const ref = refForwardBackward(cfg, map, Float64Array.from(images.images.subarray(0, B * 784), (v) => v / 255), B, 0, false, { width: 28, height: 28, corrupt: false });
  for (let i = 0; i < B * 16; i++) {
    const [a, b] = [codes.test.values[i], ref.code[i]];
    assert.ok(Math.abs(a - b) <= 1e-4 + 1e-3 * Math.abs(b), `test image ${Math.floor(i / 16)}, unit ${i % 16}: exported ${a} vs reference ${b}`);
  }
  const sae = await cli(['--preset', 'topk-sae', '--data', acts, '--d-sae', '32', '--topk', '4', '--auxk', '8', '--epochs', '1']);
  assert.match(sae.stdout, /7996 train \/ 2004 test vectors of 16 dimensions[^]*epoch 1\/1 .*test: L0 [34]\.\d+ FVU 0\.\d+/);
});

/** writeNpy's bytes with `from` replaced by `to` in the header (padded with spaces: the header keeps its length). */
function withHeader(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const text = new TextDecoder('latin1').decode(bytes.subarray(10, 10 + new DataView(bytes.buffer).getUint16(8, true)));
  assert.ok(text.includes(from) && to.length <= from.length);
  const out = Uint8Array.from(bytes);
  out.set(new TextEncoder().encode(text.replace(from, to.padEnd(from.length))), 10);
  return out;
}

test('hostile --data: non-2-D, integer dtype, train/test widths that differ, NaN rows; one file holds out its last 10%', async () => {
  const file = (name: string, b: Uint8Array) => { const p = join(dir, name); writeFileSync(p, b); return p; };
  const m = { rows: 3, cols: 4, values: new Float32Array(12).fill(0.5) };
  await assert.rejects(loadRunData(file('flat.npy', withHeader(writeNpy(m), '(3, 4)', '(12,)'))), /flat\.npy: shape \(12,\) is not 2-D; need \(N, d_in\)/);
  await assert.rejects(loadRunData(file('ints.npy', withHeader(writeNpy(m), '<f4', '<i4'))), /ints\.npy: dtype <i4 is not supported; need float32/);
  m.values[9] = NaN;
  await assert.rejects(loadRunData(file('nan.npy', writeNpy(m))), /nan\.npy: row 2 column 1 is NaN; remove non-finite vectors first/);
  const mixed = join(dir, 'mixed');
  mkdirSync(mixed);
  writeFileSync(join(mixed, 'train.npy'), writeNpy({ rows: 4, cols: 3, values: new Float32Array(12) }));
  writeFileSync(join(mixed, 'test.npy'), writeNpy({ rows: 2, cols: 4, values: new Float32Array(8) }));
  await assert.rejects(loadRunData(mixed), /mixed: train vectors have 3 dimensions but test vectors 4/);
  const one = await loadRunData(file('hundred.npy', writeNpy({ rows: 100, cols: 2, values: new Float32Array(200).fill(1) })));
  assert.ok('dim' in one);
  assert.match(one.heldOut, /the last 10% of hundred\.npy \(rows 90\.\.99, 10 vectors\)/);
  const images = await cli(['--data', join(dir, 'hundred.npy'), '--epochs', '1']).then(() => '', (e: { stderr: string }) => e.stderr);
  assert.match(images, /error: hundred\.npy holds vectors \(\.npy\), which the sparse autoencoder presets train on: give --preset topk-sae/);
});
