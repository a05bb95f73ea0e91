// The end-to-end cases of the built page (vite build + preview) in headless Chromium, run in order on one page per
// adapter: each case starts from the state the previous one left, as a person using the page would.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { PANEL_SETTINGS } from '../../src/app/panel-config.ts';
import { configFromHash, hashFromConfig } from '../../src/model/validate.ts';
import { openBrowserPage, type BrowserAdapter, type BrowserPage } from './browser.ts';
import {
  answerDiscard, canvasPixels, checkpointTensors, digitsSubset, dismissMessages, field, loadCheckpoint, logLines, messages, press, saveCheckpoint, setField,
  stat, uploadIdx, values, VIEWPORT, waitForEpochLines, waitForMessage, waitForState, waitReady,
} from './app.ts';
import { keyboardCases, latentAndFeatureCases, layoutCases, runCases, type ViewCaseContext } from './app-view-cases.ts';

export interface AppSuiteOptions {
  hash: string; // settings the page opens with (also the URL round-trip case's starting point)
  subset: { train: number; test: number }; // images cut from the digits and uploaded as IDX files
  adapterText: RegExp; // what the page must say about its adapter
  timestamps: boolean; // whether the adapter has timestamp queries (per-kernel times)
  epochTimeout: number; // ms to wait for one epoch
}

