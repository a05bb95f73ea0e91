// The page drives the same Run as the CLI (headless Chromium, llvmpipe, the built page): its divergence guard rolls
// back a poisoned epoch with a notice; a checkpoint the CLI's code wrote after a rollback loads with its curves, its
// pictures and its learning-rate scale; raising the epochs past a finished run extends a length-tied cosine period.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadData } from '../src/data/node.ts';
import { acquireNodeGpu } from '../src/gpu/node.ts';
import { defaultTrainConfig, seedModel } from '../src/model/config.ts';
import { encodeCheckpoint } from '../src/train/checkpoint.ts';
import { Run } from '../src/train/run.ts';
import { limitsFor } from '../src/train/trainer.ts';
import { STEP_HEADER, STEP_SLOT } from '../src/train/uniforms.ts';
import { openBrowserPage, type BrowserPage } from './support/browser.ts';
import {
  answerDiscard, checkpointTensors, loadCheckpoint, logLines, messages, press, saveCheckpoint, setField, values, VIEWPORT, waitForEpochLines, waitForMessage, waitForState,
  waitReady,
} from './support/app.ts';

const HASH = 'preset=seed&hidden=64&latent=16&batch=256&epochs=3&T=3';
let b: BrowserPage;

before(async () => {
  b = await openBrowserPage('llvmpipe', `/#${HASH}`, 'preview');
  await b.page.setViewportSize(VIEWPORT);
  // Poison the learning rate of the next `injectLr` training steps the page uploads (the Step uniform's model 0 lr,
  // training flag at byte 28 of each slot), as a bad setting or a bug would.
  await b.page.addInitScript(({ slot, lrAt }) => {
    const write = GPUQueue.prototype.writeBuffer;
    GPUQueue.prototype.writeBuffer = function (this: GPUQueue, buffer: GPUBuffer, offset: number, data: BufferSource, dataOffset = 0, size?: number) {
      const w = window as unknown as { injectLr?: number };
      if ((w.injectLr ?? 0) > 0 && buffer.label === 'Trainer.steps') {
        w.injectLr!--;
        const src = data instanceof ArrayBuffer ? data : data.buffer;
        const copy = (src as ArrayBuffer).slice(0);
        const view = new DataView(copy);
        const end = dataOffset + (size ?? copy.byteLength - dataOffset);
        for (let at = dataOffset; at + lrAt + 4 <= end; at += slot) if (view.getUint32(at + 28, true) === 1) view.setFloat32(at + lrAt, 1e30, true);
        return write.call(this, buffer, offset, copy, dataOffset, size);
      }
      return write.call(this, buffer, offset, data, dataOffset, size);
    } as typeof GPUQueue.prototype.writeBuffer;
  }, { slot: STEP_SLOT, lrAt: STEP_HEADER + 4 });
  await b.page.reload();
  await waitReady(b.page);
});
after(async () => { await b?.close(); });

test('the page\'s divergence guard: an epoch poisoned with lr = 1e30 is rolled back with the rate halved, and training goes on', async () => {
  const page = b.page;
  await press(page, 'stepEpoch');
  await waitForEpochLines(page, 1, 30_000);
  await page.evaluate(() => { (window as unknown as { injectLr: number }).injectLr = 3; });
  await press(page, 'start');
  const notice = await waitForMessage(page, 'notice', /divergence in epoch 2: .* rolled back to the end of epoch 1 \(step \d+\), learning rate halved \(×0\.5/, 60_000);
  console.log(`    page notice: ${notice.split('\n')[0]}`);
  await waitForState(page, 'finished', 60_000);
  const lines = await logLines(page);
  assert.equal(lines.length, 3, lines.join('\n'));
  assert.ok(values(lines, 'test_mse').every(Number.isFinite), lines.join('\n'));
  const { metadata } = checkpointTensors(await saveCheckpoint(page));
  assert.equal(metadata.lr_scale, '0.5', 'the page\'s checkpoint keeps the guard\'s learning-rate scale');
  assert.equal(JSON.parse(metadata.history).length, 3);
  assert.deepEqual(await messages(page, 'error'), []);
});

test('a checkpoint written by the CLI\'s code after a rollback loads with its curves, pictures and lr scale; raising epochs extends the period', async () => {
  // The CLI's path in Node: a Run whose epoch 2 is poisoned, rolled back (lr ×0.5), then saved after epoch 2.
  const data = await loadData('default');
  const cfg = { ...defaultTrainConfig(seedModel(64, 16)), epochs: 3 };
  cfg.schedule = { ...cfg.schedule, T: 3 };
  let inject = true;
  const run = await Run.start({ cfg, data, kernel: 'rb8x8', hooks: {
    acquire: () => acquireNodeGpu('llvmpipe', limitsFor(cfg, data)),
    log: () => { inject = false; },
    built: (t) => { const lr = t.lrAt.bind(t); t.lrAt = (e, s) => (inject && e === 1 ? 1e30 : lr(e, s)); },
  } });
  while (run.good.epoch < 2) await run.epoch();
  assert.equal(run.good.lrScale, 0.5);
  const bytes = Buffer.from(await encodeCheckpoint(run.trainer.plan, cfg, run.good, data.sha256));
  run.release();

  const page = b.page;
  await press(page, 'reset');
  await answerDiscard(page, true); // the trained model of the first test goes
  await loadCheckpoint(page, bytes, 'after-rollback.safetensors');
  await waitForMessage(page, 'notice', /Loaded after-rollback\.safetensors: epoch 2, .*learning rate by 0\.5/, 30_000);
  const history = await logLines(page);
  assert.equal(history.length, 2, `the loaded history is in the log: ${history.join('\n')}`);
  await page.waitForFunction(() => /after epoch 2,/.test(document.getElementById('recon-caption')?.textContent ?? ''), null, { timeout: 30_000 });
  await press(page, 'start');
  const lines = await waitForEpochLines(page, 3, 30_000);
  const expected = 0.5 * 1e-3 * 0.5 * (1 + Math.cos((2 * Math.PI) / 3));
  assert.match(lines[2], new RegExp(`^epoch 3/3  lr ${expected.toExponential(3).replace('+', '\\+')}`), 'epoch 3 ran at half the scheduled rate');
  await waitForState(page, 'finished', 30_000);

  await setField(page, 'epochs', 5);
  await waitForMessage(page, 'notice', /Epochs 3 → 5: the cosine period follows the run's length: T = 3 → 5 epochs/, 30_000);
  await press(page, 'start');
  const more = await waitForEpochLines(page, 5, 60_000);
  const lr = values(more, 'lr');
  assert.ok(lr[3] > 0 && lr[4] > 0, `epochs 4 and 5 train at lr > 0: ${lr.join(', ')}`);
  assert.deepEqual(await messages(page, 'error'), []);
});
