// BatchTopK, JumpReLU and L1 SAEs end to end on planted data (llvmpipe): BatchTopK's held-out L0 with its estimated
// threshold equals k within 1%; the JumpReLU and L1 penalties trade L0 against FVU as their weights say.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Gpu } from '../src/gpu/device.ts';
import { acquireNodeGpu } from '../src/gpu/node.ts';
import { SaeTrainer } from '../src/sae/trainer.ts';
import { PLANTED, plantedSplit, show, TOPK, train } from './support/sae.ts';

let gpu: Gpu;
before(async () => { gpu = await acquireNodeGpu('llvmpipe'); });
after(() => gpu?.release());

test('BatchTopK: the held-out L0 with the estimated threshold (z = h·[h > θ]) equals k within 1%', async () => {
  // θ is an exponential moving average (rate 0.01, ≈ 100 steps) of each batch's smallest selected code, so it lags
  // while the dictionary still moves; a second phase at a 10× lower learning rate lets it settle (docs/sae.md).
  const data = plantedSplit({ ...PLANTED, test: 8000 });
  const cfg = { ...TOPK, kind: 'batchtopk' as const, batch: 64 };
  const first = await train(gpu, cfg, data);
  const params = await first.trainer.readParams();
  first.trainer.destroy();
  const settle = await SaeTrainer.create(gpu, { ...cfg, lr: 1e-3 }, data, undefined, params);
  try {
    const history = [...first.history];
    for (let e = 0; e < 2; e++) history.push(await settle.trainEpoch());
    const theta = (await settle.readParams()).threshold;
    console.log(`BatchTopK k ${cfg.k}, batch ${cfg.batch} (${first.seconds.toFixed(1)} s + settling), θ ${theta[0].toFixed(4)}:\n  ${history.map(show).join('\n  ')}`);
    assert.ok(theta.every((t) => t === theta[0]) && theta[0] > 0, 'one θ for every latent, estimated from the batches');
    const l0 = history.at(-1)!.l0;
    assert.ok(Math.abs(l0 - cfg.k) <= 0.01 * cfg.k, `held-out L0 ${l0} is not k = ${cfg.k} within 1%`);
    assert.ok(history.at(-1)!.mmcs! >= 0.9, `MMCS ${history.at(-1)!.mmcs}`);
  } finally {
    settle.destroy();
  }
});

for (const [kind, field, weights] of [['jumprelu', 'l0Weight', [1e-4, 1e-3]], ['l1', 'l1Weight', [3e-4, 3e-3]]] as const) {
  test(`${kind}: a larger ${field} gives a lower L0 and a higher FVU; training lowers the loss`, async () => {
    const data = plantedSplit(PLANTED);
    const runs = [];
    for (const w of weights) {
      const r = await train(gpu, { ...TOPK, kind, kAux: 0, [field]: w, epochs: 3 }, data);
      runs.push(r);
      console.log(`${kind} ${field} ${w} (${r.seconds.toFixed(1)} s):\n  ${r.history.map(show).join('\n  ')}`);
    }
    try {
      const [low, high] = runs.map((r) => r.history.at(-1)!);
      assert.ok(high.l0 < 0.8 * low.l0 && high.fvu > low.fvu, `L0 ${low.l0} → ${high.l0}, FVU ${low.fvu} → ${high.fvu}`);
      for (const r of runs) {
        const [a, b] = [r.history[0], r.history.at(-1)!];
        assert.ok(b.trainRecon + b.trainPenalty < a.trainRecon + a.trainPenalty && b.trainPenalty > 0 && b.trainAux === 0);
      }
    } finally {
      for (const r of runs) r.trainer.destroy();
    }
  });
}
