// Training steps/s of each SAE kind at one size (default d_in 784, d_sae 4096, k 32, batch 256) on one Node adapter,
// random vectors, whole steps as SaeTrainer records them (one submit per `--per-submit` steps). docs/sae.md's table.
// JumpReLU and L1 start at a matched sparsity (θ, or −b_enc for L1, at the N(0, 1) quantile that leaves k of d_sae
// active: h_j ~ N(0, 1) for these vectors and unit tied columns); the L0 of the last batch is printed.
//   node --import tsx bench/sae-kinds.ts [--adapter llvmpipe] [--steps 6] [--d-in 784] [--d-sae 4096] [--k 32] [--batch 256]
import { parseArgs } from 'node:util';
import { acquireNodeGpu, type NodeAdapterChoice } from '../src/gpu/node.ts';
import { TestRandom } from '../src/ref/check.ts';
import { SAE_KINDS } from '../src/ref/sae-kinds.ts';
import { readBuffer } from '../src/gpu/readback.ts';
import { initSae } from '../src/sae/init.ts';
import { SaeTrainer, type SaeConfig } from '../src/sae/trainer.ts';

const { values: a } = parseArgs({ options: { adapter: { type: 'string', default: 'llvmpipe' }, steps: { type: 'string', default: '6' },
  'd-in': { type: 'string', default: '784' }, 'd-sae': { type: 'string', default: '4096' }, k: { type: 'string', default: '32' },
  batch: { type: 'string', default: '256' }, 'per-submit': { type: 'string', default: '2' } } });
const [dIn, dSae, k, batch, steps, perSubmit] = [a['d-in'], a['d-sae'], a.k, a.batch, a.steps, a['per-submit']].map(Number);
const rows = batch * (steps + perSubmit);
const values = Float32Array.from(new TestRandom(1).normal(rows * dIn));
const vectors = { rows, cols: dIn, values };
const data = { name: 'random', dim: dIn, train: vectors, test: { rows: batch, cols: dIn, values: values.subarray(0, batch * dIn) }, dictionary: null, heldOut: '', sha256: '' };
const gpu = await acquireNodeGpu(a.adapter as NodeAdapterChoice);
/** The upper-tail N(0, 1) quantile for probability q, by bisection on erfc (q well inside (0, 1)). */
function normalQuantile(q: number): number {
  const tail = (t: number) => { // Abramowitz–Stegun 7.1.26 for erfc(t / √2) / 2
    const x = t / Math.SQRT2, u = 1 / (1 + 0.3275911 * x);
    return (0.5 * u * (0.254829592 + u * (-0.284496736 + u * (1.421413741 + u * (-1.453152027 + u * 1.061405429))))) * Math.exp(-x * x);
  };
  let [lo, hi] = [0, 10];
  for (let i = 0; i < 60; i++) { const m = (lo + hi) / 2; if (tail(m) > q) lo = m; else hi = m; }
  return lo;
}
const cut = normalQuantile(k / dSae);
console.log(`| kind | steps/s | ms/step | L0 of the last batch | (d_in ${dIn}, d_sae ${dSae}, k ${k}, batch ${batch}, ${gpu.adapter.name}) |`);
for (const kind of SAE_KINDS) {
  const cfg: SaeConfig = { kind, dSae, k, kAux: kind === 'topk' || kind === 'batchtopk' ? 2 * k : 0, auxWeight: 1 / 32, deadAfter: batch, batch, epochs: 1,
    lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-7, seed: 0, l0Weight: 1e-3, bandwidth: 0.05, l1Weight: 1e-3, thresholdInit: 0.01, bDecInit: 'mean' };
  const init = initSae(dIn, dSae, 0, null);
  if (kind === 'jumprelu') init.threshold.fill(cut);
  if (kind === 'l1') init.benc.fill(-cut);
  const t = await SaeTrainer.create(gpu, cfg, data, undefined, init);
  t.beginEpoch();
  t.submitSteps(0, perSubmit); // warm-up: pipelines, first dispatches; AuxK active from the next step (deadAfter = batch)
  await gpu.device.queue.onSubmittedWorkDone();
  const t0 = performance.now();
  for (let s = 0; s < steps; s += perSubmit) t.submitSteps(perSubmit + s, Math.min(perSubmit, steps - s));
  await gpu.device.queue.onSubmittedWorkDone();
  const seconds = (performance.now() - t0) / 1000;
  const z = new Float32Array(await readBuffer(gpu.device, t.graph.z));
  const l0 = z.subarray(0, batch * dSae).reduce((a, v) => a + (v > 0 ? 1 : 0), 0) / batch;
  console.log(`| ${kind} | ${(steps / seconds).toFixed(3)} | ${((seconds * 1000) / steps).toFixed(0)} | ${l0.toFixed(1)} |`);
  t.destroy();
}
gpu.release();
