// The SAE inspection pass (src/sae/inspect.ts, shaders/sae_inspect.wgsl) against the float64 reference on both software
// adapters, for every SAE kind: firing counts, top-N activating held-out samples (duplicated rows make exact ties),
// decoder atoms.
// Fresh random sizes and values each run; the seed is printed on failure.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Gpu } from '../src/gpu/device.ts';
import { acquireNodeGpu } from '../src/gpu/node.ts';
import { TestRandom } from '../src/ref/check.ts';
import type { SaeParams } from '../src/ref/sae.ts';
import { evaluationCodes, SAE_KINDS } from '../src/ref/sae-kinds.ts';
import { inspectCodes } from '../src/ref/sae-inspect.ts';
import { initSae } from '../src/sae/init.ts';
import { NO_SAMPLE, SaeInspector, type SaeInspection } from '../src/sae/inspect.ts';
import { SaeTrainer, type SaeConfig } from '../src/sae/trainer.ts';
import { expectClose, freshSeed } from './gpu/harness.ts';
import { TOPK } from './support/sae.ts';

const int = (r: TestRandom, lo: number, hi: number) => lo + Math.floor(r.uniform(1)[0] * (hi - lo + 1));
const round = (a: Float64Array) => Float64Array.from(Float32Array.from(a));

/** Compares one inspection with the reference's; near-equal activations may swap ranks, exact ties may not. */
function checkInspection(got: SaeInspection, zRef: Float64Array, rows: number, seed: number, what: string): void {
  const { dSae, topN } = got;
  const ref = inspectCodes(zRef, rows, dSae, topN);
  expectClose(`${what} fired`, got.fired, ref.fired, seed, 0, 0);
  expectClose(`${what} top values`, got.topValue, ref.topValue, seed, 1e-5, 1e-4);
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-5 + 1e-4 * Math.abs(b);
  for (let j = 0; j < dSae; j++) {
    for (let t = 0; t < topN; t++) {
      const at = j * topN + t, i = got.topIndex[at];
      const where = `${what}: latent ${j} rank ${t} (seed ${seed})`;
      if (ref.topIndex[at] === NO_SAMPLE) { assert.equal(i, NO_SAMPLE, `${where}: an entry past the ${ref.fired[j]} firings`); continue; }
      assert.ok(i < rows, `${where}: sample index ${i} out of range`);
      // The sample it names really has that activation, and rank order holds; exact ties go to the lower index.
      assert.ok(close(got.topValue[at], zRef[i * dSae + j]), `${where}: sample ${i} has activation ${zRef[i * dSae + j]}, listed ${got.topValue[at]}`);
      const next = got.topIndex[at + 1];
      if (t + 1 < topN && next !== NO_SAMPLE) {
        assert.ok(got.topValue[at] >= got.topValue[at + 1], `${where}: not in descending order`);
        if (got.topValue[at] === got.topValue[at + 1]) assert.ok(i < next, `${where}: a tie between samples ${i} and ${next} keeps the later one first`);
      }
      const gapAbove = t === 0 || !close(ref.topValue[at], ref.topValue[at - 1]);
      const gapBelow = t + 1 >= topN || ref.topIndex[at + 1] === NO_SAMPLE || !close(ref.topValue[at], ref.topValue[at + 1]);
      if (gapAbove && gapBelow) assert.equal(i, ref.topIndex[at], `${where}: sample ${i}, reference ${ref.topIndex[at]}`);
    }
  }
}

/** h = (x − b_dec)·W_enc + b_enc, (rows, d_sae). */
function encode(p: SaeParams, x: Float32Array, rows: number): Float64Array {
  const { dIn, dSae } = p;
  const h = new Float64Array(rows * dSae);
  for (let b = 0; b < rows; b++) {
    for (let j = 0; j < dSae; j++) {
      let s = p.benc[j];
      for (let i = 0; i < dIn; i++) s += (x[b * dIn + i] - p.bdec[i]) * p.Wenc[i * dSae + j];
      h[b * dSae + j] = s;
    }
  }
  return h;
}

