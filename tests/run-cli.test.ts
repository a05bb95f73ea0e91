// The run's semantics through the CLI door (Node/Dawn, llvmpipe): Ctrl-C saves the last epoch boundary and the run
// resumes from it bit for bit; the same command twice writes the same bytes (matmul tuning persisted per machine);
// a resume past the cosine period extends it and says so; a resumed --metrics file keeps the earlier epochs.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const SMALL = ['--hidden', '64', '--latent', '16'];
const dir = mkdtempSync(join(tmpdir(), 'wgae-run-'));
const env = { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') }; // a fresh tuning store, shared by this file's runs
const cli = (args: string[]) => exec(process.execPath, ['--import', 'tsx', 'src/cli/train.ts', ...args], { timeout: 240_000, env });
const bytes = (p: string) => readFileSync(p);

test('the same command twice on the same machine writes byte-identical checkpoints (kernel auto, tuning kept in the cache dir)', async () => {
  const [a, b] = [join(dir, 'same-a.safetensors'), join(dir, 'same-b.safetensors')];
  const first = await cli([...SMALL, '--epochs', '2', '--save', a]);
  const second = await cli([...SMALL, '--epochs', '2', '--save', b]);
  const store = join(dir, 'cache', 'webgpu-autoencoder', 'matmul-tuning.json');
  assert.ok(existsSync(store), 'the tuning was stored');
  assert.match(first.stdout, new RegExp(`timings kept in ${store.replace(/[.]/g, '\\.')}`));
  assert.ok(bytes(a).equals(bytes(b)), 'identical bytes');
  const kernels = (s: string) => /matmul kernel auto \((.*?);/.exec(s)?.[1];
  assert.equal(kernels(second.stdout), kernels(first.stdout));
});

test('Ctrl-C stops at the next chunk, saves the last epoch boundary, exits 130; resuming gives the uninterrupted bytes', async () => {
  const full = join(dir, 'full.safetensors');
  const stopped = join(dir, 'stopped.safetensors');
  const resumed = join(dir, 'resumed.safetensors');
  const args = [...SMALL, '--epochs', '4', '--kernel', 'rb8x8'];
  await cli([...args, '--save', full]);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/train.ts', ...args, '--save', stopped], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
  const t0 = performance.now();
  await new Promise<void>((resolve) => child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    if (/epoch 1\/4/.test(out)) resolve();
  }));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  const ms = performance.now() - t0;
  assert.equal(code, 130, `exit code (stderr: ${err})`);
  const line = /SIGINT: saved the state after epoch (\d) \(step \d+\) to (.*?); continue with: npm run train -- --resume (\S+)/.exec(err);
  assert.ok(line, err);
  assert.equal(line[2], stopped);
  const epoch = Number(line[1]);
  assert.ok(epoch >= 1 && epoch < 4, `saved epoch ${epoch}`);
  console.log(`    SIGINT after "epoch 1/4" (${ms.toFixed(0)} ms from start): saved epoch ${epoch}, exit 130`);
  await cli(['--resume', stopped, '--save', resumed]);
  assert.ok(bytes(resumed).equals(bytes(full)), 'resumed run ends byte-identical to the uninterrupted one');
});

test('Ctrl-C without --save writes a clearly named file and says where', async () => {
  const tsx = import.meta.resolve('tsx'); // the child runs in `dir`, where a bare 'tsx' would not resolve
  const child = spawn(process.execPath, ['--import', tsx, join(process.cwd(), 'src/cli/train.ts'), ...SMALL, '--epochs', '3', '--kernel', 'rb8x8'],
    { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
  const exited = new Promise((r) => child.on('exit', r));
  await Promise.race([new Promise<void>((resolve) => child.stdout.on('data', (b: Buffer) => { if (/epoch 1\/3/.test(b.toString())) resolve(); })), exited]);
  child.kill('SIGTERM');
  assert.equal(await exited, 143, err);
  const name = /to (autoencoder-interrupted-epoch\d(?:-\d+)?\.safetensors)/.exec(err)?.[1];
  assert.ok(name && existsSync(join(dir, name)), err);
});

test('one SIGTERM delivered to every process of the run at once (pkill, a control-group stop) still saves', async () => {
  const tsx = import.meta.resolve('tsx');
  const child = spawn(process.execPath, ['--import', tsx, join(process.cwd(), 'src/cli/train.ts'), ...SMALL, '--epochs', '3', '--kernel', 'rb8x8'],
    { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
  const exited = new Promise((r) => child.on('exit', r));
  await Promise.race([new Promise<void>((resolve) => child.stdout.on('data', (b: Buffer) => { if (/epoch 1\/3/.test(b.toString())) resolve(); })), exited]);
  // The CLI and whatever it started (the quiet-stderr relaunch forwards signals to its worker), signalled together.
  const family = [child.pid!, ...execFileSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number)];
  for (const pid of family) process.kill(pid, 'SIGTERM');
  assert.equal(await exited, 143, err);
  assert.match(err, /SIGTERM: saved the state after epoch \d/, `${family.length} processes signalled; stderr: ${err}`);
});

test('a resume past the saved cosine period extends it (and says so), never training at lr 0; --metrics keeps the earlier epochs', async () => {
  const a = join(dir, 'one.safetensors');
  const metrics = join(dir, 'metrics.json');
  await cli([...SMALL, '--epochs', '1', '--kernel', 'rb8x8', '--save', a, '--metrics', metrics]);
  const { stdout } = await cli(['--resume', a, '--epochs', '3', '--metrics', metrics]);
  assert.match(stdout, /--epochs 3: the cosine period follows the run's length: T = 1 → 3 epochs/);
  const epochs = (JSON.parse(readFileSync(metrics, 'utf8')) as { epochs: { epoch: number; lr: number; test_mse: number }[] }).epochs;
  assert.deepEqual(epochs.map((e) => e.epoch), [1, 2, 3], 'the first run\'s epoch is kept (numbered from 1, as printed)');
  assert.ok(epochs.every((e) => e.lr > 0), `no epoch at lr 0: ${epochs.map((e) => e.lr).join(', ')}`);
  assert.ok(Math.abs(epochs[1].lr - 1e-3 * 0.5 * (1 + Math.cos(Math.PI / 3))) < 1e-12, 'epoch 2 follows the 3-epoch cosine');
  // A period set apart from the length stays, and the epoch that starts at lr 0 says why.
  const b = join(dir, 'fixed-T.safetensors');
  await cli([...SMALL, '--epochs', '2', '--lr-T', '1', '--kernel', 'rb8x8', '--save', b]);
  const extended = await cli(['--resume', b, '--epochs', '3']);
  assert.match(extended.stdout, /epoch 3 starts at learning rate 0: it is past the cosine period T = 1 epochs/);
});
