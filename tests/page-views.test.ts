// DOM-free parts of the page's views: axis number formats, the latent view's PCA, and the run export as CSV.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { axisTicks, INTEGER_INCRS, readout } from '../src/app/chart-format.ts';
import { runCsv, type RunRecord } from '../src/app/runs.ts';
import { preset } from '../src/model/presets.ts';
import { CounterStream } from '../src/model/rng.ts';
import { pca } from '../src/viz/pca.ts';

test('one number format per axis', () => {
  assert.deepEqual(axisTicks([0, 0.25, 0.5, 0.75, 1]), ['0', '0.25', '0.50', '0.75', '1.00']);
  assert.deepEqual(axisTicks([1, 2, 3]), ['1', '2', '3']);
  assert.deepEqual(axisTicks([0.0002, 0.0004, 0.0006]), ['2e-4', '4e-4', '6e-4']);
  assert.deepEqual(axisTicks([0.00025, 0.0005, 0.00075]), ['2.5e-4', '5.0e-4', '7.5e-4']);
  assert.deepEqual(axisTicks([0.001, 0.01, 0.1]), ['1e-3', '1e-2', '1e-1'], 'one tick below 0.01 puts the axis in exponent form');
  assert.deepEqual(axisTicks([null, 0.1, 0.2]), ['', '0.1', '0.2']);
  assert.equal(readout(0.048451234), '0.04845');
  assert.equal(readout(0.00001234), '1.234e-5');
  assert.equal(readout(null), '–');
  assert.deepEqual(INTEGER_INCRS.slice(0, 7), [1, 2, 5, 10, 20, 50, 100], 'epoch and step axes never tick between integers');
});

test('PCA finds planted principal axes', () => {
  const rng = new CounterStream(11, 0, 0);
  const z = 10;
  const stride = 12; // padded rows, as GPU code buffers are
  const u = Float64Array.from({ length: z }, (_, j) => (j < 5 ? 1 : 0)).map((v) => v / Math.sqrt(5));
  const v = Float64Array.from({ length: z }, (_, j) => (j >= 5 ? 1 : 0)).map((x) => x / Math.sqrt(5));
  const n = 500;
  const rows = new Float32Array(n * stride);
  for (let i = 0; i < n; i++) {
    const a = 4 * (rng.nextUniform() - 0.5);
    const b = 1.5 * (rng.nextUniform() - 0.5);
    for (let j = 0; j < z; j++) rows[i * stride + j] = 3 + a * u[j] + b * v[j] + 0.02 * (rng.nextUniform() - 0.5);
    rows[i * stride + z] = 99; // padding must be ignored
  }
  const p = pca(rows, n, z, stride);
  const dot = (x: Float64Array, y: Float64Array) => x.reduce((s, xi, j) => s + xi * y[j], 0);
  assert.ok(Math.abs(dot(p.components[0], u)) > 0.999, `component 1 · u = ${dot(p.components[0], u)}`);
  assert.ok(Math.abs(dot(p.components[1], v)) > 0.999, `component 2 · v = ${dot(p.components[1], v)}`);
  assert.ok(p.variance[0] > p.variance[1] && (p.variance[0] + p.variance[1]) / p.totalVariance > 0.99);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += p.xy[2 * i] / n;
  assert.ok(Math.abs(mean) < 1e-9, 'projections are centred');
});

test('a run exports as CSV: one line per epoch, every scalar field', () => {
  const run: RunRecord = { id: 'x', name: 'run 1', created: 0, hash: 'preset=seed', cfg: preset('seed'), data: 'digits', samplesPerSec: 100, shown: true,
    epochs: [{ epoch: 0, test_loss: 0.1, test_noisy_loss: null }, { epoch: 1, test_loss: 0.05, test_noisy_loss: null }] };
  assert.equal(runCsv(run), 'epoch,test_loss,test_noisy_loss\n0,0.1,\n1,0.05,\n');
});
