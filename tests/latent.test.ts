// The latent view's codes (src/train/latent.ts) in Node/Dawn: every test image's code in evaluation mode, checked
// against the float64 reference model on the trained weights and against the trainer's own evaluation pass (the
// snapshot of its last test batch), for a tanh code with BatchNorm and dropout and for a denoising model.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Gpu } from '../src/gpu/device.ts';
import { acquireNodeGpu } from '../src/gpu/node.ts';
import { loadData } from '../src/data/node.ts';
import { subsetSplit, type DataSplit } from '../src/data/dataset.ts';
import { unpackTensor } from '../src/model/init.ts';
import { pad4 } from '../src/model/plan.ts';
import { preset } from '../src/model/presets.ts';
import { refForwardBackward, type ParamMap } from '../src/ref/model.ts';
import { LatentProbe } from '../src/train/latent.ts';
import { Run } from '../src/train/run.ts';
import { takeSnapshot } from '../src/train/snapshot.ts';

let gpu: Gpu;
let data: DataSplit;
before(async () => {
  gpu = await acquireNodeGpu('llvmpipe');
  data = await subsetSplit(await loadData('default'), 1000, 300); // 300 test images: a last batch of 300 − 256 = 44
});
after(() => gpu?.release());

for (const name of ['seed', 'dae'] as const) {
  test(`LatentProbe reads every test code in evaluation mode (${name})`, async () => {
    const cfg = preset(name, 12);
    const run = await Run.start({ gpu, hooks: { log: () => {} }, cfg, data, kernel: 'rb8x8' });
    const t = run.trainer;
    const probe = new LatentProbe(t);
    try {
      await run.epoch();
      const snapshot = await takeSnapshot(t); // right after evaluation: its last test batch
      const codes = await probe.read();
      const z = 12;
      const stride = pad4(z);
      assert.equal(codes.length, data.test.count * stride);
      // The trainer's evaluation pass saw the same weights: its last batch's codes must agree (when denoising, its
      // last pass read corrupted inputs, so only the reference check below applies).
      const first = snapshot.firstTestIndex;
      for (let r = 0; r < (snapshot.corrupted ? 0 : snapshot.rows); r++) for (let j = 0; j < z; j++) {
        const a = codes[(first + r) * stride + j];
        const b = snapshot.code[r * stride + j];
        assert.ok(Math.abs(a - b) <= 1e-6 + 1e-5 * Math.abs(b), `test image ${first + r}, unit ${j}: probe ${a} vs evaluation ${b}`);
      }
      // And the float64 reference model in evaluation mode on the first rows.
      const slabs = await t.readSlabs();
      const map: ParamMap = new Map();
      for (const p of t.plan.params) map.set(p.name, Float64Array.from(unpackTensor(slabs.params, p)));
      for (const p of t.plan.buffers) map.set(p.name, Float64Array.from(unpackTensor(slabs.state, p)));
      const B = 6;
      const D = t.plan.inputDim;
      const x = Float64Array.from(data.test.images.subarray(0, B * D), (v) => v / 255);
      const ref = refForwardBackward(cfg, map, x, B, 0, false, { width: 28, height: 28, corrupt: false });
      for (let r = 0; r < B; r++) for (let j = 0; j < z; j++) {
        const a = codes[r * stride + j];
        const b = ref.code[r * z + j];
        assert.ok(Math.abs(a - b) <= 1e-4 + 1e-3 * Math.abs(b), `test image ${r}, unit ${j}: probe ${a} vs reference ${b}`);
      }
    } finally {
      probe.destroy();
      run.release();
    }
  });
}