export function appSuite(adapter: BrowserAdapter, o: AppSuiteOptions): void {
  let b: BrowserPage;
  /** `of`: the whole page, the viewport, or the element a selector names. */
  const shot = async (name: string, of = 'page') => {
    mkdirSync('test-results', { recursive: true });
    const path = `test-results/app-${adapter}-${name}.png`;
    if (of === 'page' || of === 'viewport') await b.page.screenshot({ path, fullPage: of === 'page' });
    else await b.page.locator(of).screenshot({ path });
  };
  const epochs = (n: number) => waitForEpochLines(b.page, n, n * o.epochTimeout + 10_000);
  before(async () => {
    b = await openBrowserPage(adapter, `/#${o.hash}`, 'preview');
    await b.page.setViewportSize(VIEWPORT);
    await waitReady(b.page);
  });
  after(async () => { await b?.close(); });
  const views: ViewCaseContext = { page: () => b.page, baseUrl: () => `${b.baseUrl}/#${o.hash}`, shot, testImages: o.subset.test, epochTimeout: o.epochTimeout };

  test('loads without console errors and reports its adapter', async () => {
    const { page } = b;
    assert.match((await page.textContent('#adapter')) ?? '', o.adapterText);
    assert.equal(await stat(page, 'state'), 'idle');
    assert.match((await page.textContent('#model')) ?? '', /encoder linear \d+/);
    // Every settings field carries its help and range as a tooltip and as the input's accessible description.
    for (const setting of PANEL_SETTINGS) {
      const el = page.locator(`[data-key="${setting.key}"]`);
      const title = (await el.getAttribute('title')) ?? '';
      assert.ok(title.startsWith(setting.help), `${setting.key}: tooltip "${title}"`);
      const described = await el.locator('input, select').first().getAttribute('aria-describedby');
      assert.equal(await page.locator(`#${described}`).textContent(), title, `${setting.key}: aria-describedby`);
    }
    assert.deepEqual(await page.locator('#notices .msg.error').allTextContents(), []);
    assert.deepEqual(b.problems, []);
  });

  test('without WebGPU, or without an adapter, the page says what is missing and how to enable it', async () => {
    const other = await b.page.context().newPage();
    try {
      await other.addInitScript(() => { Object.defineProperty(navigator, 'gpu', { value: undefined }); });
      await other.goto(`${b.baseUrl}/`);
      await waitForMessage(other, 'error', /navigator\.gpu is undefined.*--enable-unsafe-webgpu/s);
      assert.equal(await other.textContent('#adapter'), 'no WebGPU');
      await other.close();
      const noAdapter = await b.page.context().newPage();
      await noAdapter.addInitScript(() => { GPU.prototype.requestAdapter = async () => null; });
      await noAdapter.goto(`${b.baseUrl}/`);
      await waitForMessage(noAdapter, 'error', /No WebGPU adapter available.*offers no adapter.*chrome:\/\/gpu/s);
      await noAdapter.close();
    } finally {
      if (!other.isClosed()) await other.close();
    }
  });

  test('IDX files are validated with clear errors; a valid set (.gz) becomes the training data', async () => {
    const { page } = b;
    const good = digitsSubset(o.subset.train, o.subset.test, true);
    const badMagic = good.map((f, i) => (i === 0 ? { name: 'train-images-idx3-ubyte', buffer: Buffer.from(digitsSubset(10, 10, false)[0].buffer).fill(7, 0, 4) } : f));
    await uploadIdx(page, badMagic);
    await waitForMessage(page, 'error', /train-images-idx3-ubyte.*magic[\s\S]*data and the model are unchanged/i);
    const mismatched = [digitsSubset(20, 10, false)[0], digitsSubset(30, 10, false)[1], ...good.slice(2)];
    await uploadIdx(page, mismatched);
    await waitForMessage(page, 'error', /20 images but 30 labels/);
    await uploadIdx(page, good.slice(0, 3));
    await waitForMessage(page, 'error', /missing t10k-labels-idx1-ubyte/);
    assert.match(await stat(page, 'data'), /^digits: 7,996 train/);
    await dismissMessages(page);
    await uploadIdx(page, good);
    await waitForMessage(page, 'notice', new RegExp(`uploaded IDX files: ${o.subset.train.toLocaleString('en')} train / ${o.subset.test} test, 28×28`));
    assert.match(await stat(page, 'data'), /^uploaded IDX files/);
    assert.equal(await field(page, 'batch'), String(configFromHash(o.hash).config.batch), 'the panel settings carry over to the new data');
  });

  test('training started from the panel lowers the loss', async () => {
    const { page } = b;
    await press(page, 'start');
    await waitForState(page, 'running');
    const lines = await epochs(3);
    await shot('training');
    const test = values(lines, 'test_mse');
    const loss = values(lines, 'loss');
    assert.ok(test[2] < test[0] && loss[2] < loss[0], `test MSE ${test.join(', ')}; training loss ${loss.join(', ')}`);
    assert.ok(Number(await stat(page, 'loss')) > 0, 'the live loss is shown');
    assert.match(await stat(page, 'throughput'), /^[\d,]+$/);
  });

  test('the reconstruction canvas is non-blank and changes as training proceeds', async () => {
    const { page } = b;
    // Two rows per group of 8 (input, output; no corruption): the outputs of the first group are the second row.
    const outputs = { x: 0, y: 29, w: 231, h: 28 };
    const at = async (epoch: number) => {
      await page.waitForFunction((e) => document.getElementById('recon-caption')?.textContent?.includes(`after epoch ${e},`), epoch, { timeout: o.epochTimeout * 3 });
      return canvasPixels(page, 'recon', outputs);
    };
    const n = (await logLines(page)).length;
    const first = await at(n);
    const later = await at(n + 1);
    const spread = Math.max(...later) - Math.min(...later);
    assert.ok(spread > 100, `reconstructions are not blank (grey levels ${Math.min(...later)}..${Math.max(...later)})`);
    const changed = first.filter((v, i) => Math.abs(v - later[i]) > 2).length;
    assert.ok(changed > first.length / 20, `${changed} of ${first.length} output pixels changed between epochs ${n} and ${n + 1}`);
    assert.ok((await canvasPixels(page, 'features')).some((v) => v > 0), 'the feature grid is drawn');
  });

  test('a changed hyperparameter takes effect; invalid values are refused', async () => {
    const { page } = b;
    await setField(page, 'lr', 0.005);
    await waitForMessage(page, 'notice', /Applied at step \d+: lr 0\.001 → 0\.005; training continues/);
    await page.waitForFunction(() => Number((document.querySelector('[data-stat="lr"] input') as HTMLInputElement).value) > 0.002, null, { timeout: 30_000 });
    assert.match(await page.evaluate(() => location.hash), /&lr=0\.005&/);
    assert.equal(await stat(page, 'state'), 'running', 'training went on');
    await setField(page, 'rho', 1.5);
    await waitForMessage(page, 'error', /ρ \(target activity\) must be strictly between 0 and 1, got 1\.5[\s\S]*Kept the previous settings/);
    assert.equal(await field(page, 'rho'), '0.05', 'the panel shows the value in use again');
    await setField(page, 'batch', 1);
    await waitForMessage(page, 'error', /batch must be an integer from 2/);
    await setField(page, 'latent', 16);
    assert.match(await answerDiscard(page, true), /A new architecture throws away the model trained so far \(epoch \d+, step \d+\)/);
    await waitForMessage(page, 'notice', /Architecture changed \(784-(\d+)-64-\1-784 → 784-\1-16-\1-784\): the model was rebuilt/);
    await waitForState(page, 'idle');
    await press(page, 'stepEpoch');
    await page.waitForFunction(() => /each of the 16 code units/.test(document.getElementById('features-caption')?.textContent ?? ''), null, { timeout: o.epochTimeout * 2 });
    await waitForState(page, 'paused');
    assert.deepEqual(b.problems, []);
  });

  test('save then load restores the weights bit for bit', async () => {
    const { page } = b;
    await dismissMessages(page);
    const saved = await saveCheckpoint(page);
    const a = checkpointTensors(saved);
    assert.ok(a.tensors.has('encoder.0.weight') && a.tensors.has('optimizer.encoder.0.weight.exp_avg'));
    assert.equal(a.metadata.epoch, '1');
    await press(page, 'stepEpoch');
    await page.waitForFunction(() => /after epoch 2,/.test(document.getElementById('recon-caption')?.textContent ?? ''), null, { timeout: o.epochTimeout * 2 });
    await waitForState(page, 'paused');
    const moved = checkpointTensors(await saveCheckpoint(page));
    assert.notDeepEqual(moved.tensors.get('encoder.0.weight'), a.tensors.get('encoder.0.weight'), 'another epoch changed the weights');
    await loadCheckpoint(page, saved);
    await waitForMessage(page, 'notice', /Loaded model\.safetensors: epoch 1, step \d+/);
    const restored = await saveCheckpoint(page);
    assert.ok(restored.equals(saved), 'the file saved after loading is byte-identical to the one loaded');
  });

  test('a corrupt file shows a visible error and training state is unharmed', async () => {
    const { page } = b;
    const before = await saveCheckpoint(page);
    await loadCheckpoint(page, before.subarray(0, before.length - 1000), 'truncated.safetensors');
    await waitForMessage(page, 'error', /Could not load truncated\.safetensors: [\s\S]+The current model is unchanged/);
    const junk = Buffer.from('this is not a checkpoint at all, just text that someone renamed');
    await loadCheckpoint(page, junk, 'junk.safetensors');
    await waitForMessage(page, 'error', /Could not load junk\.safetensors/);
    await uploadIdx(page, digitsSubset(10, 10, true).map((f) => ({ ...f, buffer: f.buffer.subarray(0, 12) })));
    await waitForMessage(page, 'error', /gzip|truncated/i);
    const after_ = await saveCheckpoint(page);
    assert.ok(after_.equals(before), 'weights, optimiser state and position are unchanged');
    assert.match(await stat(page, 'data'), /^uploaded IDX files/);
    const n = (await logLines(page)).length;
    await press(page, 'stepEpoch');
    await epochs(n + 1);
    await waitForState(page, 'paused');
  });

  runCases(views);
  keyboardCases(views);
  latentAndFeatureCases(views);
  layoutCases(views);

  test('matmul kernels are chosen by measurement, or fixed from the panel; per-kernel GPU times where timestamps exist', async () => {
    const { page } = b;
    assert.match((await page.textContent('#kernel-choice')) ?? '', /chosen by timing each product on this adapter .*: encoder\.0 \w+\/-\/\w+, encoder\.4 \w+\/\w+\/\w+/);
    const before = await saveCheckpoint(page);
    await setField(page, 'kernel', 'rb4x4');
    await waitForMessage(page, 'notice', /Matmul kernels: rb4x4; training continues from the current weights/);
    assert.match((await page.textContent('#kernel-choice')) ?? '', /Matmul variant rb4x4 for every product/);
    // Weights, optimiser state and position stay; only the recorded kernels (metadata "matmul", and so its hash) change.
    const [a, z] = [checkpointTensors(before), checkpointTensors(await saveCheckpoint(page))];
    assert.deepEqual(z.tensors, a.tensors, 'switching kernels keeps the weights, optimiser state and running statistics');
    const rest = (m: Record<string, string>) => ({ ...m, matmul: undefined, metadata_sha256: undefined });
    assert.deepEqual(rest(z.metadata), rest(a.metadata), 'and the position, config and history');
    assert.match(z.metadata.matmul, /rb4x4/);
    await setField(page, 'kernel', 'auto');
    await waitForMessage(page, 'notice', /Matmul kernels: auto/);
    if (!o.timestamps) {
      assert.match((await page.textContent('#kernels')) ?? '', /need the 'timestamp-query' feature/);
      assert.ok(await page.locator('[data-action="profile"] button').isDisabled());
      return;
    }
    await press(page, 'profile');
    await page.waitForSelector('table.kernel-times tbody tr', { timeout: 60_000 });
    const rows = await page.locator('table.kernel-times tbody tr').allTextContents();
    assert.ok(rows.length >= 10, `${rows.length} dispatches timed`);
    assert.ok(rows.some((r) => /encoder\.0\.denseForward/.test(r)));
    assert.match((await page.textContent('#kernels')) ?? '', /Sum of dispatches \d+\.\d+ ms per step/);
  });

  test('the config round-trips through the URL hash and lil-gui presets', async () => {
    const { page } = b;
    // Paused first: a page left behind another gets no animation frames in headless Chromium, and a running session
    // applies panel changes only at its next step boundary.
    if ((await stat(page, 'state')) === 'running') { await press(page, 'pause'); await waitForState(page, 'paused'); }
    const canonical = (h: string) => { const c = configFromHash(h); return hashFromConfig(c.config, c.preset ?? undefined); };
    const hash = await page.evaluate(() => location.hash.slice(1));
    assert.deepEqual(configFromHash(hash).problems, []);
    assert.equal(hash, canonical(hash), 'the page writes the canonical hash');
    assert.match(hash, /latent=16&.*lr=0\.005&/, 'it carries the changes made in the panel');
    const keys = await page.locator('[data-key]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.key!));
    const panel = async (p: typeof page) => Promise.all(keys.map((k) => field(p, k)));
    const mine = await panel(page);
    const other = await page.context().newPage(); // same origin storage: the matmul tuning cache is shared
    await other.setViewportSize(VIEWPORT);
    try {
      await other.goto(`${b.baseUrl}/#${hash}`);
      await waitReady(other);
      assert.equal(await other.evaluate(() => location.hash.slice(1)), hash);
      assert.deepEqual(await panel(other), mine, 'a second page opened from the link shows the same settings');
      // Links with problems say so at once (the pages then build the seed preset, which these checks need not wait for).
      await other.goto('about:blank'); // a full load, not a same-document hash change
      await other.goto(`${b.baseUrl}/#preset=ae&rho=2`);
      await waitForMessage(other, 'error', /The link's settings were rejected:\nρ .*got 2[\s\S]*seed preset/);
      assert.equal(await field(other, 'preset'), 'seed');
      await other.goto('about:blank');
      await other.goto(`${b.baseUrl}/#layers=784~batchnorm,linear32,tanh~linear784,sigmoid`);
      await waitForMessage(other, 'error', /not applied: .*BatchNorm directly on the input/);
    } finally {
      await other.close();
    }
    // A page that was left behind another one gets no animation frames again in headless Chromium, so lil-gui's folder
    // animation and Playwright's pointer checks stall there: the two settings buttons are pressed through the DOM.
    const domPress = (action: string) => page.locator(`[data-action="${action}"] button`).evaluate((el) => (el as HTMLButtonElement).click());
    await domPress('remember');
    await setField(page, 'seed', 42);
    await setField(page, 'loss', 'bce');
    await page.waitForFunction(() => /seed=42/.test(location.hash) && /loss=bce/.test(location.hash), null, { timeout: 60_000 }).catch(async (e) => {
      const state = await page.evaluate(() => location.hash);
      throw new Error(`${(e as Error).message}\nhash ${state}\nnotices ${JSON.stringify(await messages(page, 'notice'))}\nerrors ${JSON.stringify(await messages(page, 'error'))}`);
    });
    await domPress('recall');
    await page.waitForFunction((h) => location.hash.slice(1) === h, hash, { timeout: 60_000 }).catch(async (e) => {
      throw new Error(`${(e as Error).message}\nhash ${await page.evaluate(() => location.hash)}\nwanted ${hash}\nerrors ${JSON.stringify(await messages(page, 'error'))}`);
    });
    assert.deepEqual(await panel(page), mine, 'recalling the lil-gui preset restores every field');
    assert.deepEqual(b.problems, []);
  });

  test('the Experiments panel runs a sweep with progress, then shows its table with the PCA baseline, plots and pictures', async () => {
    const { page } = b;
    await page.locator('.lil-gui.lil-closed:has([data-action="runExperiment"]) > .lil-title').click({ force: true }); // as press(): no stability wait under load
    await setField(page, 'experiment', 'losses');
    await setField(page, 'experimentEpochs', 1);
    await press(page, 'runExperiment');
    await page.waitForFunction(() => /run \d\/3 /.test((document.querySelector('[data-stat="experiment"] input') as HTMLInputElement).value), null, { timeout: 4 * o.epochTimeout });
    await page.waitForFunction(() => /done/.test((document.querySelector('[data-stat="experiment"] input') as HTMLInputElement).value), null, { timeout: 6 * o.epochTimeout + 20_000 });
    await waitForMessage(page, 'notice', /Experiment losses finished in \d+:\d\d: its table, plots and grids are in the Experiment card/);
    await page.waitForFunction(() => { const r = document.getElementById('experiment')!.getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight; },
      null, { timeout: 5_000 }); // the results are scrolled into view
    const rows = await page.locator('#experiment table tr').allTextContents();
    assert.equal(rows.length, 5);
    assert.match(rows[1], /^mse0\.\d/);
    assert.match(rows[3], /^mae0\.\d/);
    assert.match(rows[4], /^PCA-32 \(baseline\)0\.\d+––0\.\d/, 'the best linear code of the same size, as in the CLI\'s report');
    assert.equal(await page.locator('#experiment img').count(), 4, 'the curves and one reconstruction grid per run');
    assert.ok(await page.locator('#experiment img').evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth > 0)), 'every picture decodes');
    assert.deepEqual(await page.locator('#experiment a').allTextContents(), ['results.json', 'results.csv', 'losses-1.svg',
      'losses-recon-1.png', 'losses-recon-2.png', 'losses-recon-3.png', 'report.md']);
    await shot('experiment');
    assert.deepEqual(b.problems, []);
  });

  test('a GPU device lost mid-run is replaced: a notice says so and training continues from the last epoch', async () => {
    const page = await b.page.context().newPage();
    try {
      // Keep a handle on every device the page creates, so the test can destroy one as a driver reset would.
      await page.addInitScript(() => {
        const request = GPUAdapter.prototype.requestDevice;
        GPUAdapter.prototype.requestDevice = async function (this: GPUAdapter, d?: GPUDeviceDescriptor) {
          const device = await request.call(this, d);
          ((window as unknown as { devices: GPUDevice[] }).devices ??= []).push(device);
          return device;
        };
      });
      await page.goto(`${b.baseUrl}/#${[...o.hash.split('&').filter((p) => !p.startsWith('epochs=')), 'epochs=8'].join('&')}`);
      await waitReady(page);
      await press(page, 'start');
      await waitForEpochLines(page, 1, 2 * o.epochTimeout + 10_000);
      await page.evaluate(() => (window as unknown as { devices: GPUDevice[] }).devices[0].destroy());
      const notice = await waitForMessage(page, 'notice', /GPU device lost \(destroyed.*re-acquired .* resumed from the end of epoch [1-9]\d* \(step \d+\)/, 30_000);
      const resumedAt = Number(/resumed from the end of epoch (\d+)/.exec(notice)![1]);
      await waitForEpochLines(page, resumedAt + 2, 3 * o.epochTimeout + 10_000);
      assert.equal(await page.evaluate(() => (window as unknown as { devices: GPUDevice[] }).devices.length), 2, 'one new device');
      assert.deepEqual(await messages(page, 'error'), []);
      const test = values(await logLines(page), 'test_mse');
      assert.ok(test.every(Number.isFinite) && test[test.length - 1] < test[0], `training went on: test MSE ${test.join(', ')}`);
    } finally {
      await page.close();
    }
  });
}
