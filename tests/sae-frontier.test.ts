// The sae-frontier experiment end to end at a tiny size: both datasets (pixels; the seed autoencoder's hidden layer,
// trained here), every kind, two settings each; TopK's L0 is exactly k; the report's files and tables.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { subsetSplit } from '../src/data/dataset.ts';
import { loadData } from '../src/data/node.ts';
import type { Gpu } from '../src/gpu/device.ts';
import { acquireNodeGpu } from '../src/gpu/node.ts';
import { comparisonAt, fvuAt, frontierReport } from '../src/experiments/sae-frontier-report.ts';
import { FRONTIER_KINDS, runFrontier, type FrontierPoint } from '../src/experiments/sae-frontier.ts';

let gpu: Gpu;
before(async () => { gpu = await acquireNodeGpu('llvmpipe'); });
after(() => gpu?.release());

test('sae-frontier: four kinds on pixels and on hidden activations, TopK L0 = k, report files', { timeout: 600_000 }, async () => {
  const data = await subsetSplit(await loadData('default'), 600, 200);
  const r = await runFrontier(gpu, data, { dSae: 32, epochs: 1, aeEpochs: 1, seed: 3, values: 2 });
  assert.deepEqual(r.datasets.map((d) => [d.name, d.dim, d.train, d.test]), [['pixels', 784, 600, 200], ['hidden', 256, 600, 200]]);
  assert.equal(r.points.length, 2 * FRONTIER_KINDS.length * 2);
  for (const p of r.points) {
    assert.equal(p.error, null, `${p.dataset} ${p.kind} ${p.value}: ${p.error}`);
    assert.ok(p.fvu > 0 && p.fvu < 1.5 && p.l0 > 0 && p.l0 <= 32, JSON.stringify(p));
    if (p.kind === 'topk') assert.equal(p.l0, p.value, 'TopK keeps exactly k latents per sample');
  }
  const { files, tables } = frontierReport(r, { data: 'digits subset', adapter: gpu.adapter.name, commit: 'test', seconds: 1 });
  assert.deepEqual(files.map((f) => f.name).sort(), ['frontier-hidden.svg', 'frontier-pixels.svg', 'report.md', 'results.csv', 'results.json']);
  assert.match(files.find((f) => f.name === 'frontier-pixels.svg')!.content, /<svg[^]*TopK[^]*BatchTopK[^]*JumpReLU/);
  assert.equal(files.find((f) => f.name === 'results.csv')!.content.trim().split('\n').length, 1 + r.points.length);
  assert.match(tables, /\| TopK \| k = 4 \| 4 \|/);
});

test('FVU at a matched L0 interpolates in log L0 along a sweep and ranks the kinds', () => {
  const p = (kind: FrontierPoint['kind'], l0: number, fvu: number): FrontierPoint =>
    ({ dataset: 'x', kind, knob: 'k', value: l0, l0, fvu, mse: 0, dead: 0, seconds: 0, error: null });
  const topk = [p('topk', 4, 0.4), p('topk', 16, 0.2)];
  assert.ok(Math.abs(fvuAt(topk, 8)! - 0.3) < 1e-12); // halfway in log L0
  assert.equal(fvuAt(topk, 32), null); // outside the sweep
  assert.equal(comparisonAt([...topk, p('l1', 2, 0.5), p('l1', 20, 0.4)], 8), `at L0 = 8: TopK 0.3 < L1 (decoder-norm weighted) ${Number((0.5 - 0.1 * Math.log(4) / Math.log(10)).toPrecision(3))}`);
});
