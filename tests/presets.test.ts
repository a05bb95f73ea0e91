// Each preset (and each objective it carries) trains on the default digits in Node: two epochs lower the test
// reconstruction error; denoising presets report both clean and noisy→clean errors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Gpu } from '../src/gpu/device.ts';
import { acquireNodeGpu } from '../src/gpu/node.ts';
import { loadData } from '../src/data/node.ts';
import type { DataSplit } from '../src/data/dataset.ts';
import { preset, type PresetName } from '../src/model/presets.ts';
import type { TrainConfig } from '../src/model/config.ts';
import { Run } from '../src/train/run.ts';
import { DEFAULT_VARIANT } from '../src/train/kernels.ts';

const CASES: [string, PresetName, (cfg: TrainConfig) => void][] = [
  ['ae (mse)', 'ae', () => {}],
  ['ae with bce', 'ae', (cfg) => { cfg.loss = 'bce'; }],
  ['ae with mae', 'ae', (cfg) => { cfg.loss = 'mae'; }],
  ['sae-l1', 'sae-l1', () => {}],
  ['sae-kl', 'sae-kl', () => {}],
  ['dae (gaussian)', 'dae', () => {}],
  ['dae with salt and pepper', 'dae', (cfg) => { cfg.corruption = { kind: 'salt_pepper', level: 0.2 }; }],
  ['dae with block occlusion', 'dae', (cfg) => { cfg.corruption = { kind: 'block', level: 8 }; }],
  ['cae (exact ‖J‖²)', 'cae', () => {}],
  ['cae with 4 projections', 'cae', (cfg) => { cfg.contractiveSamples = 4; }],
];

describe('presets train on the default digits (Node/Dawn, llvmpipe)', () => {
  let gpu: Gpu;
  let data: DataSplit;
  before(async () => {
    data = await loadData('default');
    gpu = await acquireNodeGpu('llvmpipe');
  });
  after(() => gpu?.release());

  for (const [name, p, tweak] of CASES) {
    test(name, async () => {
      const cfg = preset(p, 16);
      tweak(cfg);
      const run = await Run.start({ gpu, hooks: { log: () => {} }, cfg, data, kernel: DEFAULT_VARIANT });
      const epochs = [];
      for (let e = 0; e < 2; e++) epochs.push((await run.epoch()).metrics);
      run.release();
      const [a, b] = epochs;
      assert.ok(Number.isFinite(b.loss) && b.test_loss < a.test_loss, `${name}: test ${cfg.loss} falls: ${a.test_loss} → ${b.test_loss}`);
      assert.ok(b.steps[b.steps.length - 1].loss < a.steps[0].loss, `${name}: training loss falls`);
      if (cfg.corruption.kind !== 'none') {
        assert.ok(b.test_noisy_mse !== null && Number.isFinite(b.test_noisy_mse), `${name}: noisy→clean error reported`);
      } else assert.equal(b.test_noisy_mse, null);
      if (cfg.sparsity.kind !== 'none') assert.ok(b.sparsity > 0, `${name}: sparsity term reported`);
      if (cfg.contractive > 0) {
        assert.ok(b.contractive > 0 && a.jacobian_fro2 !== null && b.jacobian_fro2! > 0, `${name}: ‖J‖²_F measured every epoch (${a.jacobian_fro2}, ${b.jacobian_fro2})`);
      } else assert.equal(a.jacobian_fro2, null, `${name}: ‖J‖²_F only measured in the last epoch`);
      assert.equal(b.lifetime_sparsity.length, 16);
      assert.ok(b.population_sparsity >= 0 && b.population_sparsity <= 1);
    });
  }
});
