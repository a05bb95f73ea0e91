// `npm run make-data -- planted` and `npm run sae` end to end (Node/Dawn, llvmpipe): the held-out split is said, one
// line per epoch with L0/FVU/dead/MMCS, the metrics file and the SAELens export written; bad flags refused clearly.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { writeNpy } from '../src/data/npy.ts';
import { decodeSafetensors } from '../src/io/safetensors.ts';

const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'wgae-sae-'));
const run = (script: string, args: string[]) => exec(process.execPath, ['--import', 'tsx', script, ...args], { timeout: 120_000 });

test('planted data through npm run sae: epochs, metrics file, SAELens export', async () => {
  const data = join(dir, 'planted');
  await run('scripts/make-data.ts', ['planted', '--out', data, '--dim', '16', '--features', '24', '--train', '2000', '--test', '300', '--seed', '3']);
  const out = join(dir, 'export');
  const { stdout } = await run('src/cli/sae.ts', ['--data', data, '--d-sae', '48', '--topk', '3', '--auxk', '8', '--dead-after', '1000',
    '--lr', '1e-2', '--epochs', '2', '--adapter', 'llvmpipe', '--metrics', join(dir, 'm.jsonl'), '--export-saelens', out]);
  assert.match(stdout, /2000 training vectors of 16 dims; test split: .*test\.npy \(300 vectors\)/);
  assert.match(stdout, /epoch 2 .* FVU 0\.\d+ {2}L0 [0-3]\.\d\d {2}dead \d+\.\d% {2}MMCS 0\.\d{3}/);
  const rows = readFileSync(join(dir, 'm.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(rows.map((r) => r.epoch), [1, 2]);
  assert.ok(rows[1].fvu < rows[0].fvu && rows[1].l0 <= 3);
  const { tensors } = decodeSafetensors(readFileSync(join(out, 'sae_weights.safetensors')), 'export');
  assert.deepEqual(tensors.get('W_enc')?.shape, [16, 48]);
  assert.equal(JSON.parse(readFileSync(join(out, 'cfg.json'), 'utf8')).k, 3);
});

test('one .npy file holds out its last 10%; bad flags and files are refused with the reason', async () => {
  const file = join(dir, 'one.npy');
  writeFileSync(file, writeNpy({ rows: 50, cols: 4, values: Float32Array.from({ length: 200 }, (_, i) => Math.sin(i)) }));
  const { stdout } = await run('src/cli/sae.ts', ['--data', file, '--d-sae', '8', '--topk', '2', '--epochs', '1', '--adapter', 'llvmpipe']);
  assert.match(stdout, /test split: the last 10% of one\.npy \(rows 45\.\.49, 5 vectors\)/);
  const refused = async (args: string[], why: RegExp) => {
    const e = await run('src/cli/sae.ts', args).then(() => null, (err: { stderr: string }) => err);
    assert.ok(e, `${args.join(' ')} should fail`);
    assert.match(e.stderr, why);
  };
  await refused(['--data', file, '--topk', '9', '--d-sae', '8'], /--topk must be an integer in \[1, min\(256, d_sae = 8\)\], got 9/);
  await refused(['--data', file, '--lr', 'fast'], /--lr: must be a number in \[0, 1\], got "fast"/);
  await refused(['--data', file, '--top-k', '3'], /unknown option --top-k/);
  await refused(['--d-sae', '8'], /--data is required/);
  writeFileSync(join(dir, 'bad.npy'), 'not numpy');
  await refused(['--data', join(dir, 'bad.npy')], /not a \.npy file/);
});