async function inspectCase(gpu: Gpu, seed: number): Promise<void> {
  const r = new TestRandom(seed, 40);
  const dIn = int(r, 3, 30), dSae = int(r, 5, 90), batch = int(r, 4, 40), k = int(r, 1, Math.min(6, dSae)), topN = int(r, 1, 12);
  const distinct = int(r, batch, 3 * batch + 7);
  // Every fifth held-out row repeats an earlier one: identical codes, so the top lists meet exact ties.
  const base = Float32Array.from(r.normal(distinct * dIn));
  const copies = r.sample(distinct, Math.ceil(distinct / 5));
  const rows = distinct + copies.length;
  const test = new Float32Array(rows * dIn);
  test.set(base);
  copies.forEach((c, n) => test.set(base.subarray(c * dIn, (c + 1) * dIn), (distinct + n) * dIn));
  const kind = SAE_KINDS[int(r, 0, SAE_KINDS.length - 1)];
  const p0 = initSae(dIn, dSae, seed, null, TOPK);
  // Biases spread the firing densities (some latents rare or silent), as after training; θ for the thresholded kinds.
  const theta = kind === 'batchtopk' ? new Float64Array(dSae).fill(round(r.uniform(1, 0, 0.8))[0]) : round(r.uniform(dSae, 0, 0.8));
  const p: SaeParams = { ...p0, Wenc: round(r.normal(dIn * dSae, 0, 0.5)), benc: round(r.normal(dSae, 0, 1)), Wdec: round(p0.Wdec), bdec: round(r.normal(dIn, 0, 0.2)),
    threshold: theta };
  const cfg: SaeConfig = { ...TOPK, kind, dSae, k, kAux: 0, deadAfter: 100, batch, epochs: 1, seed };
  const train = { rows: 8, cols: dIn, values: Float32Array.from(r.normal(8 * dIn)) };
  const data = { name: 't', dim: dIn, train, test: { rows, cols: dIn, values: test }, dictionary: null, heldOut: '', sha256: '' };
  const t = await SaeTrainer.create(gpu, cfg, data, undefined, p);
  const inspector = await SaeInspector.create(t, topN);
  try {
    const what = `inspect ${kind} d_in=${dIn} d_sae=${dSae} k=${k} batch=${batch} rows=${rows} N=${topN}`;
    const zRef = evaluationCodes(p, encode(p, test, rows), rows, cfg);
    for (let pass = 0; pass < 2; pass++) { // a second read starts from cleared buffers
      const got = await inspector.read();
      assert.equal(got.samples, rows);
      checkInspection(got, zRef, rows, seed, `${what} (read ${pass + 1})`);
      expectClose(`${what} atoms`, got.atoms, p.Wdec, seed, 0, 0);
      for (let j = 0; j < dSae; j++) assert.equal(got.density[j], got.fired[j] / rows);
    }
  } finally {
    inspector.destroy();
    t.destroy();
  }
}

for (const adapter of ['llvmpipe', 'swiftshader'] as const) {
  describe(`SAE inspection vs float64 reference on ${adapter} (Node/Dawn)`, () => {
    let gpu: Gpu;
    before(async () => { gpu = await acquireNodeGpu(adapter); });
    after(() => gpu?.release());
    test('firing counts, top-N activating samples (ties to the lower index) and decoder atoms', async () => {
      for (let i = 0; i < 3; i++) await inspectCase(gpu, freshSeed());
    });
    test('a top-N outside [1, 64] is refused with the range', async () => {
      const dIn = 4, train = { rows: 8, cols: dIn, values: new Float32Array(32) };
      const data = { name: 't', dim: dIn, train, test: train, dictionary: null, heldOut: '', sha256: '' };
      const t = await SaeTrainer.create(gpu, { ...TOPK, dSae: 8, k: 2, kAux: 0, batch: 4 }, data);
      try {
        await assert.rejects(SaeInspector.create(t, 0), /topN must be an integer in \[1, 64\], got 0/);
      } finally {
        t.destroy();
      }
    });
  });
}
