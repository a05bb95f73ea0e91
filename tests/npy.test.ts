// The strict .npy reader: float32 and float16 round trips, every malformed header refused with a message that says
// what was wrong, and the vector split (10% held out, or train.npy + test.npy).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseNpy, writeNpy } from '../src/data/npy.ts';
import { loadVectors } from '../src/data/vectors.ts';

/** A .npy file with a given header text and payload, version 1.0. */
function npy(header: string, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(10 + header.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(payload, 10 + header.length);
  return out;
}

test('float32 round trip through writeNpy, header padded to 64 bytes', () => {
  const values = Float32Array.from({ length: 15 }, (_, i) => i * 0.5 - 3);
  const bytes = writeNpy({ rows: 5, cols: 3, values });
  assert.equal((bytes.length - values.byteLength) % 64, 0);
  const m = parseNpy(bytes, 'x.npy');
  assert.deepEqual([m.rows, m.cols], [5, 3]);
  assert.deepEqual(Array.from(m.values), Array.from(values));
});

test('float16: normal, subnormal, negative and zero values', () => {
  const halves = new Uint16Array([0x3c00, 0xc000, 0x0001, 0x0000, 0x7bff, 0x3555]); // 1, −2, 2^−24, 0, 65504, ≈1/3
  const m = parseNpy(npy("{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), }\n", new Uint8Array(halves.buffer)), 'h.npy');
  assert.deepEqual(Array.from(m.values.subarray(0, 5)), [1, -2, 2 ** -24, 0, 65504]);
  assert.ok(Math.abs(m.values[5] - 1 / 3) < 1e-3);
});

test('malformed files are refused with the reason', () => {
  const f4 = (rows: number, cols: number) => new Uint8Array(rows * cols * 4);
  const cases: [Uint8Array, RegExp][] = [
    [new TextEncoder().encode('not numpy at all'), /not a \.npy file/],
    [npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", new Uint8Array(32)), /dtype <f8 is not supported/],
    [npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", f4(2, 2)), /big-endian/],
    [npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", f4(2, 2)), /Fortran order/],
    [npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", f4(4, 1)), /not 2-D/],
    [npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4), }", f4(6, 4)), /not 2-D/],
    [npy("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }", f4(0, 3)), /empty/],
    [npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", f4(2, 1)), /needs 16 data bytes but the file has 8/],
    [npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", f4(3, 2)), /trailing data/],
    [npy("{'shape': (2, 2), 'descr': '<f4', 'fortran_order': False}", f4(2, 2)), /not the dict numpy\.save writes/],
    [npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", new Uint8Array(new Float32Array([1, NaN, 0, 0]).buffer)), /row 0 column 1 is NaN/],
  ];
  for (const [bytes, why] of cases) assert.throws(() => parseNpy(bytes, 'bad.npy'), why);
  const truncated = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", f4(2, 2)).subarray(0, 30);
  assert.throws(() => parseNpy(truncated, 'bad.npy'), /truncated/);
});

test('loadVectors: one file holds out its last 10%; a directory gives train/test and an optional dictionary', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'npy-'));
  try {
    const values = Float32Array.from({ length: 40 }, (_, i) => i);
    await writeFile(join(dir, 'all.npy'), writeNpy({ rows: 20, cols: 2, values }));
    const one = await loadVectors(join(dir, 'all.npy'));
    assert.deepEqual([one.train.rows, one.test.rows, one.dim], [18, 2, 2]);
    assert.equal(one.test.values[0], 36);
    assert.match(one.heldOut, /last 10% of all\.npy \(rows 18\.\.19, 2 vectors\)/);
    await writeFile(join(dir, 'train.npy'), writeNpy({ rows: 3, cols: 2, values: values.subarray(0, 6) }));
    await assert.rejects(loadVectors(dir), /has no test\.npy/);
    await writeFile(join(dir, 'test.npy'), writeNpy({ rows: 1, cols: 3, values: values.subarray(0, 3) }));
    await assert.rejects(loadVectors(dir), /train vectors have 2 dimensions but test vectors 3/);
    await writeFile(join(dir, 'test.npy'), writeNpy({ rows: 1, cols: 2, values: values.subarray(0, 2) }));
    const split = await loadVectors(dir);
    assert.deepEqual([split.train.rows, split.test.rows, split.dictionary], [3, 1, null]);
    await assert.rejects(loadVectors(join(dir, 'nothing.npy')), /cannot be read/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
