// Property-based fuzzing (fast-check) of everything that reads untrusted bytes: the IDX reader (raw and gzip'd,
// including gzip bombs), the safetensors reader, the checkpoint decoder (bytes and metadata edits), and the file
// readers and output checks on FIFOs, devices, directories, links and loops. Every case must either parse to
// something self-consistent or fail with an Error whose message starts with the file's name — never another
// exception, a hang or unbounded memory. Seeds are fixed, so a failure reproduces; case counts and times print.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, readIdxBytes } from '../src/data/idx.ts';
import { decodeSafetensors, encodeSafetensors, type Dtype, type TensorEntry } from '../src/io/safetensors.ts';
import { defaultTrainConfig, seedModel } from '../src/model/config.ts';
import { initBuffers, initParams } from '../src/model/init.ts';
import { buildPlan } from '../src/model/plan.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../src/train/checkpoint.ts';
import { readFileLimited } from '../src/io/files.ts';
import { checkOutputs } from '../src/io/outputs.ts';

const SLOW_CASE_MS = 2000; // bound per case (generous: 2 shared cores); the slowest seen is printed
const CAP = 1 << 20; // decompression cap for the IDX cases (the real one is 1 GiB; bombs here inflate to 8 MiB+)
export const fuzzTotals = { cases: 0, ms: 0, slowestMs: 0 };

/** Runs `parse`, requiring success or an Error naming `what`; returns whether it parsed. */
async function clearOutcome<T>(what: string, parse: () => T | Promise<T>, check: (v: T) => void): Promise<boolean> {
  const t0 = performance.now();
  let ok = false;
  try {
    check(await parse());
    ok = true;
  } catch (e) {
    assert.ok(e instanceof Error, `threw a non-Error: ${String(e)}`);
    if (e.name === 'AssertionError') throw e;
    assert.ok(e.message.startsWith(what), `error does not name the file: ${e.message.slice(0, 200)}`);
    assert.ok(e.message.length > what.length + 10, `error says nothing: ${e.message}`);
  }
  const ms = performance.now() - t0;
  fuzzTotals.cases++;
  fuzzTotals.ms += ms;
  fuzzTotals.slowestMs = Math.max(fuzzTotals.slowestMs, ms);
  assert.ok(ms < SLOW_CASE_MS, `one case took ${ms.toFixed(0)} ms`);
  return ok;
}

function idxFile(magic: number, dims: number[], payload: number): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + payload);
  const v = new DataView(out.buffer);
  v.setUint32(0, magic, false);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d >>> 0, false));
  for (let i = 0; i < payload; i++) out[4 + 4 * dims.length + i] = (i * 31) & 255;
  return out;
}

