// TopK SAE kernels and whole steps against the float64 reference on llvmpipe (Node/Dawn).
import { after, before, describe, test } from 'node:test';
import type { Gpu } from '../src/gpu/device.ts';
import { acquireNodeGpu } from '../src/gpu/node.ts';
import { freshSeed } from './gpu/harness.ts';
import { saeKernelCases, saeStepCases } from './gpu/sae-cases.ts';

describe('TopK SAE kernels and steps vs float64 reference (Node/Dawn, llvmpipe)', () => {
  let gpu: Gpu;
  before(async () => { gpu = await acquireNodeGpu('llvmpipe'); });
  after(() => gpu?.release());
  for (const [name, run] of Object.entries({ ...saeKernelCases, ...saeStepCases })) {
    test(name, async () => { for (let i = 0; i < 2; i++) await run(gpu, freshSeed()); });
  }
});
