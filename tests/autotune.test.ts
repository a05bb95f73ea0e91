// The matmul tuner's whole-step check: when the per-product choices mix variants, a whole step with them is timed
// against the single fastest variant throughout and the faster kept; the decision is stored like the product
// timings, so a second tuning of the same model returns the same kernels without timing again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Gpu } from '../src/gpu/device.ts';
import { KernelCache } from '../src/gpu/kernels.ts';
import { acquireNodeGpu } from '../src/gpu/node.ts';
import { defaultTrainConfig, seedModel } from '../src/model/config.ts';
import { tuneMatmuls, UNIFORM_MARGIN, useTuningStore, wholeStepChoice } from '../src/train/autotune.ts';

let gpu: Gpu;
before(async () => { gpu = await acquireNodeGpu('llvmpipe'); useTuningStore(null); });
after(() => gpu?.release());

test('the tuned kernels follow the whole-step check, and a second tuning repeats it from the store', async () => {
  const cfg = defaultTrainConfig(seedModel(48, 12, 0.2, 784));
  cfg.batch = 64;
  const variants = ['rb4x4', 'rb8x8', 'mt8x8', 'mt16x16'];
  const first = await tuneMatmuls(gpu, new KernelCache(gpu), cfg, variants, true);
  console.log('step check:', JSON.stringify(first.step));
  const kept = first.products.map((p) => first.choices[p.layer]?.[p.product]);
  if (first.step === null) {
    // Nothing to compare: the per-product winners are one variant.
    assert.equal(new Set(first.products.map((p) => p.best)).size, 1);
  } else {
    const { tunedMs, uniformMs, uniform, chosen } = first.step;
    assert.ok(Number.isFinite(tunedMs) && tunedMs > 0 && Number.isFinite(uniformMs) && uniformMs > 0, JSON.stringify(first.step));
    assert.ok(variants.includes(uniform));
    assert.equal(chosen, uniformMs <= tunedMs * (1 + UNIFORM_MARGIN) ? uniform : 'tuned');
    assert.deepEqual(kept, chosen === 'tuned' ? first.products.map((p) => p.best) : first.products.map(() => uniform));
  }
  const again = await tuneMatmuls(gpu, new KernelCache(gpu), cfg, variants);
  assert.equal(again.cached, true);
  assert.deepEqual(again.step, first.step);
  assert.deepEqual(again.choices, first.choices);
});

test('one variant throughout is kept unless the mixed choices are more than the margin faster', () => {
  assert.equal(wholeStepChoice(30.72, 30.81, 'mt16x16'), 'mt16x16'); // the bench's check: a tie, which training showed to be 12% in mt16x16's favour
  assert.equal(wholeStepChoice(27.39, 28.06, 'mt16x16'), 'mt16x16');
  assert.equal(wholeStepChoice(100, 105, 'mt16x16'), 'mt16x16');
  assert.equal(wholeStepChoice(100, 105.1, 'mt16x16'), 'tuned');
  assert.equal(wholeStepChoice(20, 10, 'rb8x8'), 'rb8x8');
});
