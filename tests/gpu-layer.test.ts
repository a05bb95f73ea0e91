// The GPU layer: shader errors name the .wgsl file and line, limits an adapter cannot give are named with
// the numbers, pipelines are cached, and readback through the pool returns what the GPU wrote.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkLimits, type Gpu } from '../src/gpu/device.ts';
import { KernelCache, storageBuffer } from '../src/gpu/kernels.ts';
import { acquireNodeGpu } from '../src/gpu/node.ts';
import { ReadbackPool } from '../src/gpu/readback.ts';

describe('GPU layer (Node/Dawn, llvmpipe)', () => {
  let gpu: Gpu;
  before(async () => { gpu = await acquireNodeGpu('llvmpipe'); });
  after(() => gpu?.release());

  test('a WGSL error names the file and the line within it', async () => {
    const broken = { ...gpu, shaders: { ...gpu.shaders, 'broken.wgsl': '// line 1\n@compute @workgroup_size(1)\nfn main() {\n  let x: u32 = 1.5;\n}\n' } };
    const cache = new KernelCache(broken);
    await assert.rejects(cache.get({ file: 'broken.wgsl', entry: 'main', bindings: [] }), /WGSL kernel broken\.wgsl:main failed to compile:\n\s+broken\.wgsl:4:/);
    await assert.rejects(cache.get({ file: 'missing.wgsl', entry: 'main', bindings: [] }), /shader missing\.wgsl not found/);
  });

  test('pipelines are compiled once per spec', async () => {
    const cache = new KernelCache(gpu);
    const spec = { file: 'optimizer.wgsl', entry: 'adamUpdate', bindings: ['step', 'uniform', 'rw', 'read', 'rw', 'rw'] as const };
    const a = await cache.get({ ...spec, bindings: [...spec.bindings] });
    const b = await cache.get({ ...spec, bindings: [...spec.bindings] });
    assert.equal(a, b);
  });

  test('limits the adapter cannot give are named with both numbers', async () => {
    const adapter = { limits: { maxStorageBufferBindingSize: 1000, maxComputeInvocationsPerWorkgroup: 256, minStorageBufferOffsetAlignment: 256 } } as unknown as GPUAdapter;
    assert.throws(() => checkLimits(adapter, { maxStorageBufferBindingSize: 5000, minStorageBufferOffsetAlignment: 64 }, 'tiny'),
      /tiny.*\n.*maxStorageBufferBindingSize: needs 5000, adapter offers 1000\n.*minStorageBufferOffsetAlignment: needs 64, adapter offers 256/);
    assert.deepEqual(checkLimits(adapter, { maxComputeInvocationsPerWorkgroup: 128 }, 'tiny'), { maxComputeInvocationsPerWorkgroup: 128 });
    await assert.rejects(acquireNodeGpu('llvmpipe', { maxStorageBufferBindingSize: 2 ** 52 }), /cannot run this configuration:\n\s+maxStorageBufferBindingSize: needs/);
  });

  test('pooled readback returns what was written before each copy, round after round', async () => {
    const { device } = gpu;
    const src = storageBuffer(device, 'test.src', 64);
    const pool = new ReadbackPool(device, 'test.pool', 64);
    for (let round = 0; round < 3; round++) {
      device.queue.writeBuffer(src, 0, Float32Array.from({ length: 16 }, (_, i) => i * round));
      const enc = device.createCommandEncoder();
      const pending = pool.copy(enc, src, 0, 64);
      device.queue.submit([enc.finish()]);
      assert.deepEqual([...new Float32Array(await pending.read())], Array.from({ length: 16 }, (_, i) => i * round));
    }
    assert.throws(() => pool.copy(device.createCommandEncoder(), src, 0, 128), /exceeds the pool's 64/);
    pool.destroy();
    src.destroy();
  });
});
