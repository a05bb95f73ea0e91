// The command line: argument validation gives clear errors, and a short real run prints epoch lines,
// writes the metrics JSON, a checkpoint that --init accepts, and PNG pictures that match the trained model.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parseCli } from '../src/cli/args.ts';
import { loadDefaultData } from '../src/data/node.ts';
import { acquireNodeGpu } from '../src/gpu/node.ts';
import { decodeCheckpoint } from '../src/train/checkpoint.ts';
import { Trainer, limitsFor } from '../src/train/trainer.ts';
import { decodeGrayPng } from '../src/viz/png.ts';
import { trainerPictures } from '../src/viz/trainer-pictures.ts';

const run = promisify(execFile);
const cli = (args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli/train.ts', ...args], { timeout: 240_000 });

test('bad arguments are rejected with the flag and the rule', () => {
  const cases: [string[], RegExp][] = [
    [['--epochs', '0'], /--epochs: epochs must be an integer from 1 to 100000, got 0$/],
    [['--batch', '1'], /--batch: batch must be an integer from 2 to 65536 \(BatchNorm needs 2 samples\), got 1$/],
    [['--lr', 'fast'], /--lr: learning rate η0 must be in \(0, 10\], got "fast"$/],
    [['--dropout', '1'], /--dropout: dropout p must be in \[0, 1\), got 1$/],
    [['--rho', '0'], /--rho: ρ \(target activity\) must be strictly between 0 and 1, got 0$/],
    [['--kernel', 'nope'], /--kernel: matmul kernel must be one of auto, rb4x4/],
    [['--adapter', 'cuda'], /--adapter: adapter must be one of auto, llvmpipe, swiftshader, gpu, got "cuda"$/],
    [['--frobnicate'], /unknown option --frobnicate \(npm run train -- --help lists every option\)$/],
    [['--lr'], /--lr needs a value$/],
    [['--quiet=1'], /--quiet is a switch and takes no value$/],
  ];
  for (const [args, re] of cases) assert.throws(() => parseCli(args), re, args.join(' '));
  const o = parseCli(['--hidden', '32', '--latent', '5', '--beta', '0', '--no-shuffle', '--epochs', '3']);
  assert.ok(o !== 'help');
  assert.equal(o.cfg.sparsity.kind, 'none');
  assert.equal(o.cfg.schedule.T, 3);
  assert.equal(o.cfg.shuffle, false);
});

test('presets and objective flags build the right config', () => {
  const o = parseCli(['--preset', 'sae-l1', '--latent', '40', '--loss', 'bce', '--noise', 'block', '--noise-level', '6']);
  assert.ok(o !== 'help');
  assert.equal(o.cfg.sparsity.kind, 'l1');
  assert.equal(o.cfg.loss, 'bce');
  assert.deepEqual(o.cfg.corruption, { kind: 'block', level: 6 });
  assert.deepEqual(o.cfg.model.encoder.filter((l) => l.kind === 'linear').map((l) => (l as { units: number }).units), [256, 40]);
  const dae = parseCli(['--preset', 'dae']);
  assert.ok(dae !== 'help');
  assert.deepEqual(dae.cfg.corruption, { kind: 'gaussian', level: 0.1 });
  const kl = parseCli(['--preset', 'cae', '--sparsity', 'kl', '--sparsity-weight', '0.5', '--rho', '0.1']);
  assert.ok(kl !== 'help');
  assert.deepEqual(kl.cfg.sparsity, { kind: 'kl', weight: 0.5, rho: 0.1 });
  // ae's code is linear: its activity is not in (0, 1), so KL on it cannot mean anything.
  assert.throws(() => parseCli(['--preset', 'ae', '--sparsity', 'kl']), /--sparsity: KL sparsity needs a code activity in \(0, 1\).*code activation is identity/);
  assert.throws(() => parseCli(['--preset', 'vae']), /--preset: preset must be one of seed, ae, sae-l1, sae-kl, cae, dae, topk-sae, batchtopk-sae, jumprelu-sae, l1-sae, got "vae"/);
  const ae = parseCli(['--preset', 'ae', '--hidden', '64']); // H scales the preset's hidden layers, as on the page
  assert.ok(ae !== 'help');
  assert.deepEqual(ae.cfg.model.encoder.filter((l) => l.kind === 'linear').map((l) => (l as { units: number }).units), [64, 32, 32]);
  assert.throws(() => parseCli(['--preset', 'ae', '--dropout', '0.3']), /--dropout: dropout p must be in \[0, 0\] \(preset ae has no dropout layer\)/);
  assert.throws(() => parseCli(['--loss', 'huber']), /--loss: loss must be one of mse, bce, mae, got "huber"/);
  assert.throws(() => parseCli(['--noise', 'pink']), /--noise: corruption must be one of none, gaussian/);
  assert.throws(() => parseCli(['--noise', 'masking', '--noise-level', '2']), /--noise-level: masking probability must be in \[0, 1\], got 2/);
  assert.throws(() => parseCli(['--beta', '0.1', '--sparsity', 'l1']), /give one or the other/);
});

test('npm run train: epoch lines, metrics JSON, checkpoint, --init', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wgae-cli-'));
  const ck = join(dir, 'model.safetensors');
  const metrics = join(dir, 'metrics.json');
  const a = await cli(['--epochs', '2', '--hidden', '64', '--latent', '16', '--adapter', 'llvmpipe', '--save', ck, '--metrics', metrics]);
  assert.match(a.stdout, /epoch 1\/2 .*test_mse 0\.\d+ .*samples\/s/);
  assert.match(a.stdout, /epoch 2\/2 /);
  const m = JSON.parse(readFileSync(metrics, 'utf8'));
  assert.equal(m.epochs.length, 2);
  for (const k of ['epoch', 'lr', 'loss', 'mse', 'kl', 'test_mse', 'mean_activity', 'samples_per_s', 'seconds']) assert.ok(k in m.epochs[0], k);
  assert.ok(m.epochs[1].test_mse < m.epochs[0].test_mse);
  assert.match(m.adapter.name, /llvmpipe/);
  const b = await cli(['--epochs', '1', '--hidden', '64', '--latent', '16', '--adapter', 'llvmpipe', '--init', ck]);
  assert.match(b.stdout, /initialised from/);
  const mismatch = await cli(['--epochs', '1', '--hidden', '32', '--latent', '16', '--adapter', 'llvmpipe', '--init', ck]).catch((e) => e);
  assert.match(String(mismatch.stderr), /encoder\.0\.weight: shape \[64,784\], this model needs \[32,784\]/);
});

