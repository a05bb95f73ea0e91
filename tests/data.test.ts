// Tests for src/data: the strict IDX reader on valid and malformed files, the embedded default split,
// loading Fashion-MNIST from its Debian package, and the per-epoch shuffle.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { fetchIdxSplit, imageSetFromIdx, sha256Hex, splitFromIdxFiles, pixelsOf } from '../src/data/dataset.ts';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, gunzipCapped, parseIdx, readIdxBytes } from '../src/data/idx.ts';
import { loadData, loadDefaultData, loadIdxDir } from '../src/data/node.ts';
import { epochPermutation, identityPermutation } from '../src/data/shuffle.ts';

/** An IDX file with `dims` in the header and `payloadBytes` bytes of pattern data (default: exactly the declared size). */
function idx(magic: number, dims: number[], payloadBytes = dims.reduce((a, d) => a * d, 1)): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + payloadBytes);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < payloadBytes; i++) out[4 + 4 * dims.length + i] = (i * 7) % 256;
  return out;
}
const images = (n: number, rows = 3, cols = 2) => idx(IDX_IMAGES_MAGIC, [n, rows, cols]);
const labels = (n: number) => idx(IDX_LABELS_MAGIC, [n]);

const DEFAULT_SHA256 = 'cec4eb7d02d3b9b5e473cf2a4cad5c492b120adaa0688d8b2cfe909ace3a9e63';
const FASHION_DIR = '/usr/share/datasets/fashion-mnist';

describe('parseIdx on valid files', () => {
  test('images: dims and row-major payload after the 16-byte header', () => {
    const bytes = images(4);
    const parsed = parseIdx(bytes, 'imgs');
    assert.deepEqual(parsed.dims, [4, 3, 2]);
    assert.equal(parsed.data.length, 24);
    assert.deepEqual(Array.from(parsed.data.subarray(0, 4)), [0, 7, 14, 21]);
  });

  test('labels: one dimension', () => {
    const parsed = parseIdx(labels(5), 'lbls');
    assert.deepEqual(parsed.dims, [5]);
    assert.equal(parsed.data.length, 5);
  });

  test('readIdxBytes gunzips by .gz name and by gzip magic under a plain name', async () => {
    const gz = gzipSync(images(4));
    assert.deepEqual((await readIdxBytes(gz, 'imgs.gz')).dims, [4, 3, 2]);
    assert.deepEqual((await readIdxBytes(gz, 'imgs')).dims, [4, 3, 2]);
    assert.deepEqual((await readIdxBytes(images(4), 'imgs')).dims, [4, 3, 2]);
  });
});

describe('parseIdx rejects malformed files with the file name and the problem', () => {
  test('too short for a header', () => {
    assert.throws(() => parseIdx(new Uint8Array(3), 'tiny.idx'), /tiny\.idx: only 3 bytes, too short for an IDX header/);
    const headerCut = images(2).subarray(0, 10);
    assert.throws(() => parseIdx(headerCut, 'cut'), /cut: 10 bytes, too short for a 3-dimension IDX header \(16\)/);
  });

  test('wrong magic names what was found and what was expected', () => {
    const bytes = idx(0x00000c03, [2, 3, 2]);
    assert.throws(() => parseIdx(bytes, 'f.idx'), /f\.idx: bad IDX magic 0x00000c03 .*expected 0x00000803 .* or 0x00000801/);
  });

  test('a gzip file without the .gz name gets a hint', () => {
    assert.throws(() => parseIdx(gzipSync(images(2)), 'plain'), /plain: bad IDX magic .*is this a gzip file without the \.gz name\?/);
  });

  test('a .gz name on a raw file', async () => {
    await assert.rejects(readIdxBytes(images(2), 'raw.gz'), /raw\.gz: named \.gz but does not start with the gzip magic 1f 8b \(found 00 00 08 03\)/);
  });

  test('truncated and trailing data give both sizes', () => {
    const full = images(4);
    assert.throws(() => parseIdx(full.subarray(0, full.length - 10), 't'), /t: header declares dims 4×3×2 = 24 data bytes but the file has 14 .*truncated: 10 bytes missing/);
    assert.throws(() => parseIdx(idx(IDX_IMAGES_MAGIC, [4, 3, 2], 27), 'x'), /x: .* = 24 data bytes but the file has 27 .*3 trailing bytes/);
  });

  test('zero dimensions', () => {
    assert.throws(() => parseIdx(idx(IDX_IMAGES_MAGIC, [0, 28, 28]), 'z'), /z: dims 0×28×28 include a 0/);
    assert.throws(() => parseIdx(idx(IDX_LABELS_MAGIC, [0]), 'z1'), /z1: dims 0 include a 0/);
  });

  test('absurd declared dimensions are refused before looking at the payload', () => {
    const huge = idx(IDX_IMAGES_MAGIC, [100000, 100000, 100000], 0);
    assert.throws(() => parseIdx(huge, 'huge'), /huge: declared dims 100000×100000×100000 = 1000000000000000 bytes exceed the cap of 1073741824 bytes/);
    assert.throws(() => parseIdx(images(100, 28, 28), 'capped', 1000), /capped: .*exceed the cap of 1000 bytes/);
  });
});

