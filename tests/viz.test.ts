// DOM-free pictures: grid layout and PNG round trips through fast-png.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encode } from 'fast-png';
import { besideEachOther, featureGrid, reconstructionGrid } from '../src/viz/grid.ts';
import { decodeGrayPng, encodeGrayPng, scaleGray } from '../src/viz/png.ts';
import { buildPlan } from '../src/model/plan.ts';
import { preset } from '../src/model/presets.ts';

test('a grayscale PNG round-trips through fast-png', () => {
  for (const [w, h] of [[1, 1], [231, 177], [17, 3]]) {
    const pixels = Uint8Array.from({ length: w * h }, (_, i) => (i * 37 + (i >> 3)) & 255);
    const back = decodeGrayPng(encodeGrayPng({ width: w, height: h, pixels }));
    assert.deepEqual({ w: back.width, h: back.height }, { w, h });
    assert.deepEqual(back.pixels, pixels);
  }
  assert.throws(() => decodeGrayPng(encode({ width: 2, height: 2, data: new Uint8Array(12), channels: 3 })), /expected an 8-bit grayscale PNG, got 3/);
});

test('grids: sizes, tile placement, unit clamping and per-tile stretching', () => {
  const cfg = preset('ae', 4, 6); // 2×3 images, pad4(6) = 8 floats per row
  const plan = buildPlan(cfg.model);
  const rows = 10;
  const input = Float32Array.from({ length: rows * 8 }, (_, i) => (i % 8 < 6 ? 2 : 0)); // clamps to white
  const output = new Float32Array(rows * 8).fill(-1); // clamps to black
  const shape = { rows: 2, cols: 3 };
  const two = reconstructionGrid({ plan, rows, input, corrupted: null, output }, shape);
  assert.deepEqual([two.width, two.height], [8 * 4 - 1, 2 * (2 * 3 + 4) - 4 - 1]);
  assert.equal(two.pixels[0], 255);
  assert.equal(two.pixels[3 * two.width], 0); // first output tile, row 0
  assert.equal(two.pixels[2 * two.width], 255); // the gap row
  const three = reconstructionGrid({ plan, rows: 3, input, corrupted: input, output }, shape);
  assert.deepEqual([three.width, three.height], [8 * 4 - 1, 3 * 3 - 1]);
  const feats = featureGrid(Float64Array.from({ length: 5 * 6 }, (_, i) => i % 6), 5, shape); // 3×2 grid of tiles 0..5
  assert.deepEqual([feats.width, feats.height], [3 * 4 - 1, 2 * 3 - 1]);
  assert.deepEqual([...feats.pixels.subarray(0, 3)], [0, 51, 102]);
  const wide = besideEachOther([two, feats], 8);
  assert.deepEqual([wide.width, wide.height], [two.width + 8 + feats.width, two.height]);
  assert.equal(wide.pixels[two.width + 8 + 1], feats.pixels[1]);
});

test('scaleGray enlarges by pixel replication (the CLI\'s --scale)', () => {
  const img = { width: 2, height: 1, pixels: Uint8Array.of(10, 200) };
  const big = scaleGray(img, 3);
  assert.deepEqual([big.width, big.height], [6, 3]);
  assert.deepEqual([...big.pixels.subarray(0, 6)], [10, 10, 10, 200, 200, 200]);
  assert.deepEqual(big.pixels.subarray(12), big.pixels.subarray(0, 6));
  assert.equal(scaleGray(img, 1), img);
});