test('--recon and --features write PNGs whose pixels are the trained model\'s', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wgae-png-'));
  const [ck, recon, features] = ['model.safetensors', 'recon.png', 'features.png'].map((f) => join(dir, f));
  const refused = await cli(['--epochs', '1', '--recon', join(dir, 'missing', 'r.png')]).catch((e) => e);
  assert.match(String(refused.stderr), /cannot write the output files:\n  --recon .*r\.png: the directory .*missing does not exist; create it first/);
  const args = ['--epochs', '1', '--hidden', '64', '--latent', '10', '--noise', 'masking', '--noise-level', '0.3', '--kernel', 'rb8x8', '--adapter', 'llvmpipe'];
  const out = await cli([...args, '--save', ck, '--recon', recon, '--features', features, '--scale', '1']);
  assert.match(out.stdout, /wrote .*recon\.png \(231x177, ×1\)/);
  const r = decodeGrayPng(readFileSync(recon));
  const f = decodeGrayPng(readFileSync(features));
  assert.deepEqual([r.width, r.height], [8 * 29 - 1, 2 * (3 * 29 + 4) - 4 - 1]); // 16 test images: input | masked | output
  assert.deepEqual([f.width, f.height], [4 * 29 - 1, 3 * 29 - 1]); // 10 code units in a 4×3 grid
  // The same weights in a fresh Trainer, evaluated once, must draw the same pictures.
  const o = parseCli(args);
  assert.ok(o !== 'help');
  const data = await loadDefaultData();
  const gpu = await acquireNodeGpu('llvmpipe', limitsFor(o.cfg, data));
  const t = await Trainer.create(gpu, o.cfg, data, 'rb8x8');
  try {
    const saved = await decodeCheckpoint(readFileSync(ck), t.plan, ck);
    t.writeSlabs({ params: saved.params, state: saved.state });
    await t.finishEpoch();
    const mine = await trainerPictures(t);
    assert.deepEqual(f.pixels, mine.features.pixels);
    assert.deepEqual(r.pixels, mine.recon.pixels);
    const row = (y: number) => r.pixels.subarray(y * r.width, (y + 1) * r.width);
    assert.ok(row(14).some((v) => v < 255), 'the input row is not blank');
    assert.notDeepEqual(row(14), row(2 * 29 + 14), 'the output differs from the input');
  } finally {
    t.destroy();
    gpu.release();
  }
});

