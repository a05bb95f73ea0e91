// TopK SAE end to end on llvmpipe: planted-dictionary recovery (MMCS), L0 against k on the held-out split, AuxK's
// effect on the dead fraction against a run without it, and the SAELens export read back.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Gpu } from '../src/gpu/device.ts';
import { acquireNodeGpu } from '../src/gpu/node.ts';
import { decodeSafetensors } from '../src/io/safetensors.ts';
import { topkIndices } from '../src/ref/sae-kinds.ts';
import { saelensFiles } from '../src/sae/export.ts';
import { PLANTED, plantedSplit, show, TOPK, train } from './support/sae.ts';

let gpu: Gpu;
before(async () => { gpu = await acquireNodeGpu('llvmpipe'); });
after(() => gpu?.release());

test('TopK SAE recovers a planted dictionary; L0 = k exactly (fewer only where the k-th pre-activation is ≤ 0); SAELens export reads back', async () => {
  const data = plantedSplit(PLANTED);
  const { history, trainer, seconds } = await train(gpu, TOPK, data);
  try {
    console.log(`TopK (${seconds.toFixed(1)} s, ${trainer.globalStep} steps):\n  ${history.map(show).join('\n  ')}`);
    const last = history.at(-1)!;
    assert.ok(last.mmcs! >= 0.9, `MMCS ${last.mmcs} < 0.9`);
    assert.equal(history[0].l0, TOPK.k, 'every held-out sample has exactly k active latents after epoch 1');
    // ReLU after top-k (OpenAI, SAELens): a sample has min(k, positive pre-activations) active latents. Counted here in
    // float64 from the trained parameters, it must match the GPU's L0 (one sample's rounding at h = 0 allowed).
    const p = await trainer.readParams();
    const { rows, values } = data.test;
    let expected = 0;
    for (let n = 0; n < rows; n++) {
      const h = Float64Array.from({ length: p.dSae }, (_, j) => {
        let s = p.benc[j];
        for (let i = 0; i < p.dIn; i++) s += (values[n * p.dIn + i] - p.bdec[i]) * p.Wenc[i * p.dSae + j];
        return s;
      });
      expected += topkIndices(h, TOPK.k).filter((j) => h[j] > 0).length;
    }
    assert.ok(Math.abs(last.l0 - expected / rows) <= 1 / rows, `L0 ${last.l0} vs min(k, positive) ${expected / rows}`);
    for (const m of history) assert.ok(m.l0 <= TOPK.k, `L0 ${m.l0} > k`);
    assert.ok(last.fvu < history[0].fvu && Math.abs(last.explainedVariance - (1 - last.fvu)) < 1e-12);
    const density = last.firingDensity;
    assert.equal(density.counts.reduce((a, b) => a + b, 0) + density.neverFired, TOPK.dSae, 'every latent is in the histogram');
    const state = await trainer.readState();
    const files = saelensFiles(state.params, trainer.layout, TOPK, 'planted');
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
    trainer.destroy();
  }
});

test('AuxK lowers the dead fraction where latents die without it (more true features than latents, high learning rate)', async () => {
  // 512 true features for 128 latents: every latent has work, so a dead one is lost capacity that AuxK can win back
  // on the residual. (With more latents than features, surplus latents die with or without AuxK: docs/sae.md.)
  const data = plantedSplit({ ...PLANTED, features: 512, active: 4 });
  const cfg = { ...TOPK, lr: 3e-2, deadAfter: 2000, epochs: 3 };
  const withAux = await train(gpu, cfg, data);
  const noAux = await train(gpu, { ...cfg, kAux: 0 }, data);
  try {
    for (const [name, r] of [['AuxK', withAux], ['no AuxK', noAux]] as const) {
      console.log(`${name} (${r.seconds.toFixed(1)} s, ${r.trainer.globalStep} steps):\n  ${r.history.map(show).join('\n  ')}`);
    }
    const [a, b] = [withAux.history.at(-1)!, noAux.history.at(-1)!];
    assert.ok(b.deadFraction >= 0.03, `latents must die without AuxK for the comparison to mean anything (${b.deadFraction})`);
    assert.ok(a.deadFraction < b.deadFraction / 2, `dead with AuxK ${a.deadFraction} vs without ${b.deadFraction}`);
    assert.ok(withAux.history.some((m) => m.trainAux > 0) && noAux.history.every((m) => m.trainAux === 0), 'AuxK ran only where k_aux > 0');
  } finally {
    withAux.trainer.destroy();
    noAux.trainer.destroy();
  }
});
