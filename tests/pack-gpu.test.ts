// The GPU pack without building it (that needs the registry and apt; `npm run pack:gpu` then
// `check.sh --adapter llvmpipe --quick` is the full path, docs/performance.md): what check.sh runs is what
// pack-gpu.sh puts in, the device check bundles to plain JS, and torch_ae.py's hand-written safetensors reader and
// counter RNG agree with ours.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { encodeSafetensors } from '../src/io/safetensors.ts';
import { pcg } from '../src/model/rng.ts';
import { dropoutMask } from '../src/ref/dropout.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const TORCH_AE = join(ROOT, 'bench/peers/torch_ae.py');

describe('GPU pack', () => {
  test('every file check.sh and run.sh use is packed, and every packed source exists', () => {
    const pack = read('scripts/pack-gpu.sh');
    const used = ['check.sh', 'run.sh'].flatMap((f) => [...read(`scripts/gpu-pack/${f}`).matchAll(/\$PACK\/([\w/-]+\.\w+)/g)].map((m) => m[1]));
    assert.deepEqual([...new Set(used)].sort(), ['dist/bench/bench.mjs', 'dist/bench/gpu-check.mjs', 'peers/torch_ae.py']);
    assert.match(pack, /esbuild" "\$ROOT\/bench\/bench\.ts" "\$ROOT\/bench\/gpu-check\.ts" .*--outdir="\$PACK\/dist\/bench"/s);
    assert.match(pack, /cp "\$ROOT\/bench\/peers\/torch_ae\.py" "\$PACK\/peers\/"/);
    assert.match(pack, /cp "\$ROOT"\/scripts\/gpu-pack\/\{env\.sh,check\.sh,run\.sh\} "\$PACK\/"/);
    assert.match(pack, /DEBS=\(libvulkan1 /);
    for (const [, path] of pack.matchAll(/"\$ROOT"?\/([\w./-]+)/g)) {
      if (!path.includes('*') && !path.startsWith('node_modules')) assert.ok(existsSync(join(ROOT, path)), `pack-gpu.sh copies ${path}, which is missing`);
    }
    for (const f of ['pack-gpu.sh', 'gpu-pack/check.sh', 'gpu-pack/env.sh', 'gpu-pack/run.sh']) execFileSync('bash', ['-n', join(ROOT, 'scripts', f)]);
  });

  test('the device check bundles into plain JS importing only Node built-ins and webgpu', { timeout: 60_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpu-check-'));
    try {
      execFileSync(join(ROOT, 'node_modules/.bin/esbuild'), [join(ROOT, 'bench/gpu-check.ts'), '--bundle', '--platform=node', '--format=esm',
        '--target=node20', `--outfile=${join(dir, 'gpu-check.mjs')}`, '--external:webgpu', '--log-level=error']);
      const code = readFileSync(join(dir, 'gpu-check.mjs'), 'utf8');
      const imports = new Set([...code.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]));
      assert.ok(imports.has('webgpu'));
      for (const m of imports) assert.match(m, /^(node:[\w/]+|webgpu)$/, `the bundle imports ${m}, which the pack does not hold`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('torch_ae.py compiles, and its counter RNG and dropout masks are ours', () => {
    execFileSync('python3', ['-m', 'py_compile', TORCH_AE]);
    const got = JSON.parse(execFileSync('python3', [TORCH_AE, '--selftest'], { encoding: 'utf8' }));
    assert.equal(got.pcg0, pcg(0));
    assert.equal(got.pcg123456789, pcg(123456789));
    assert.deepEqual(got.mask_0_0_3, Array.from(dropoutMask(0, 0, 3, 1, 8, 0.2)));
  });

  test("torch_ae.py reads our safetensors files by hand", () => {
    const dir = mkdtempSync(join(tmpdir(), 'torch-ae-'));
    try {
      const file = join(dir, 't.safetensors');
      writeFileSync(file, encodeSafetensors([
        { name: 'w', dtype: 'F32', shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6.5) },
        { name: 'n', dtype: 'I64', shape: [], data: BigInt64Array.of(7n) }], { config: '{"a":1}' }));
      const script = `import sys, json; sys.path.insert(0, ${JSON.stringify(join(ROOT, 'bench/peers'))}); import torch_ae
t, meta = torch_ae.read_safetensors(${JSON.stringify(file)})
print(json.dumps({k: [s, list(a)] for k, (s, a) in t.items()} | {'meta': meta}))`;
      const got = JSON.parse(execFileSync('python3', ['-c', script], { encoding: 'utf8' }));
      assert.deepEqual(got, { w: [[2, 3], [1, 2, 3, 4, 5, 6.5]], n: [[], [7]], meta: { config: '{"a":1}' } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