test('the CLI checks its config with the same schema as the page and the URL hash; --resume refuses config flags', () => {
  // The flag parser allows a block side up to 4096; validateConfig knows a 28×28 image fits at most 28.
  assert.throws(() => parseCli(['--noise', 'block', '--noise-level', '100']), /--noise-level: block side in pixels must be an integer from 1 to 28 \(at most the image side\), got 100/);
  assert.throws(() => parseCli(['--resume', 'x.safetensors', '--lr', '0.01']), /--resume continues the checkpoint's own config, so --lr cannot be given/);
  assert.throws(() => parseCli(['--checkpoint-every', '2']), /--checkpoint-every needs --save FILE/);
  assert.throws(() => parseCli(['--max-rollbacks=-1']), /--max-rollbacks: rollbacks must be an integer from 0 to 100, got -1/);
  const o = parseCli(['--resume', 'x.safetensors', '--epochs', '5', '--save', 'y', '--checkpoint-every', '1']);
  assert.ok(o !== 'help' && o.resume === 'x.safetensors' && o.epochsGiven && o.checkpointEvery === 1);
});

test('npm run train: stopped after epoch 1 and resumed gives a byte-identical checkpoint and the same losses; a tampered file is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wgae-resume-'));
  const f = (n: string) => join(dir, n);
  const flags = ['--hidden', '64', '--latent', '16', '--adapter', 'llvmpipe', '--lr-T', '3', '--kernel', 'rb8x16']; // 'auto' may tune differently per run
  await cli([...flags, '--epochs', '3', '--save', f('whole.st'), '--metrics', f('whole.json')]);
  await cli([...flags, '--epochs', '1', '--save', f('part.st')]);
  const resumed = await cli(['--resume', f('part.st'), '--epochs', '3', '--save', f('resumed.st'), '--metrics', f('resumed.json')]);
  assert.match(resumed.stdout, /resumed .*part\.st at epoch 1 \(step 32\); training to 3 epochs/);
  assert.match(resumed.stdout, /matmul kernel as recorded in the checkpoint/);
  assert.deepEqual(readFileSync(f('resumed.st')), readFileSync(f('whole.st')), 'weights, running stats, Adam moments, metadata: byte-identical');
  const losses = (n: string) => JSON.parse(readFileSync(f(n), 'utf8')).epochs.map((e: { loss: number; test_mse: number }) => [e.loss, e.test_mse]);
  assert.deepEqual(losses('resumed.json'), losses('whole.json'), 'the resumed metrics file keeps the first run\'s epoch');
  const bytes = readFileSync(f('part.st'));
  bytes[bytes.length - 3] ^= 0x40; // one bit of one weight
  writeFileSync(f('tampered.st'), bytes);
  const bad = await cli(['--resume', f('tampered.st'), '--epochs', '3']).catch((e) => e);
  assert.match(String(bad.stderr), /tampered\.st: the tensor data's SHA-256 is [0-9a-f]{16}…, but the metadata records [0-9a-f]{16}…/);
  const done = await cli(['--resume', f('whole.st'), '--epochs', '3']).catch((e) => e);
  assert.match(String(done.stderr), /has already trained 3 epochs; give --epochs above 3/);
});
