// safetensors writer/reader against hand-computed bytes and headers as the Python library writes them, every
// malformed-file error, and the atomic file write (including a write that fails part-way through).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { readFileLimited, writeFileAtomic } from '../src/io/files.ts';
import { decodeSafetensors, dtypeSize, encodeSafetensors, type TensorEntry } from '../src/io/safetensors.ts';

const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));
const f32le = (...v: number[]): number[] => [...new Uint8Array(new Float32Array(v).buffer)];

/** A file from a header text and data bytes; `declared` overrides the header length field. */
function file(header: string, data: number[] = [], declared?: number): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(declared ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const entry = (name: string, dtype = 'F32', shape = [2], offsets: unknown = [0, 8]): string =>
  `${JSON.stringify(name)}:{"dtype":${JSON.stringify(dtype)},"shape":${JSON.stringify(shape)},"data_offsets":${JSON.stringify(offsets)}}`;

describe('safetensors encode/decode', () => {
  test('decoding from a Node Buffer (as read from disk) copies each tensor, not the whole file', () => {
    const file = encodeSafetensors([{ name: 'a', dtype: 'F32', shape: [3], data: Float32Array.of(1, 2, 3) },
      { name: 'b', dtype: 'F32', shape: [2], data: Float32Array.of(4, 5) }], {});
    const { tensors } = decodeSafetensors(Buffer.from(file), 'buffer.safetensors');
    assert.deepEqual([...tensors.get('a')!.data as Float32Array], [1, 2, 3]);
    assert.deepEqual([...tensors.get('b')!.data as Float32Array], [4, 5]);
  });

  test('dtypeSize', () => {
    assert.deepEqual(['F32', 'F64', 'I64', 'I32', 'U8'].map((d) => dtypeSize(d as TensorEntry['dtype'])), [4, 8, 8, 4, 1]);
  });

  test('golden bytes: one F32 tensor with metadata', () => {
    const header = '{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'; // 79 bytes
    const expected = [80, 0, 0, 0, 0, 0, 0, 0, ...ascii(header), 0x20, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40];
    const out = encodeSafetensors([{ name: 'a', dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) }], { k: 'v' });
    assert.equal(out.length, 96);
    assert.deepEqual([...out], expected);
    const { tensors, metadata } = decodeSafetensors(out, 'golden');
    assert.deepEqual(metadata, { k: 'v' });
    assert.deepEqual([...(tensors.get('a')!.data as Float32Array)], [1, 2]);
  });

  test('vectors from the reference implementation tests', () => {
    const attn = [0, 1, 2, 3, 4, 5];
    const noPad = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}'; // exactly 64 bytes
    assert.deepEqual(
      [...encodeSafetensors([{ name: 'attn.0', dtype: 'F32', shape: [1, 2, 3], data: new Float32Array(attn) }], {})],
      [64, 0, 0, 0, 0, 0, 0, 0, ...ascii(noPad), ...f32le(...attn)],
    );
    const padded = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}' + ' '.repeat(7);
    assert.deepEqual(
      [...encodeSafetensors([{ name: 'attn0', dtype: 'F32', shape: [1, 1, 2, 3], data: new Float32Array(attn) }], {})],
      [72, 0, 0, 0, 0, 0, 0, 0, ...ascii(padded), ...f32le(...attn)],
    );
    assert.deepEqual([...encodeSafetensors([], {})], [8, 0, 0, 0, 0, 0, 0, 0, ...ascii('{}      ')]);
    assert.deepEqual(
      [...encodeSafetensors([], { framework: 'pt' })],
      [40, 0, 0, 0, 0, 0, 0, 0, ...ascii('{"__metadata__":{"framework":"pt"}}     ')],
    );
  });

  test('round trip of every dtype, an I64 scalar and a zero-size tensor, in the reference file order', () => {
    const input: TensorEntry[] = [
      { name: 'w', dtype: 'F32', shape: [2, 3], data: new Float32Array([1, -2, 3.5, 0, 1e-30, -7]) },
      { name: 'b', dtype: 'F32', shape: [0, 3], data: new Float32Array(0) },
      { name: 'num_batches_tracked', dtype: 'I64', shape: [], data: new BigInt64Array([-(2n ** 60n)]) },
      { name: 'd', dtype: 'F64', shape: [2], data: new Float64Array([Math.PI, -0.1]) },
      { name: 'labels', dtype: 'U8', shape: [3], data: new Uint8Array([0, 255, 7]) },
      { name: 'idx', dtype: 'I32', shape: [1, 1], data: new Int32Array([-123456]) },
    ];
    const metadata = { config: '{"layers":[784,32]}', step: '12', 'ünïcode': 'é"\\\n' };
    const out = encodeSafetensors(input, metadata);
    // Shift by an odd offset: the decoded typed arrays must still be aligned copies.
    const shifted = new Uint8Array(out.length + 3);
    shifted.set(out, 3);
    const decoded = decodeSafetensors(shifted.subarray(3), 'roundtrip');
    assert.deepEqual(decoded.metadata, metadata);
    assert.deepEqual([...decoded.tensors.keys()], ['num_batches_tracked', 'd', 'b', 'w', 'idx', 'labels']);
    for (const t of input) {
      const got = decoded.tensors.get(t.name)!;
      assert.equal(got.dtype, t.dtype);
      assert.deepEqual(got.shape, t.shape);
      assert.equal(got.data.constructor, t.data.constructor);
      assert.equal(got.data.byteOffset, 0);
      assert.deepEqual([...got.data], [...(t.data as Float32Array)]);
    }
    assert.equal((8 + Number(new DataView(out.buffer).getBigUint64(0, true))) % 8, 0);
  });

  test('writer order: dtype rank descending (I64, F64, F32, I32, U8), then name by code point', () => {
    const t = (name: string, dtype: TensorEntry['dtype']): TensorEntry => ({ name, dtype, shape: [0], data: new Uint8Array(0) });
    const out = encodeSafetensors([t('z', 'U8'), t('a', 'U8'), t('\u{1F600}', 'F32'), t('\uFFFD', 'F32'), t('B', 'F32'),
      t('i', 'I32'), t('f', 'F64'), t('l', 'I64')], {});
    assert.deepEqual([...decodeSafetensors(out, 'order').tensors.keys()], ['l', 'f', 'B', '\uFFFD', '\u{1F600}', 'i', 'a', 'z']);
  });

  test('decodes headers as the Python library writes them, and reproduces them byte for byte', () => {
    const header = '{"__metadata__":{"format":"pt"},' + entry('num_batches_tracked', 'I64', [], [0, 8]) + ',' +
      entry('weight', 'F32', [2], [8, 16]) + '}';
    const pad = ' '.repeat((8 - (header.length % 8)) % 8);
    const data = [3, 0, 0, 0, 0, 0, 0, 0, ...f32le(0.5, -1)];
    const bytes = file(header + pad, data);
    const { tensors, metadata } = decodeSafetensors(bytes, 'python.safetensors');
    assert.deepEqual(metadata, { format: 'pt' });
    assert.deepEqual(tensors.get('num_batches_tracked'), {
      dtype: 'I64', shape: [], bytes: new Uint8Array(data.slice(0, 8)), data: new BigInt64Array([3n]),
    });
    assert.deepEqual([...tensors.get('weight')!.data], [0.5, -1]);
    const again = encodeSafetensors([...tensors].map(([name, t]) => ({ name, ...t })), metadata);
    assert.deepEqual(again, bytes);
    // Older writers: spaces after separators, name-ordered entries, null metadata, no padding.
    const loose = file(`{ "b": {"dtype": "U8", "shape": [1], "data_offsets": [8, 9]}, "__metadata__": null,
      "a": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]} }`, [...new Uint8Array(new Float64Array([2]).buffer), 9]);
    const parsed = decodeSafetensors(loose, 'loose');
    assert.deepEqual(parsed.metadata, {});
    assert.deepEqual([...parsed.tensors.keys()], ['a', 'b']);
    assert.deepEqual([...parsed.tensors.get('b')!.data], [9]);
  });

  const bad: [string, Uint8Array, RegExp][] = [
    ['shorter than 8 bytes', new Uint8Array(5), /bad\.st: only 5 bytes, too short/],
    ['header length above the cap', file('{}', [], 100_000_001), /header length 100000001 is above the 100000000-byte cap/],
    ['header length beyond the file', file('{}', [], 64), /header length 64 runs past the end of the 10-byte file/],
    ['header not UTF-8', file('{"\xff":1}').map((b) => (b === 0xc3 ? 0xff : b)), /not valid UTF-8/],
    ['header not starting with {', file(' {}'), /does not start with '\{'/],
    ['header an array', file('[]'), /does not start with '\{'/],
    ['header not JSON', file('{"a":'), /not valid JSON/],
    ['duplicate tensor names', file(`{${entry('a')},${entry('a', 'F32', [2], [8, 16])}}`, new Array(16).fill(0)),
      /names "a" more than once/],
    ['unknown dtype', file(`{${entry('a', 'F16', [4])}}`, new Array(8).fill(0)), /tensor "a": dtype "F16" is not one of/],
    ['negative shape', file(`{${entry('a', 'F32', [-2])}}`, new Array(8).fill(0)), /tensor "a": shape \[-2\] is not a list/],
    ['fractional shape', file(`{${entry('a', 'F32', [1.5])}}`, new Array(8).fill(0)), /tensor "a": shape \[1.5\]/],
    ['decreasing offsets', file(`{${entry('a', 'F32', [0], [8, 0])}}`), /data_offsets \[8,0\] are not two increasing/],
    ['one offset', file(`{${entry('a', 'F32', [0], [0])}}`), /data_offsets \[0\] are not two/],
    ['non-integer offsets', file(`{${entry('a', 'F32', [0], ['0', '0'])}}`), /data_offsets \["0","0"\]/],
    ['range outside the buffer', file(`{${entry('a', 'F32', [2], [0, 8])}}`, [0, 0, 0, 0]), /\[0, 8\] run past the 4-byte data buffer/],
    ['byte length not shape × size', file(`{${entry('a', 'F32', [3], [0, 8])}}`, new Array(8).fill(0)),
      /tensor "a": data_offsets \[0, 8\] hold 8 bytes but F32 shape \[3\] needs 12/],
    ['overlapping ranges', file(`{${entry('a')},${entry('b', 'F32', [2], [4, 12])}}`, new Array(12).fill(0)),
      /tensor "b" bytes \[4, 12\) overlap tensor "a" bytes \[0, 8\)/],
    ['hole between ranges', file(`{${entry('a')},${entry('b', 'F32', [1], [12, 16])}}`, new Array(16).fill(0)),
      /hole in the data buffer: bytes \[8, 12\) after tensor "a"/],
    ['hole at the start', file(`{${entry('a', 'F32', [1], [4, 8])}}`, new Array(8).fill(0)), /bytes \[0, 4\) at the start/],
    ['trailing bytes', file(`{${entry('a')}}`, new Array(12).fill(0)), /4 trailing bytes after the last tensor/],
    ['metadata value not a string', file('{"__metadata__":{"step":12}}'), /__metadata__ value "step" is 12, expected a string/],
    ['metadata not an object', file('{"__metadata__":["x"]}'), /__metadata__ is not a JSON object/],
    ['tensor entry not an object', file('{"a":[1,2]}'), /tensor "a": entry is not a JSON object/],
  ];
  for (const [name, bytes, message] of bad) {
    test(`rejects: ${name}`, () => assert.throws(() => decodeSafetensors(bytes, 'bad.st'), (err: Error) => {
      assert.match(err.message, /^bad\.st: /);
      assert.match(err.message, message);
      return true;
    }));
  }

  test('duplicate detection ignores nested keys and escaped quotes', () => {
    const header = `{"__metadata__":{"a":"x\\",\\"a","b":"{"},${entry('a')}}`;
    assert.deepEqual(decodeSafetensors(file(header, new Array(8).fill(0)), 'nested').metadata, { a: 'x","a', b: '{' });
  });

  test('encoder rejects inconsistent entries', () => {
    const f = (over: Partial<TensorEntry>): TensorEntry => ({ name: 'a', dtype: 'F32', shape: [2], data: new Float32Array(2), ...over });
    assert.throws(() => encodeSafetensors([f({}), f({})], {}), /tensor "a": duplicate name/);
    assert.throws(() => encodeSafetensors([f({ shape: [3] })], {}), /8 data bytes, but F32 shape \[3\] needs 12/);
    assert.throws(() => encodeSafetensors([f({ dtype: 'I32' })], {}), /I32 data given as Float32Array, expected Int32Array/);
    assert.throws(() => encodeSafetensors([f({ shape: [-2] })], {}), /shape \[-2\] has a negative/);
    assert.throws(() => encodeSafetensors([f({ name: '__metadata__' })], {}), /reserved/);
    assert.throws(() => encodeSafetensors([], { n: 1 as unknown as string }), /metadata "n" is a number/);
  });
});