describe('gzip handling', () => {
  test('corrupt gzip data', async () => {
    const bad = new Uint8Array([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6]);
    await assert.rejects(gunzipCapped(bad, 1 << 20, 'bad.gz'), /bad\.gz: corrupt gzip data/);
    const cut = gzipSync(images(50)).subarray(0, 40);
    await assert.rejects(readIdxBytes(cut, 'cut.gz'), /cut\.gz: corrupt gzip data/);
  });

  test('a gzip bomb stops at the cap, fast', async () => {
    const bomb = gzipSync(new Uint8Array(200 * 1024 * 1024), { level: 9 }); // 200 MiB of zeros, ~200 KB compressed
    const t0 = performance.now();
    await assert.rejects(gunzipCapped(bomb, 1 << 20, 'bomb.gz'), /bomb\.gz: decompressed size exceeds the cap of 1048576 bytes/);
    await assert.rejects(readIdxBytes(bomb, 'bomb.gz', 1 << 20), /exceeds the cap of 1048576/);
    // Inflating all 200 MiB takes far longer than this; stopping at 1 MiB takes milliseconds.
    assert.ok(performance.now() - t0 < 1000, `bomb took ${performance.now() - t0} ms to reject`);
  });
});

describe('image sets and splits', () => {
  test('image and label counts must agree, and each file must be the right kind', () => {
    const set = imageSetFromIdx(parseIdx(images(4), 'i'), parseIdx(labels(4), 'l'), 'set');
    assert.equal(set.count, 4);
    assert.equal(pixelsOf(set), 6);
    assert.equal(imageSetFromIdx(parseIdx(images(4), 'i'), null, 'set').labels, null);
    assert.throws(() => imageSetFromIdx(parseIdx(images(5), 'i'), parseIdx(labels(4), 'l'), 'mix'), /mix: 5 images but 4 labels/);
    assert.throws(() => imageSetFromIdx(parseIdx(labels(4), 'l'), null, 'swap'), /swap: images must have 3 dims/);
  });

  test('train and test images must share rows and cols', async () => {
    const f = (name: string, bytes: Uint8Array) => ({ name, bytes });
    const files = { trainImages: f('a', images(2, 3, 2)), trainLabels: f('b', labels(2)), testImages: f('c', images(2, 2, 3)), testLabels: f('d', labels(2)) };
    await assert.rejects(splitFromIdxFiles('odd', files), /odd: train images are 3×2 but test images are 2×3/);
  });

  test('a directory with the dotted spelling and raw files loads; the hash covers the four payloads in order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'idx-'));
    try {
      await writeFile(join(dir, 'train-images.idx3-ubyte'), images(4));
      await writeFile(join(dir, 'train-labels.idx1-ubyte'), labels(4));
      await writeFile(join(dir, 't10k-images-idx3-ubyte.gz'), gzipSync(images(2)));
      await writeFile(join(dir, 't10k-labels-idx1-ubyte'), labels(2));
      const split = await loadData(dir);
      assert.equal(split.train.count, 4);
      assert.equal(split.test.count, 2);
      const parts = [images(4), labels(4), images(2), labels(2)].map((b) => parseIdx(b, 'p').data);
      assert.equal(split.sha256, await sha256Hex(parts));
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  test('a missing file lists what was looked for and what the directory holds', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'idx-'));
    try {
      await writeFile(join(dir, 'train-images-idx3-ubyte'), images(4));
      await writeFile(join(dir, 'notes.txt'), 'hi');
      await assert.rejects(
        loadIdxDir(dir),
        /has no trainLabels file: looked for train-labels-idx1-ubyte, train-labels-idx1-ubyte\.gz, train-labels\.idx1-ubyte, train-labels\.idx1-ubyte\.gz; it contains: notes\.txt, train-images-idx3-ubyte/,
      );
      await assert.rejects(loadIdxDir(join(dir, 'nope')), /data directory .*nope cannot be read/);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

function assertAllDigits(label: Uint8Array | null, what: string): void {
  assert.ok(label, `${what} has labels`);
  const seen = new Set(label);
  assert.deepEqual([...seen].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], `${what} labels are exactly 0-9`);
}

describe('embedded default digits', () => {
  test('10,000 28×28 digits split 7,996 / 2,004 with every class on both sides and a stable hash', async () => {
    const a = await loadDefaultData();
    assert.equal(a.train.count, 7996);
    assert.equal(a.test.count, 2004);
    for (const set of [a.train, a.test]) {
      assert.equal(set.rows, 28);
      assert.equal(set.cols, 28);
      assert.equal(set.images.length, set.count * 784);
    }
    assertAllDigits(a.train.labels, 'default train');
    assertAllDigits(a.test.labels, 'default test');
    assert.deepEqual(Array.from(a.train.labels!.subarray(0, 12)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1], 'interleaved by class');
    assert.match(a.sha256, /^[0-9a-f]{64}$/);
    const b = await loadData('default');
    assert.equal(b.sha256, a.sha256);
    assert.equal(a.sha256, DEFAULT_SHA256, 'data/digits changed: rebuild with npm run build:data or update the pinned hash');
  });

  test('fetchIdxSplit reads the same four files over a fetch', async () => {
    const base = new URL('../data/digits/', import.meta.url);
    const fileFetch = (async (url: URL) => new Response(await readFile(url))) as unknown as typeof fetch;
    const fetched = await fetchIdxSplit('digits', base, fileFetch);
    assert.equal(fetched.sha256, (await loadDefaultData()).sha256);
  });
});

describe('Fashion-MNIST from the Debian package', () => {
  test('loads as 60,000 / 10,000 28×28 images', async () => {
    assert.ok(existsSync(FASHION_DIR), `${FASHION_DIR} is missing: run apt-get install dataset-fashion-mnist`);
    const split = await loadIdxDir(FASHION_DIR);
    assert.equal(split.name, 'fashion-mnist');
    assert.equal(split.train.count, 60000);
    assert.equal(split.test.count, 10000);
    assert.equal(split.train.rows, 28);
    assert.equal(split.train.cols, 28);
    assertAllDigits(split.train.labels, 'fashion train');
    assertAllDigits(split.test.labels, 'fashion test');
  });
});

describe('epoch permutations', () => {
  const isPermutation = (p: Uint32Array) => Array.from(p).sort((a, b) => a - b).every((v, i) => v === i);

  test('identity and trivial sizes', () => {
    assert.deepEqual(Array.from(identityPermutation(4)), [0, 1, 2, 3]);
    assert.equal(epochPermutation(0, 1, 0).length, 0);
    assert.deepEqual(Array.from(epochPermutation(1, 1, 0)), [0]);
    assert.throws(() => identityPermutation(-1), /integer in \[0, 2\^32\)/);
  });

  test('a permutation, deterministic in (seed, epoch), different across epochs and seeds', () => {
    const n = 7996;
    const p = epochPermutation(n, 42, 3);
    assert.ok(isPermutation(p));
    assert.deepEqual(epochPermutation(n, 42, 3), p);
    for (const other of [epochPermutation(n, 42, 4), epochPermutation(n, 43, 3)]) {
      assert.ok(isPermutation(other));
      const same = other.reduce((a, v, i) => a + (v === p[i] ? 1 : 0), 0);
      assert.ok(same < 20, `${same} of ${n} positions coincide; expected about 1`);
    }
  });

  test('every position is reachable: first elements spread over many epochs', () => {
    const firsts = new Set<number>();
    for (let e = 0; e < 200; e++) firsts.add(epochPermutation(10, 7, e)[0]);
    assert.equal(firsts.size, 10);
  });
});
