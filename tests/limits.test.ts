// Device limits: buffers, bindings and dispatch grids are checked before use with errors naming the limit; a
// dispatch over 65,535 workgroups is split into (x, y) and computes every element (llvmpipe); a model or batch too
// large for the adapter is refused with the largest size that fits.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { KernelCache, MAX_WORKGROUPS_PER_DIMENSION, dispatch, splitWorkgroups, storageBuffer } from '../src/gpu/kernels.ts';
import { acquireNodeGpu } from '../src/gpu/node.ts';
import { readBuffer } from '../src/gpu/readback.ts';
import { BufferOwner, groups, makeBinder } from '../src/train/bind.ts';
import { KERNEL_SPECS } from '../src/train/kernels.ts';
import { optimizerUniform, STEP_BYTES, STEP_SLOT, writeStep } from '../src/train/uniforms.ts';
import { fitProblems } from '../src/train/fit.ts';
import { defaultTrainConfig, seedModel } from '../src/model/config.ts';
import type { DataSplit } from '../src/data/dataset.ts';

test('splitWorkgroups: (x, y) within the per-dimension limit, covering the count; beyond limit² is an error', () => {
  assert.deepEqual(splitWorkgroups(10), [10, 1]);
  assert.deepEqual(splitWorkgroups(65536), [65535, 2]);
  assert.deepEqual(splitWorkgroups(65535 * 300 + 1), [65535, 301]);
  assert.throws(() => splitWorkgroups(65535 * 65535 + 1, 65535, 'Trainer.huge'), /Trainer\.huge: 4294836226 workgroups exceed maxComputeWorkgroupsPerDimension² \(65535² = 4294836225\)/);
  assert.throws(() => splitWorkgroups(0), /0 workgroups is not a positive integer/);
});

test('buffers and bindings over the device limits are refused before use, naming the buffer and the limit', () => {
  const device = { limits: { maxBufferSize: 1024, maxStorageBufferBindingSize: 256, maxComputeWorkgroupsPerDimension: 65535 } } as unknown as GPUDevice;
  assert.throws(() => storageBuffer(device, 'Trainer.acts[1]', 2048), /buffer Trainer\.acts\[1\]: 2048 bytes exceed this device's maxBufferSize of 1024/);
  const bind = makeBinder(device, {} as GPUBuffer, new BufferOwner(device));
  const big = { size: 512, label: 'Trainer.trainImages' } as GPUBuffer;
  assert.throws(() => bind('Trainer.gatherBatch', {} as never, new ArrayBuffer(16), [big], 1),
    /Trainer\.gatherBatch: binding Trainer\.trainImages is 512 bytes, over this device's maxStorageBufferBindingSize of 256/);
  assert.throws(() => bind('Trainer.adamUpdate', {} as never, new ArrayBuffer(16), [], 65535 * 65535 + 1), /Trainer\.adamUpdate: .* exceed maxComputeWorkgroupsPerDimension²/);
});

test('a model or batch too large for the adapter names the limit and the largest size that fits', async () => {
  const cfg = { ...defaultTrainConfig(seedModel(4096, 64)), batch: 65536 };
  const data = { train: { count: 60000, rows: 28, cols: 28 }, test: { count: 10000, rows: 28, cols: 28 } } as DataSplit;
  const p = fitProblems(cfg, data, { maxStorageBufferBindingSize: 128 << 20, maxBufferSize: 256 << 20 });
  assert.equal(p.length, 1);
  assert.match(p[0], /maxStorageBufferBindingSize is 134217728 bytes, but one batch of activations \(batch 65536 × 4096 floats of the widest layer\) needs 1073741824: the largest batch that fits is 8192/);
  const small = fitProblems({ ...cfg, batch: 256 }, data, { maxStorageBufferBindingSize: 16 << 20, maxBufferSize: 256 << 20 });
  assert.match(small.join('\n'), /the 60000-image split needs 47040000: at most 21399 images fit/);
  assert.match(small.join('\n'), /parameter floats need \d+: at most 4194304 fit \(reduce --hidden or --latent\)/);
  const r = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/train.ts', '--batch', '65536', '--hidden', '4096', '--adapter', 'llvmpipe'], { timeout: 120_000 }).catch((e) => e);
  assert.equal(r.code, 1);
  assert.match(String(r.stderr), /too large for the llvmpipe adapter:\n\s+maxStorageBufferBindingSize is \d+ bytes, .*the largest batch that fits is \d+/);
});

test('a dispatch of more than 65,535 workgroups is split and updates every element (SGD over 16.8M floats, llvmpipe)', async () => {
  const count4 = MAX_WORKGROUPS_PER_DIMENSION * 64 + 1000; // vec4s: 65,551 workgroups of 64
  const bytes = count4 * 16;
  const gpu = await acquireNodeGpu('llvmpipe', { maxStorageBufferBindingSize: bytes, maxBufferSize: bytes });
  try {
    const { device } = gpu;
    const kernel = await new KernelCache(gpu).get(KERNEL_SPECS.sgd);
    const step = device.createBuffer({ size: STEP_SLOT, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const data = new ArrayBuffer(STEP_SLOT);
    writeStep(data, 0, { rows: 0, step: 0, seed: 0, batchStart: 0, lr: 1, bc1: 1, bc2: 1, training: true, record: 0 });
    device.queue.writeBuffer(step, 0, data, 0, STEP_BYTES);
    const [params, grads, m, v] = ['params', 'grads', 'm', 'v'].map((n) => storageBuffer(device, `test.${n}`, bytes));
    const g = new Float32Array(count4 * 4).map((_, i) => (i % 1000) + 1);
    device.queue.writeBuffer(grads, 0, g);
    const d = makeBinder(device, step, new BufferOwner(device))('test.sgdUpdate', kernel, optimizerUniform(count4 * 4, 0.9, 0.999, 1e-7, 0), [params, grads, m, v], groups(count4));
    assert.equal(d.workgroups, 65551);
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    dispatch(pass, d.kernel, d.group, d.workgroups, 0);
    pass.end();
    device.queue.submit([enc.finish()]);
    const out = new Float32Array(await readBuffer(device, params));
    let wrong = 0;
    for (let i = 0; i < out.length; i++) if (out[i] !== -g[i]) wrong++;
    assert.equal(wrong, 0, 'params = 0 − lr·grad everywhere, including the 4,000 floats past 65,535 × 64 vec4s');
    for (const b of [params, grads, m, v, step]) b.destroy();
  } finally {
    gpu.release();
  }
});
