// DOM-free parts of the SAE dashboard (src/app/sae-paint.ts): the diverging colour map, log10 firing-density bins,
// sort orders and the arrow-key moves of the atom grid.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binOf, densityBins, densityFloor, diverging, gridMove, imageShapeFor, percent, sortLatents, trendPoints } from '../src/app/sae-paint.ts';

test('the diverging map: blue at −1, near-white at 0, red at +1, clamped, darker away from 0', () => {
  assert.deepEqual(diverging(-1), [33, 102, 172]);
  assert.deepEqual(diverging(0), [247, 247, 247]);
  assert.deepEqual(diverging(1), [178, 24, 43]);
  assert.deepEqual(diverging(5), diverging(1));
  assert.deepEqual(diverging(Number.NaN), diverging(0));
  // Red above blue for positive weights and below for negative ones; darker the farther from 0.
  const sum = (t: number) => diverging(t).reduce((a, c) => a + c, 0);
  for (let t = 0.05; t <= 1; t += 0.05) {
    assert.ok(diverging(t)[0] > diverging(t)[2] && diverging(-t)[2] > diverging(-t)[0], `t = ±${t}`);
    assert.ok(sum(t) < sum(t - 0.05) && sum(-t) < sum(-t + 0.05), `t = ±${t}`);
  }
  assert.deepEqual(imageShapeFor(784), { rows: 28, cols: 28 });
  assert.equal(imageShapeFor(32), null);
});

test('log10 firing-density bins: from one sample in `samples` up to 1, never-firing latents apart', () => {
  assert.equal(densityFloor(500), -2.75); // log10(1/500) = −2.70, rounded down to a quarter decade
  assert.equal(densityFloor(1), -0.25);
  const b = densityBins([0, 1 / 500, 0.01, 0.0105, 1, 0.5, 0], 500);
  assert.equal(b.lo, -2.75);
  assert.equal(b.counts.length, 11);
  assert.equal(b.never, 2);
  assert.equal(b.counts.reduce((a, c) => a + c, 0), 5);
  assert.equal(b.counts[binOf(0.01, b.lo, b.width, b.counts.length)], 2, '0.01 and 0.0105 share the bin [−2, −1.75)');
  assert.equal(binOf(1, b.lo, b.width, b.counts.length), 10, 'density 1 lands in the last bin');
  assert.equal(binOf(1 / 500, b.lo, b.width, b.counts.length), 0);
});

test('sort orders keep index order among equal densities', () => {
  const d = [0.1, 0.3, 0.1, 0, 0.3];
  assert.deepEqual(sortLatents(d, 'density-desc'), [1, 4, 0, 2, 3]);
  assert.deepEqual(sortLatents(d, 'density-asc'), [3, 0, 2, 1, 4]);
  assert.deepEqual(sortLatents(d, 'index'), [0, 1, 2, 3, 4]);
});

test('grid moves: arrows by one and by a row, Home and End, stopping at the edges; other keys are not moves', () => {
  // 10 tiles, 4 to a row: 0 1 2 3 / 4 5 6 7 / 8 9
  assert.equal(gridMove(5, 'ArrowRight', 10, 4), 6);
  assert.equal(gridMove(5, 'ArrowLeft', 10, 4), 4);
  assert.equal(gridMove(5, 'ArrowDown', 10, 4), 9);
  assert.equal(gridMove(6, 'ArrowDown', 10, 4), 6, 'no tile below');
  assert.equal(gridMove(2, 'ArrowUp', 10, 4), 2);
  assert.equal(gridMove(0, 'ArrowLeft', 10, 4), 0);
  assert.equal(gridMove(9, 'ArrowRight', 10, 4), 9);
  assert.equal(gridMove(5, 'Home', 10, 4), 0);
  assert.equal(gridMove(5, 'End', 10, 4), 9);
  assert.equal(gridMove(5, 'Enter', 10, 4), null);
});

test('densities as percentages', () => {
  assert.deepEqual([0, 1, 0.25, 0.0312, 0.002, 0.0000123].map(percent), ['0%', '100.0%', '25.0%', '3.12%', '0.20%', '0.0012%']);
});

test('trend lines: the largest value at the top, a flat series through the middle', () => {
  assert.equal(trendPoints([1, 3, 2], 100, 22), '0.0,21.0 50.0,1.0 100.0,11.0');
  assert.equal(trendPoints([5, 5], 10, 22), '0.0,11.0 10.0,11.0');
});
