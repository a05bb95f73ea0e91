// Checkpoint writes are atomic: a writer killed part-way leaves the previous checkpoint in place and loadable
// (only a stray temporary file beside it), and the CLI's --checkpoint-every keeps the last good checkpoint.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { writeFileAtomic } from '../src/io/files.ts';
import { defaultTrainConfig, seedModel } from '../src/model/config.ts';
import { buildPlan } from '../src/model/plan.ts';
import { initBuffers, initParams } from '../src/model/init.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../src/train/checkpoint.ts';

const run = promisify(execFile);

test('a checkpoint writer SIGKILLed part-way leaves the previous checkpoint intact and loadable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wgae-atomic-'));
  const path = join(dir, 'model.safetensors');
  const cfg = defaultTrainConfig(seedModel(32, 8));
  const plan = buildPlan(cfg.model);
  const good = await encodeCheckpoint(plan, cfg, { params: initParams(plan, 7), state: initBuffers(plan), m: new Float32Array(plan.paramFloats), v: new Float32Array(plan.paramFloats),
    epoch: 1, globalStep: 5, stepInEpoch: 0, lrScale: 1, kernels: {}, history: [] }, 'abc');
  await writeFileAtomic(path, good);
  const kills: number[] = [];
  for (let round = 0; round < 3; round++) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/support/slow-writer.ts', path, '512'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.on('data', (b: Buffer) => { if (b.toString().includes('writing')) resolve(); }));
    // Wait until the temporary file has some bytes, then kill the writer before it can finish and rename.
    let temp = '';
    for (let i = 0; i < 2000 && !temp; i++) {
      temp = readdirSync(dir).find((n) => n.endsWith('.tmp') && statSync(join(dir, n)).size > 0) ?? '';
      if (!temp) await new Promise((r) => setTimeout(r, 5));
    }
    assert.ok(temp, 'the writer started a temporary file');
    kills.push(statSync(join(dir, temp)).size);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const bytes = new Uint8Array(readFileSync(path));
    assert.deepEqual(bytes, good, `round ${round}: the final name still holds the previous checkpoint, byte for byte`);
    const ck = await decodeCheckpoint(bytes, plan, path, {});
    assert.equal(ck.meta.step, 5);
  }
  console.log(`    killed the writer with ${kills.map((k) => `${(k / 2 ** 20).toFixed(1)} MiB`).join(', ')} of 512 MiB in its temporary file`);
});

test('npm run train --checkpoint-every 1 --save: each epoch replaces the checkpoint atomically and --resume continues it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wgae-every-'));
  const ck = join(dir, 'run.safetensors');
  const cli = (args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli/train.ts', ...args], { timeout: 240_000 });
  const flags = ['--hidden', '32', '--latent', '8', '--adapter', 'llvmpipe', '--kernel', 'rb8x8', '--lr-T', '3'];
  const a = await cli([...flags, '--epochs', '2', '--save', ck, '--checkpoint-every', '1']);
  assert.match(a.stdout, /checkpoint .*run\.safetensors \(epoch 1\)/);
  assert.equal(readdirSync(dir).filter((n) => n.endsWith('.tmp')).length, 0, 'no temporary files left');
  const b = await cli(['--resume', ck, '--epochs', '3', '--quiet']);
  assert.match(b.stdout, /done: 3 epochs/);
});
