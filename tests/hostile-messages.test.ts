// Messages a user can act on (issue 14, item 6): the divergence stop advises flags the CLI accepts, a run too large
// for the default adapter names the limit and what fits (not Mesa), Dawn's notices are filtered line by line without
// delaying other output, adapter names are readable, counts read as English.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCli } from '../src/cli/args.ts';
import { NoiseFilter } from '../src/cli/quiet-stderr.ts';
import { plural } from '../src/model/describe.ts';
import { metricsRow } from '../src/train/metrics.ts';
import { loadDefaultData } from '../src/data/node.ts';
import { adapterName } from '../src/gpu/device.ts';
import { acquireNodeGpu } from '../src/gpu/node.ts';
import { defaultTrainConfig } from '../src/model/config.ts';
import { checkFits, type BufferLimits } from '../src/train/fit.ts';
import { DivergenceError } from '../src/train/guard.ts';
import { limitsFor } from '../src/train/trainer.ts';

describe('advice and names', () => {
  test('the divergence stop suggests --init with a tenth of the learning rate, which the CLI accepts (--resume would not)', () => {
    const err = new DivergenceError(['epoch 2: NaN', 'epoch 2: NaN'], { epoch: 1, globalStep: 32 }, 0.001);
    assert.match(err.message, /run again with --init <the --save file> and --lr 0\.0001 \(a tenth of 0\.001\)/);
    assert.ok(parseCli(['--init', 'm.safetensors', '--lr', '0.0001']) !== 'help');
    assert.throws(() => parseCli(['--resume', 'm.safetensors', '--lr', '0.0001']), /--resume/);
  });

  test('adapter names, plurals and metrics epochs', () => {
    assert.equal(adapterName({ vendor: '', architecture: '', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL version OpenGL ES 3.2 Mesa 22.3.6' }),
      'llvmpipe (LLVM 15.0.6, 256 bits), OpenGL ES 3.2 Mesa 22.3.6');
    assert.equal(adapterName({ vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0' }),
      'google SwiftShader Subzero, driver 5.0.0');
    assert.equal(adapterName({ vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', description: '' }), 'NVIDIA H200 (hopper)');
    assert.equal(adapterName({ vendor: '', architecture: '', device: '', description: '' }), 'unknown adapter');
    assert.deepEqual([plural(1, 'epoch'), plural(0, 'image'), plural(2, 'step')], ['1 epoch', '0 images', '2 steps']);
    assert.equal(metricsRow({ epoch: 0, loss: 1 }).epoch, 1, '"epoch 1/10" is epoch 1 in the file');
  });
});

describe('Dawn notices', () => {
  const noise = 'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 90 to 16 to fit dynamic offset allocation limit.\n' +
    'Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 80 to 16 to fit dynamic offset allocation limit.\n' +
    'error: XDG_RUNTIME_DIR is invalid or not set in the environment.\n';
  test('are dropped whole, however the chunks split them; everything else passes at once', () => {
    const text = `${noise}error: something real\nWarning: keep me\n${noise}progress 3/10\r`;
    for (const size of [1, 2, 7, 64, text.length]) {
      const f = new NoiseFilter();
      let out = '';
      for (let i = 0; i < text.length; i += size) out += f.push(text.slice(i, i + size));
      assert.equal(out + f.end(), 'error: something real\nWarning: keep me\nprogress 3/10\r', `chunks of ${size}`);
    }
    const f = new NoiseFilter();
    assert.equal(f.push('epoch 1/3 [===   ]\r'), 'epoch 1/3 [===   ]\r', 'a progress line is not held back');
    assert.equal(f.push('Warn'), '', 'a possible notice waits for its end');
    assert.equal(f.push('ing: real trouble\n'), 'Warning: real trouble\n');
  });
});

describe('too large for the default adapter', () => {
  test('auto names the limit and the largest batch that fits, and does not blame Mesa', async () => {
    const data = await loadDefaultData();
    const cfg = { ...defaultTrainConfig(), batch: 65536 };
    const err = await acquireNodeGpu('auto', limitsFor(cfg, data)).then((g) => { g.release(); return null; }, (e: Error) => e);
    assert.ok(err, 'a batch of 65536 does not fit this machine\'s adapters');
    assert.doesNotMatch(err.message, /Install Mesa|No usable WebGPU adapter/);
    const limits = (err as Error & { adapterLimits?: BufferLimits }).adapterLimits;
    assert.ok(limits, 'the error carries the adapter limits');
    assert.throws(() => checkFits(cfg, data, limits, 'the auto adapter'), /too large for the auto adapter:\n {2}maxStorageBufferBindingSize is \d+ bytes, but one batch .* the largest batch that fits is \d+/);
  });
});