/** A byte-level mutation: overwrite, truncate, extend, or write a 32-bit value (a dimension, a length) at an offset. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ kind: fc.constant('u32' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(0, 1, 0x7fffffff, 0xffffffff, 0x10000, 65536 * 28), fc.nat()) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(bytes: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = new Uint8Array(bytes);
  for (const m of ms) {
    if (b.length === 0 && m.kind !== 'append') continue;
    if (m.kind === 'set') b[m.at % b.length] = m.byte;
    else if (m.kind === 'truncate') b = b.slice(0, m.at % (b.length + 1));
    else if (m.kind === 'append') { const c = new Uint8Array(b.length + m.bytes.length); c.set(b); c.set(m.bytes, b.length); b = c; }
    else if (b.length >= 4) new DataView(b.buffer).setUint32(Math.min(m.at % b.length, b.length - 4) & ~3, m.value >>> 0, m.at % 2 === 0);
  }
  return b;
}

describe('fuzzing the readers of untrusted files', () => {
  test('IDX reader: generated, mutated, gzip\'d, bombed and random files', async () => {
    const t0 = performance.now();
    const before = fuzzTotals.cases;
    const valid = fc.record({
      images: fc.boolean(),
      n: fc.integer({ min: 1, max: 6 }), rows: fc.integer({ min: 1, max: 9 }), cols: fc.integer({ min: 1, max: 9 }),
    }).map(({ images, n, rows, cols }) => images ? idxFile(IDX_IMAGES_MAGIC, [n, rows, cols], n * rows * cols) : idxFile(IDX_LABELS_MAGIC, [n], n));
    const file = fc.oneof(
      { weight: 6, arbitrary: fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([b, ms]) => mutate(b, ms)) },
      { weight: 1, arbitrary: valid },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, 0x00000c03, 0x000008ff),
        fc.array(fc.nat(), { minLength: 0, maxLength: 4 }), fc.nat({ max: 64 })).map(([magic, dims, payload]) => idxFile(magic, dims, payload)) },
    );
    await fc.assert(fc.asyncProperty(file, fc.constantFrom('raw', 'gzip', 'gzip-then-mutate'), fc.array(mutation, { maxLength: 2 }), async (bytes, form, after) => {
      const gz = form !== 'raw';
      const input = form === 'raw' ? bytes : form === 'gzip' ? new Uint8Array(gzipSync(bytes)) : mutate(new Uint8Array(gzipSync(bytes)), after);
      const name = gz ? 'fuzz-images-idx3-ubyte.gz' : 'fuzz-images-idx3-ubyte';
      await clearOutcome(name, () => readIdxBytes(input, name, CAP), (idx) => {
        assert.equal(idx.data.length, idx.dims.reduce((a, d) => a * d, 1), 'parsed data matches its dims');
      });
    }), { numRuns: 3000, seed: 5 });
    // gzip bombs: small files inflating to 8–64 MiB of zeros against the 1 MiB cap, stopped while streaming.
    await fc.assert(fc.asyncProperty(fc.integer({ min: 8, max: 64 }), async (mib) => {
      const bomb = new Uint8Array(gzipSync(new Uint8Array(mib << 20), { level: 9 }));
      assert.ok(bomb.length < mib * 1100, 'a real bomb: about 1000× compression');
      const rss = process.memoryUsage().rss;
      await clearOutcome('bomb.gz', () => readIdxBytes(bomb, 'bomb.gz', CAP), () => assert.fail('a bomb parsed'));
      assert.ok(process.memoryUsage().rss - rss < 64 << 20, 'memory stays bounded');
    }), { numRuns: 20, seed: 6 });
    console.log(`    IDX: ${fuzzTotals.cases - before} cases in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  });

  test('safetensors reader: generated, mutated and hand-broken headers', async () => {
    const t0 = performance.now();
    const before = fuzzTotals.cases;
    const dtypes: Dtype[] = ['F32', 'F64', 'I32', 'I64', 'U8'];
    const tensor = fc.record({ name: fc.string({ minLength: 1, maxLength: 8 }), dtype: fc.constantFrom(...dtypes), shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }) });
    const validFile = fc.tuple(fc.uniqueArray(tensor, { selector: (t) => t.name, maxLength: 5 }), fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 12 }), { maxKeys: 3 }))
      .filter(([ts, meta]) => ts.every((t) => t.name !== '__metadata__') && !('__proto__' in meta))
      .map(([ts, meta]) => encodeSafetensors(ts.map((t): TensorEntry => {
        const n = t.shape.reduce((a, d) => a * d, 1);
        const size = { F32: 4, F64: 8, I32: 4, I64: 8, U8: 1 }[t.dtype];
        return { ...t, data: new Uint8Array(n * size).map((_, i) => i * 13) };
      }), meta));
    // Headers written by hand: overlapping/out-of-range offsets, duplicate names, wrong sizes, bad JSON values.
    const entry = fc.record({ name: fc.constantFrom('a', 'b', 'a'), dtype: fc.constantFrom('F32', 'BF16', 'I64', 7), shape: fc.oneof(fc.array(fc.integer({ min: -1, max: 1e12 }), { maxLength: 3 }), fc.constant('x')),
      offsets: fc.oneof(fc.tuple(fc.integer({ min: -1, max: 40 }), fc.integer({ min: -1, max: 40 })), fc.constant([0, 2 ** 60]), fc.constant(null)) });
    const handFile = fc.tuple(fc.array(entry, { maxLength: 3 }), fc.nat({ max: 48 }), fc.option(fc.nat())).map(([es, dataBytes, declared]) => {
      const json = new TextEncoder().encode(`{${es.map((e) => `${JSON.stringify(e.name)}:{"dtype":${JSON.stringify(e.dtype)},"shape":${JSON.stringify(e.shape)},"data_offsets":${JSON.stringify(e.offsets)}}`).join(',')}}`);
      const out = new Uint8Array(8 + json.length + dataBytes);
      new DataView(out.buffer).setBigUint64(0, BigInt(declared ?? json.length), true);
      out.set(json, 8);
      return out;
    });
    const file = fc.oneof(
      { weight: 5, arbitrary: fc.tuple(validFile, fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([b, ms]) => mutate(b, ms)) },
      { weight: 1, arbitrary: validFile },
      { weight: 3, arbitrary: handFile },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 120 }) },
      { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((n) => { const b = new Uint8Array(16); new DataView(b.buffer).setBigUint64(0, n, true); return b; }) },
    );
    await fc.assert(fc.asyncProperty(file, async (bytes) => {
      await clearOutcome('fuzz.safetensors', () => decodeSafetensors(bytes, 'fuzz.safetensors'), ({ tensors }) => {
        for (const t of tensors.values()) assert.equal(t.bytes.length, t.shape.reduce((a, d) => a * d, 1) * ({ F32: 4, F64: 8, I32: 4, I64: 8, U8: 1 }[t.dtype]));
      });
    }), { numRuns: 4000, seed: 7 });
    console.log(`    safetensors: ${fuzzTotals.cases - before} cases in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  });

  test('checkpoint decoder: any change to a real checkpoint is refused with a named reason, or changes nothing', async () => {
    const t0 = performance.now();
    const before = fuzzTotals.cases;
    const cfg = defaultTrainConfig(seedModel(8, 4, 0.2, 16));
    const plan = buildPlan(cfg.model);
    const params = initParams(plan, 3);
    const good = await encodeCheckpoint(plan, cfg, { params, state: initBuffers(plan), m: params.map((x) => x / 2), v: params.map((x) => x * x),
      epoch: 3, globalStep: 9, stepInEpoch: 0, lrScale: 1, kernels: {}, history: [] }, 'f'.repeat(64));
    let parsed = 0;
    await fc.assert(fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (ms) => {
      const bytes = mutate(good, ms);
      const ok = await clearOutcome('ck.safetensors', () => decodeCheckpoint(bytes, plan, 'ck.safetensors', { full: true }), (ck) => {
        assert.deepEqual(ck.params, params, 'whatever parsed holds the saved weights');
        assert.equal(ck.meta.step, 9);
      });
      if (ok) parsed++;
    }), { numRuns: 1500, seed: 8 });
    console.log(`    checkpoint: ${fuzzTotals.cases - before} cases (${parsed} harmless mutations, e.g. header padding) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  });

  test('checkpoint metadata: any edit to a field, however small, is refused naming the file', async () => {
    const t0 = performance.now();
    const before = fuzzTotals.cases;
    const cfg = defaultTrainConfig(seedModel(8, 4, 0.2, 16));
    const plan = buildPlan(cfg.model);
    const params = initParams(plan, 3);
    const s = { params, state: initBuffers(plan), m: params.map((x) => x / 2), v: params.map((x) => x * x), step: 9, globalStep: 9, epoch: 3,
      stepInEpoch: 0, lrScale: 1, history: [], kernels: { 'encoder.0': { forward: 'rb8x8' as const } } }; // both run-position spellings
    const good = await encodeCheckpoint(plan, cfg, s, 'f'.repeat(64));
    const { tensors, metadata } = decodeSafetensors(good, 'x');
    const entries = [...tensors].map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape, data: t.data }));
    const keys = Object.keys(metadata).filter((k) => k !== 'metadata_sha256');
    // Edits: a character changed, inserted or removed anywhere in a value; a number in it replaced; a field added.
    const edit = fc.record({ key: fc.constantFrom(...keys, 'note'), at: fc.nat(), kind: fc.constantFrom('set', 'insert', 'delete', 'number'),
      char: fc.constantFrom('0', '1', '9', '.', '-', 'e', '"', '}', ' ', 'a', 'é'), value: fc.oneof(fc.double({ noNaN: false }), fc.integer()) });
    await fc.assert(fc.asyncProperty(edit, async (e) => {
      const m = { ...metadata };
      const v = m[e.key] ?? '';
      const at = e.at % (v.length + 1);
      m[e.key] = e.kind === 'set' ? v.slice(0, at) + e.char + v.slice(at + 1) : e.kind === 'insert' ? v.slice(0, at) + e.char + v.slice(at)
        : e.kind === 'delete' ? v.slice(0, at) + v.slice(at + 1) : v.replace(/-?\d+(\.\d+)?(e-?\d+)?/, String(e.value));
      const unchanged = m[e.key] === metadata[e.key];
      const ok = await clearOutcome('meta.safetensors', () => decodeCheckpoint(encodeSafetensors(entries, m), plan, 'meta.safetensors', { full: true }), (ck) => {
        assert.ok(unchanged, `an edit of "${e.key}" was accepted: ${JSON.stringify(m[e.key]).slice(0, 120)}`);
        assert.deepEqual(ck.params, params);
      });
      assert.equal(ok, unchanged, 'a real edit is refused, no edit parses');
    }), { numRuns: 1000, seed: 9 });
    console.log(`    checkpoint metadata: ${fuzzTotals.cases - before} edits in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  });

  test('non-regular files: every reader and output check answers at once, with the path named', async () => {
    const t0 = performance.now();
    const before = fuzzTotals.cases;
    const dir = mkdtempSync(join(tmpdir(), 'wgae-fuzz-fs-'));
    const at = (n: string) => join(dir, n);
    writeFileSync(at('small'), new Uint8Array(100).fill(7));
    writeFileSync(at('big'), new Uint8Array(70_000).fill(1));
    writeFileSync(at('empty'), '');
    mkdirSync(at('dir'));
    execFileSync('mkfifo', [at('fifo')]);
    const targets = ['small', 'big', 'empty', 'dir', 'fifo', 'missing', '/dev/null', '/dev/zero', '/dev/urandom', '/proc/self/status', '/proc/self/fd'];
    for (const t of targets) symlinkSync(t.startsWith('/') ? t : at(t), at(`link-${t.replaceAll('/', '_')}`));
    symlinkSync(at('loop-b'), at('loop-a'));
    symlinkSync(at('loop-a'), at('loop-b'));
    const paths = [...targets.map((t) => (t.startsWith('/') ? t : at(t))), ...targets.map((t) => at(`link-${t.replaceAll('/', '_')}`)), at('loop-a'),
      at('small/below'), at('missing/below'), `${at('dir')}/`, at('dir/new')];
    const sizes: Record<string, number> = { small: 100, big: 70_000, empty: 0 };
    await fc.assert(fc.asyncProperty(fc.constantFrom(...paths), fc.constantFrom(...paths), fc.constantFrom(0, 99, 100, 65_536, 1 << 20), async (path, other, cap) => {
      await clearOutcome('fuzz-input', () => readFileLimited(path, cap, 'fuzz-input'), (bytes) => {
        assert.ok(bytes.length <= cap, `read ${bytes.length} bytes past the cap ${cap}`);
        const name = Object.keys(sizes).find((n) => path.endsWith(`/${n}`) || path.endsWith(`link-${n}`));
        if (name) assert.equal(bytes.length, sizes[name], `${path}: the whole file`);
        else assert.ok(path.endsWith('status'), `${path} read as a regular file`);
      });
      await clearOutcome('cannot write the output files', () => checkOutputs([{ flag: '--out', path }], [{ flag: '--in', path: other }]), (outs) => {
        const o = outs.get('--out')!;
        assert.ok(o.direct ? /null|status/.test(o.target) || o.stream !== undefined : !/fifo|zero|urandom|\/dir$|\/fd$/.test(o.target), `accepted ${path} → ${o.target}`);
      });
    }), { numRuns: 600, seed: 10 });
    assert.ok(statSync(at('fifo')).isFIFO() && statSync('/dev/null').isCharacterDevice(), 'nothing was replaced');
    console.log(`    non-regular files: ${fuzzTotals.cases - before} cases in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    console.log(`    fuzz total: ${fuzzTotals.cases} cases in ${(fuzzTotals.ms / 1000).toFixed(1)} s of cases, slowest ${fuzzTotals.slowestMs.toFixed(1)} ms`);
  });
});