describe('files', () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'st-files-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });
  const strays = async (): Promise<string[]> => (await readdir(dir)).filter((n) => n.endsWith('.tmp'));

  test('writeFileAtomic writes, replaces and leaves no temp files', async () => {
    const path = join(dir, 'ckpt.safetensors');
    const first = encodeSafetensors([{ name: 'a', dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) }], {});
    await writeFileAtomic(path, first);
    assert.deepEqual(new Uint8Array(await readFile(path)), first);
    await writeFileAtomic(path, 'replaced');
    assert.equal(await readFile(path, 'utf8'), 'replaced');
    assert.deepEqual(await strays(), []);
  });

  test('a path whose parent is a file fails with the path in the message', async () => {
    await writeFile(join(dir, 'plain'), 'x');
    await assert.rejects(writeFileAtomic(join(dir, 'plain', 'out.bin'), 'data'), /cannot write .*plain\/out\.bin: ENOTDIR/);
    assert.deepEqual(await strays(), []);
  });

  test('a failed rename removes the fully written temp file', async () => {
    await mkdir(join(dir, 'taken', 'inner'), { recursive: true });
    await assert.rejects(writeFileAtomic(join(dir, 'taken'), new Uint8Array(1000)), /cannot write .*taken: E(ISDIR|NOTEMPTY|EXIST)/);
    assert.deepEqual(await readdir(join(dir, 'taken')), ['inner']);
    assert.deepEqual(await strays(), []);
  });

  test('a write that fails part-way (file size limit) keeps the old content', { skip: process.platform === 'win32' }, async () => {
    const path = join(dir, 'keep.bin');
    await writeFile(path, 'old content');
    const script = `import { writeFileAtomic } from ${JSON.stringify(new URL('../src/io/files.ts', import.meta.url).href)};
      await writeFileAtomic(${JSON.stringify(path)}, new Uint8Array(1 << 16)).catch((e) => { console.error(e.message); process.exit(3); });`;
    // ulimit -f 1 caps files at 1 KiB: the 64 KiB write dies with EFBIG after the first KiB reached the temp file.
    const child = spawnSync('bash', ['-c', 'ulimit -f 1 && exec "$0" --import tsx --input-type=module -e "$1"', process.execPath, script],
      { encoding: 'utf8', cwd: fileURLToPath(new URL('..', import.meta.url)) });
    assert.equal(child.status, 3, child.stderr);
    assert.match(child.stderr, /cannot write .*keep\.bin: EFBIG/);
    assert.equal(await readFile(path, 'utf8'), 'old content');
    assert.deepEqual(await strays(), []);
  });

  test('a read-only directory fails and keeps the old file', { skip: process.getuid?.() === 0 && 'root ignores permissions' }, async () => {
    const ro = join(dir, 'ro');
    await mkdir(ro);
    await writeFile(join(ro, 'f'), 'old');
    await chmod(ro, 0o555);
    try {
      await assert.rejects(writeFileAtomic(join(ro, 'f'), 'new'), /cannot write .*ro\/f: EACCES/);
      assert.equal(await readFile(join(ro, 'f'), 'utf8'), 'old');
      assert.deepEqual(await readdir(ro), ['f']);
    } finally {
      await chmod(ro, 0o755);
    }
  });

  test('readFileLimited reads, and names the path when missing, too large or a directory', async () => {
    const path = join(dir, 'small.bin');
    await writeFile(path, new Uint8Array([1, 2, 3]));
    assert.deepEqual([...(await readFileLimited(path, 3, 'checkpoint'))], [1, 2, 3]);
    await assert.rejects(readFileLimited(path, 2, 'checkpoint'), /checkpoint .*small\.bin is 3 bytes, above the limit of 2/);
    await assert.rejects(readFileLimited(join(dir, 'nope'), 9, 'checkpoint'), /checkpoint .*nope does not exist/);
    await assert.rejects(readFileLimited(dir, 9, 'checkpoint'), /checkpoint .*st-files-\w+ is a directory/);
  });
});
