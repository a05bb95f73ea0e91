// TopK SAE end to end on llvmpipe: planted-dictionary recovery (MMCS), L0 against k on the held-out split, AuxK's
// effect on the dead fraction measured against a run without it, and the SAELens export read back.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Gpu } from '../src/gpu/device.ts';
import { acquireNodeGpu } from '../src/gpu/node.ts';
import { decodeSafetensors } from '../src/io/safetensors.ts';
import { saelensFiles } from '../src/sae/export.ts';
import { plantedData } from '../src/sae/planted.ts';
import { SaeTrainer, type SaeConfig, type SaeMetrics } from '../src/sae/trainer.ts';

const PLANTED = { dim: 32, features: 64, train: 8000, test: 2000, active: 3, skew: 0.5, noise: 0.01, seed: 1 };
const CFG: SaeConfig = { kind: 'topk', l0Weight: 0, bandwidth: 0.05, l1Weight: 0, thresholdInit: 0.01, bDecInit: 'mean', dSae: 128, k: 4, kAux: 64, auxWeight: 1 / 32, deadAfter: 4000, batch: 256, epochs: 4, lr: 1e-2,
  beta1: 0.9, beta2: 0.999, eps: 1e-7, seed: 0 };
const d = plantedData(PLANTED);
const data = { name: 'planted', dim: PLANTED.dim, train: d.train, test: d.test, dictionary: d.dictionary, heldOut: 'test.npy', sha256: '' };

let gpu: Gpu;
before(async () => { gpu = await acquireNodeGpu('llvmpipe'); });
after(() => gpu?.release());

async function train(cfg: SaeConfig): Promise<{ history: SaeMetrics[]; trainer: SaeTrainer; seconds: number }> {
  const trainer = await SaeTrainer.create(gpu, cfg, data);
  const history: SaeMetrics[] = [];
  const t0 = performance.now();
  for (let e = 0; e < cfg.epochs; e++) history.push(await trainer.trainEpoch());
  return { history, trainer, seconds: (performance.now() - t0) / 1000 };
}

const show = (m: SaeMetrics) => `epoch ${m.epoch}: L0 ${m.l0.toFixed(3)}, FVU ${m.fvu.toFixed(3)}, MMCS ${m.mmcs!.toFixed(3)}, dead ${m.deadFraction.toFixed(3)}, ` +
  `aux ${m.trainAux.toFixed(4)}`;

test('TopK SAE recovers a planted dictionary; L0 = k, then ≤ k; AuxK vs none measured; SAELens export reads back', async () => {
  const withAux = await train(CFG);
  const noAux = await train({ ...CFG, kAux: 0 });
  try {
    for (const [name, r] of [['AuxK', withAux], ['no AuxK', noAux]] as const) {
      console.log(`${name} (${r.seconds.toFixed(1)} s, ${r.trainer.globalStep} steps):\n  ${r.history.map(show).join('\n  ')}`);
    }
    const last = withAux.history.at(-1)!;
    assert.ok(last.mmcs! >= 0.9, `MMCS ${last.mmcs} < 0.9`);
    assert.equal(withAux.history[0].l0, CFG.k, 'every held-out sample has exactly k active latents after epoch 1');
    // ReLU after top-k: a sample whose k-th largest pre-activation is ≤ 0 has fewer than k active latents, never more.
    for (const m of withAux.history) assert.ok(m.l0 <= CFG.k && m.l0 > CFG.k - 0.2, `L0 ${m.l0}`);
    assert.ok(last.fvu < withAux.history[0].fvu && Math.abs(last.explainedVariance - (1 - last.fvu)) < 1e-12);
    assert.ok(withAux.history.slice(1).some((m) => m.trainAux > 0), 'AuxK ran on dead latents');
    assert.ok(noAux.history.every((m) => m.trainAux === 0), 'k_aux = 0 has no AuxK term');
    const state = await withAux.trainer.readState();
    const files = saelensFiles(state.params, withAux.trainer.layout, CFG, 'planted');
    const { tensors } = decodeSafetensors(files['sae_weights.safetensors'], 'sae_weights.safetensors');
    for (const [name, shape] of [['W_enc', [32, 128]], ['b_enc', [128]], ['W_dec', [128, 32]], ['b_dec', [32]]] as const) {
      assert.deepEqual(tensors.get(name)?.shape, shape, name);
    }
    assert.equal(tensors.size, 4);
    const Wdec = tensors.get('W_dec')!.data as Float32Array;
    for (let j = 0; j < 128; j++) assert.ok(Math.abs(Math.hypot(...Wdec.subarray(j * 32, j * 32 + 32)) - 1) < 1e-5, `W_dec row ${j} is not unit`);
    const cfg = JSON.parse(files['cfg.json']);
    assert.deepEqual([cfg.architecture, cfg.d_in, cfg.d_sae, cfg.k, cfg.activation_fn_kwargs.k, cfg.apply_b_dec_to_input], ['topk', 32, 128, 4, 4, true]);
  } finally {
    withAux.trainer.destroy();
    noAux.trainer.destroy();
  }
});
