// Whole training steps against the float64 reference, and determinism, on llvmpipe through Dawn.
import { after, before, describe, test } from 'node:test';
import type { Gpu } from '../src/gpu/device.ts';
import { acquireNodeGpu } from '../src/gpu/node.ts';
import { freshSeed } from './gpu/harness.ts';
import { stepCases } from './gpu/step-cases.ts';

describe('training step vs float64 reference (Node/Dawn, llvmpipe)', () => {
  let gpu: Gpu;
  before(async () => { gpu = await acquireNodeGpu('llvmpipe'); });
  after(() => gpu?.release());
  for (const [name, run] of Object.entries(stepCases)) test(name, () => run(gpu, freshSeed()));
});
