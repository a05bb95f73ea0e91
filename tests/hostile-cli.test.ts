// The command line against hostile files and for plain readability (issue 14, items 1, 2, 4 and 6): bad outputs are
// refused before anything is read or trained, non-regular inputs never hang, an edited checkpoint is refused, and a
// normal run prints no Dawn notices, a readable adapter name, "1 epoch", and metrics numbered as its lines.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { loadDefaultData } from '../src/data/node.ts';
import { decodeSafetensors, encodeSafetensors } from '../src/io/safetensors.ts';
import { defaultTrainConfig, seedModel } from '../src/model/config.ts';
import { initBuffers, initParams } from '../src/model/init.ts';
import { buildPlan } from '../src/model/plan.ts';
import { encodeCheckpoint } from '../src/train/checkpoint.ts';

const run = promisify(execFile);
const TINY = ['--hidden', '8', '--latent', '2', '--epochs', '1', '--adapter', 'llvmpipe', '--kernel', 'rb8x8'];
/** Runs the CLI; resolves with its exit code and output (never rejects), failing on a hang. */
async function cli(args: string[], timeout = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/train.ts', ...args], { timeout });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; killed: boolean; stdout: string; stderr: string };
    assert.ok(!err.killed, `hung: ${args.join(' ')}`);
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

test('outputs are refused before anything is read or trained, with every problem listed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wgae-hcli-'));
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  const cases: [string[], RegExp][] = [
    [['--save', dir], new RegExp(`--save ${dir}: is a directory; give a file name`)],
    [['--save', join(dir, 'm'), '--metrics', join(dir, 'm')], /--save and --metrics are the same file/],
    [['--save', join(dir, 'fifo')], /--save .*fifo: is a FIFO \(named pipe\)/],
    [['--metrics', '/dev/zero', '--recon', join(dir, 'no', 'r.png')], /--metrics \/dev\/zero: is a character device[^]*--recon .*no\/r\.png: the directory/],
  ];
  for (const [args, re] of cases) {
    const r = await cli([...TINY, ...args], 30_000);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, /^error: cannot write the output files:/);
    assert.match(r.stderr, re);
    assert.equal(r.stdout, '', 'nothing was loaded or trained');
  }
  assert.ok(statSync(join(dir, 'fifo')).isFIFO() && statSync('/dev/zero').isCharacterDevice());
});

test('a FIFO or /dev/zero as an input is refused at once; an edited checkpoint is refused by --resume', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wgae-hcli-'));
  execFileSync('mkfifo', [join(dir, 'ck.fifo')]);
  const r1 = await cli(['--resume', join(dir, 'ck.fifo')], 30_000);
  assert.match(r1.stderr, /error: --resume .*ck\.fifo is a FIFO \(named pipe\), not a regular file/);
  const r2 = await cli([...TINY, '--init', '/dev/zero'], 60_000);
  assert.match(r2.stderr, /error: --init \/dev\/zero is a character device, not a regular file/);
  const data = join(dir, 'data');
  mkdirSync(data);
  for (const n of ['train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) writeFileSync(join(data, n), 'x');
  execFileSync('mkfifo', [join(data, 'train-images-idx3-ubyte')]);
  const r3 = await cli([...TINY, '--data', data], 30_000);
  assert.match(r3.stderr, /error: data file .*train-images-idx3-ubyte is a FIFO/);
  // A checkpoint whose config was edited by hand (lr 1e-3 → 0.5), its hashes kept.
  const cfg = { ...defaultTrainConfig(seedModel(8, 2)), epochs: 1 };
  const plan = buildPlan(cfg.model);
  const s = { params: initParams(plan, 0), state: initBuffers(plan), m: new Float32Array(plan.paramFloats), v: new Float32Array(plan.paramFloats),
    step: 32, globalStep: 32, epoch: 1, stepInEpoch: 0, lrScale: 1, kernels: {}, history: [] }; // both run-position spellings
  const file = await encodeCheckpoint(plan, cfg, s, (await loadDefaultData()).sha256);
  const { tensors, metadata } = decodeSafetensors(file, 'x');
  metadata.config = metadata.config.replace('"lr":0.001', '"lr":0.5');
  writeFileSync(join(dir, 'edited.st'), encodeSafetensors([...tensors].map(([name, t]) => ({ name, ...t })), metadata));
  const r4 = await cli(['--resume', join(dir, 'edited.st'), '--epochs', '2'], 30_000);
  assert.match(r4.stderr, /edited\.st: the metadata's SHA-256 is [0-9a-f]{16}…, but the file records [0-9a-f]{16}…; its config, step, epoch or seed was edited/);
});

test('a normal run: /dev/null and a linked output survive, no Dawn notices, readable adapter, "1 epoch", metrics epoch 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wgae-hcli-'));
  writeFileSync(join(dir, 'features-v1.png'), 'old');
  symlinkSync('features-v1.png', join(dir, 'features.png'));
  const r = await cli([...TINY, '--recon', '/dev/null', '--features', join(dir, 'features.png'), '--metrics', join(dir, 'm.json'), '--save', join(dir, 'm.st')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'nothing on stderr: no "artificially reduced", no XDG_RUNTIME_DIR');
  assert.match(r.stdout, /^adapter llvmpipe \(LLVM [\d.]+, \d+ bits\), OpenGL ES [\d.]+ Mesa [\d.]+ \(compatibility\)/m);
  assert.match(r.stdout, /^done: 1 epoch in /m);
  assert.match(r.stdout, /^epoch 1\/1 /m);
  assert.equal(JSON.parse(readFileSync(join(dir, 'm.json'), 'utf8')).epochs[0].epoch, 1, 'the metrics file numbers epochs as the lines do');
  const lines = r.stdout.split('\n');
  assert.ok(lines.findIndex((l) => l.startsWith('saved ')) < lines.findIndex((l) => l.startsWith('wrote ')), 'the checkpoint is written first');
  assert.ok(statSync('/dev/null').isCharacterDevice(), '/dev/null is still a device');
  assert.ok(lstatSync(join(dir, 'features.png')).isSymbolicLink(), 'the link is still a link');
  assert.deepEqual([...readFileSync(join(dir, 'features-v1.png')).subarray(1, 4)], [...Buffer.from('PNG')], 'its target holds the picture');
});

test('Ctrl-C sent to the CLI reaches the training process once, and nothing is left running', async () => {
  const { spawn } = await import('node:child_process');
  const parent = spawn(process.execPath, ['--import', 'tsx', 'src/cli/train.ts', ...TINY.filter((_, i) => i !== 4 && i !== 5), '--epochs', '200'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve) => parent.stdout.on('data', (b: Buffer) => { out += b.toString(); if (/epoch +1\/200/.test(out)) resolve(); }));
  const child = Number(execFileSync('ps', ['-o', 'pid=', '--ppid', String(parent.pid)]).toString().trim().split('\n')[0]);
  assert.ok(child > 0, 'the training process runs as a child');
  parent.kill('SIGINT');
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => parent.on('exit', (c, s) => resolve([c, s])));
  assert.ok(signal === 'SIGINT' || code === 130, `stopped by the Ctrl-C (code ${code}, signal ${signal})`);
  // Gone, or a zombie waiting for this container's init to reap it: not running either way.
  const state = (() => { try { return execFileSync('ps', ['-o', 'stat=', '-p', String(child)]).toString().trim(); } catch { return 'gone'; } })();
  assert.ok(state === 'gone' || state.startsWith('Z'), `the training process is not running (ps state ${state})`);
});
