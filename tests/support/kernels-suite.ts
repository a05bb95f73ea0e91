// Registers every kernel case as a node:test test on one Dawn adapter; a missing adapter fails the suite.
import { after, before, describe, test } from 'node:test';
import type { Gpu } from '../../src/gpu/device.ts';
import { acquireNodeGpu, type NodeAdapterChoice } from '../../src/gpu/node.ts';
import { freshSeed } from '../gpu/harness.ts';
import { kernelCases } from '../gpu/kernel-cases.ts';

export function kernelSuite(adapter: NodeAdapterChoice, repeats = 2): void {
  describe(`kernels vs float64 reference on ${adapter} (Node/Dawn)`, () => {
    let gpu: Gpu;
    before(async () => { gpu = await acquireNodeGpu(adapter); });
    after(() => gpu?.release());
    for (const [name, run] of Object.entries(kernelCases)) {
      test(name, async () => {
        for (let i = 0; i < repeats; i++) await run(gpu, freshSeed());
      });
    }
  });
}
