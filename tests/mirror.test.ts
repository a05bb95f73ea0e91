// Texture-fed matmuls (family tx, src/gpu/mirror.ts): the tx kernels do the mt kernels' arithmetic in the same order,
// reading their operands from texture mirrors that Recorder copies from the buffers before each first read after a
// write. A mirror copied too late (or never) would feed a kernel the previous step's activations or weights, so
// training with tx must give the mt bits exactly: every epoch's metrics and the final slabs, with several steps per
// submit, evaluations between epochs, a batch of models, and the contractive penalty's Jacobian products.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Gpu } from '../src/gpu/device.ts';
import { acquireNodeGpu } from '../src/gpu/node.ts';
import { KernelCache } from '../src/gpu/kernels.ts';
import { mirrorCapacity, TextureMirror } from '../src/gpu/mirror.ts';
import { readBuffer } from '../src/gpu/readback.ts';
import { loadData } from '../src/data/node.ts';
import { subsetSplit, type DataSplit } from '../src/data/dataset.ts';
import type { TrainConfig } from '../src/model/config.ts';
import { preset } from '../src/model/presets.ts';
import { Trainer, limitsFor, type EpochMetrics } from '../src/train/trainer.ts';
import { BufferOwner, makeBinder, Recorder } from '../src/train/bind.ts';
import { availableVariants, familyAvailable, loadKernels } from '../src/train/kernels.ts';

const EPOCHS = 2;
const PER_SUBMIT = 3;
const settings = (cfg: TrainConfig, o: Partial<TrainConfig> = {}): TrainConfig => ({ ...cfg, ...o, epochs: EPOCHS, batch: 64,
  schedule: { ...cfg.schedule, T: EPOCHS } });

async function train(gpu: Gpu, cache: KernelCache, data: DataSplit, models: TrainConfig[], kernel: string) {
  const t = await Trainer.create(gpu, models[0], data, kernel, cache, { models });
  try {
    const epochs: EpochMetrics[][] = [];
    for (let e = 0; e < EPOCHS; e++) {
      t.beginEpoch();
      for (let s = 0; s < t.stepsPerEpoch; s += PER_SUBMIT) t.submitSteps(s, Math.min(PER_SUBMIT, t.stepsPerEpoch - s));
      epochs.push(await t.finishEpochModels());
    }
    const slabs = [];
    for (let m = 0; m < models.length; m++) {
      const s = await t.readSlabs(m);
      slabs.push(new Uint32Array(Float32Array.from([...s.params, ...s.state, ...s.m, ...s.v]).buffer));
    }
    return { epochs, slabs };
  } finally {
    t.destroy();
  }
}

