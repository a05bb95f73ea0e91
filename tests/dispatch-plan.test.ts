// The dispatch plan: steps per submit by adapter kind (overridable, bad values named), and the dispatches one
// training step records, counted on a real graph (llvmpipe) for the seed model and a denoising contractive one.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AdapterDescription, Gpu } from '../src/gpu/device.ts';
import { KernelCache } from '../src/gpu/kernels.ts';
import { acquireNodeGpu } from '../src/gpu/node.ts';
import { defaultTrainConfig } from '../src/model/config.ts';
import { buildPlan } from '../src/model/plan.ts';
import { preset } from '../src/model/presets.ts';
import { ScratchStep } from '../src/train/autotune.ts';
import { countStepDispatches, GPU_STEPS_PER_SUBMIT, MAX_STEPS_PER_SUBMIT, modelsPerBatch, stepsPerSubmit } from '../src/train/dispatch-plan.ts';
import { MAX_MODELS } from '../src/train/uniforms.ts';
import { loadKernels } from '../src/train/kernels.ts';

const adapter = (name: string, isFallback = false): { adapter: AdapterDescription } =>
  ({ adapter: { name, isFallback, featureLevel: 'core', host: 'node-dawn' } });

describe('dispatch plan', () => {
  test('one step per submit on CPU adapters, several on GPUs, and an override wins', () => {
    assert.equal(stepsPerSubmit(adapter('mesa llvmpipe (LLVM 15.0.6, 256 bits)')), 1);
    assert.equal(stepsPerSubmit(adapter('Google SwiftShader Device (Subzero)', true)), 1);
    assert.equal(stepsPerSubmit(adapter('some software renderer', true)), 1);
    assert.equal(stepsPerSubmit(adapter('nvidia hopper NVIDIA H200')), GPU_STEPS_PER_SUBMIT);
    assert.equal(stepsPerSubmit(adapter('nvidia hopper NVIDIA H200'), 3), 3);
    assert.equal(stepsPerSubmit(adapter('mesa llvmpipe'), MAX_STEPS_PER_SUBMIT), MAX_STEPS_PER_SUBMIT);
    for (const bad of [0, 65, 2.5, Number.NaN]) assert.throws(() => stepsPerSubmit(adapter('x'), bad), /steps per submit .*whole number from 1 to 64/);
  });

  test('a batched sweep groups at most 4 models on CPU adapters (8 measured slower than one by one), 16 on GPUs', () => {
    assert.equal(modelsPerBatch(adapter('mesa llvmpipe (LLVM 15.0.6, 256 bits)')), 4);
    assert.equal(modelsPerBatch(adapter('Google SwiftShader Device (Subzero)', true)), 4);
    assert.equal(modelsPerBatch(adapter('nvidia hopper NVIDIA H200')), MAX_MODELS);
  });

  describe('dispatches per step on a real graph (llvmpipe)', () => {
    let gpu: Gpu;
    before(async () => { gpu = await acquireNodeGpu('llvmpipe'); });
    after(() => gpu?.release());

    const count = async (cfg: ReturnType<typeof defaultTrainConfig>) => {
      const s = new ScratchStep(gpu.device, await loadKernels(new KernelCache(gpu), 'rb8x8'), buildPlan(cfg.model), cfg, 16);
      try {
        return countStepDispatches(s.graph.step);
      } finally {
        s.destroy();
      }
    };

    test('the seed model: 21 dispatches, 11 of them dense products; each dropout runs inside its BatchNorm', async () => {
      // 25 before the fusion: the two dropout forwards and backwards were passes of their own.
      const c = await count(defaultTrainConfig());
      assert.equal(c.total, 21, JSON.stringify(c.byKernel));
      assert.equal(c.dense, 11);
      assert.deepEqual([c.byKernel.gatherBatch, c.byKernel.denseForward, c.byKernel.denseBackwardWeight, c.byKernel.denseBackwardInput,
        c.byKernel.batchNormForward, c.byKernel.batchNormBackward, c.byKernel.dropoutForward, c.byKernel.dropoutBackward, c.byKernel.adamUpdate],
      [1, 4, 4, 3, 2, 2, undefined, undefined, 1]);
    });

    test('a contractive seed model keeps its dropout passes (the penalty reads the dropout output gradient)', async () => {
      const cfg = defaultTrainConfig();
      cfg.contractive = 0.1;
      const s = new ScratchStep(gpu.device, await loadKernels(new KernelCache(gpu), 'rb8x8'), buildPlan(cfg.model), cfg, 16, 'train');
      try {
        const c = countStepDispatches(s.graph.step);
        assert.equal(c.byKernel.dropoutBackward, 2, JSON.stringify(c.byKernel));
      } finally {
        s.destroy();
      }
    });

    test('denoising adds the corruption pass', async () => {
      const c = await count(preset('dae'));
      assert.equal(c.byKernel.corruptBatch, 1);
    });
  });
});