for (const adapter of ['llvmpipe', 'swiftshader'] as const) {
  describe(`texture mirrors on ${adapter}`, () => {
    let gpu: Gpu;
    let data: DataSplit;
    const cache = () => new KernelCache(gpu);
    const seed = settings(preset('seed', 16), { seed: 3 });
    const cae = settings(preset('cae', 16), { seed: 4 });
    const dae = settings(preset('dae', 16), { corruption: { kind: 'masking', level: 0.3 }, loss: 'bce' });
    before(async () => {
      const full = await loadData('default');
      data = await subsetSplit(full, 320, 96);
      gpu = await acquireNodeGpu(adapter, limitsFor(seed, data, 2));
    });
    after(() => gpu?.release());

    for (const [what, models, tx, mt] of [
      ['the seed model (BatchNorm, dropout, KL), 3 steps per submit', [seed], 'tx16x8', 'mt16x8'],
      ['a denoising BCE autoencoder and the seed model as a batch of two', [settings(seed, { seed: 8, loss: 'bce', corruption: dae.corruption }), seed], 'tx8x16', 'mt8x16'],
      ['the contractive penalty (its Jacobian products read mirrors too)', [cae], 'tx16x16', 'mt16x16'],
    ] as [string, TrainConfig[], string, string][]) {
      test(`${tx} trains ${what} to the bits of ${mt}`, async () => {
        const a = await train(gpu, cache(), data, models, tx);
        const b = await train(gpu, cache(), data, models, mt);
        assert.deepStrictEqual(a.epochs, b.epochs, 'every epoch\'s metrics');
        for (const [m, s] of a.slabs.entries()) assert.deepStrictEqual(s, b.slabs[m], `model ${m}: final slabs bitwise`);
        assert.ok(Number.isFinite(a.epochs[EPOCHS - 1][0].test_mse), 'finite');
      });
    }

    test('Recorder copies a mirror before its first read, and again only after a dispatch wrote its buffer', async () => {
      const { device } = gpu;
      const kernels = await loadKernels(cache(), 'tx8x16');
      const owner = new BufferOwner(device);
      const step = device.createBuffer({ size: 256, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
      try {
        const bind = makeBinder(device, step, owner);
        const [x, params, y, aux, w2] = ['x', 'params', 'y', 'aux', 'w2'].map((n) => owner.alloc(`mirror-test.${n}`, 1040 * 16));
        const fwd = kernels.dense('layer', 'forward');
        const u = new ArrayBuffer(64);
        const read1 = bind('read x', fwd.kernel, u, [x, params, y, aux], 1);
        const read2 = bind('read x again', fwd.kernel, u, [x, params, w2, aux], 1);
        const writeX = bind('write x', fwd.kernel, u, [y, params, x, aux], 1); // x bound writable (the output)
        assert.deepStrictEqual(read1.reads.map((m) => m.buffer), [x, params]);
        assert.deepStrictEqual(writeX.writes, [x, aux]);
        const r = new Recorder(device.createCommandEncoder(), 'mirror-test');
        r.record([read1, read2, writeX, read2]);
        r.end();
        assert.deepStrictEqual(r.refreshed.map((m) => m.buffer.label),
          ['mirror-test.x', 'mirror-test.params', 'mirror-test.y', 'mirror-test.x'], 'x, params; y for the write; x again after it');
      } finally {
        owner.destroy();
        step.destroy();
      }
    });

    test('a mirror holds the buffer texel for texel, a partial last row included', async () => {
      const { device } = gpu;
      const texels = 64 * 3 + 5;
      const data = Float32Array.from({ length: texels * 4 }, (_, i) => i * 0.5 - 7);
      const owner = new BufferOwner(device);
      try {
        const b = owner.alloc('mirror-test.src', data.byteLength);
        device.queue.writeBuffer(b, 0, data);
        const m = owner.mirror(b);
        assert.equal(owner.mirror(b), m, 'one mirror per buffer');
        assert.equal(m.width, 64);
        // Read every texel back through a shader (textures the mirrors make are not copyable out).
        const out = device.createBuffer({ size: data.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
        const module = device.createShaderModule({ code: `
          @group(0) @binding(0) var t: texture_2d<f32>;
          @group(0) @binding(1) var<storage, read_write> o: array<vec4f>;
          @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) {
            let w = textureDimensions(t).x;
            if (g.x < arrayLength(&o)) { o[g.x] = textureLoad(t, vec2u(g.x % w, g.x / w), 0); }
          }` });
        const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
        const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: m.view }, { binding: 1, resource: { buffer: out } }] });
        const encoder = device.createCommandEncoder();
        m.refresh(encoder);
        const pass = encoder.beginComputePass();
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, group);
        pass.dispatchWorkgroups(Math.ceil(texels / 64));
        pass.end();
        device.queue.submit([encoder.finish()]);
        assert.deepStrictEqual(new Float32Array(await readBuffer(device, out)), data);
        out.destroy();
      } finally {
        owner.destroy();
      }
    });

    test('the texture is wider than 64 texels when the buffer would need too many rows', () => {
      const owner = new BufferOwner(gpu.device);
      try {
        const max = gpu.device.limits.maxTextureDimension2D;
        const b = owner.alloc('mirror-test.wide', 64 * 16 * (max + 1));
        const m = owner.mirror(b);
        assert.equal(m.width, 128);
        assert.ok(m.texture.height <= max);
        assert.ok(m instanceof TextureMirror);
      } finally {
        owner.destroy();
      }
    });
  });
}

test('tx is offered only where a mirror can hold the largest storage binding, and refused by name elsewhere', () => {
  const gpu = (maxTextureDimension2D: number, maxStorageBufferBindingSize: number) =>
    ({ subgroupSize: null, adapter: { name: 'test adapter' }, device: { limits: { maxTextureDimension2D, maxStorageBufferBindingSize } } }) as unknown as Gpu;
  assert.equal(mirrorCapacity({ maxTextureDimension2D: 16384 }), 16 * 16384 * 16384);
  assert.equal(mirrorCapacity({ maxTextureDimension2D: 10000 }), 16 * 8192 * 10000, 'a power-of-two width');
  assert.equal(familyAvailable('tx', gpu(16384, 2 ** 27)), true);
  assert.equal(familyAvailable('tx', gpu(4096, 2 ** 28)), true, '16·4096² bytes = 256 MiB holds a 256 MiB binding');
  assert.equal(familyAvailable('tx', gpu(4096, 2 ** 28 + 16)), false);
  assert.ok(!availableVariants(gpu(2048, 2 ** 27)).some((v) => v.startsWith('tx')), 'not offered to the tuner');
  assert.ok(availableVariants(gpu(8192, 2 ** 27)).includes('tx16x16'));
});
