// The SAE feature dashboard end to end in headless Chromium on llvmpipe: a TopK SAE trains on the embedded digits in
// a test page (tests/browser/sae-dashboard.html: SaeTrainer fed to the dashboard through SaeFeed each epoch); the
// dashboard shows d_sae atoms, L0 = k, a chosen atom's density and its top-activating held-out digits; arrow keys,
// sorting, the axe scan and the layout at desktop and phone sizes (screenshots in test-results/).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import AxeBuilder from '@axe-core/playwright';
import { openBrowserPage, type BrowserPage } from './support/browser.ts';

const D_SAE = 64, K = 8, TEST = 500;
const QUERY = `dSae=${D_SAE}&k=${K}&epochs=2&train=2000&test=${TEST}`;
const DESKTOP = { width: 1280, height: 800 }, PHONE = { width: 390, height: 844 };
let b: BrowserPage;

const shot = async (name: string, selector?: string) => {
  mkdirSync('test-results', { recursive: true });
  const path = `test-results/sae-dashboard-${name}.png`;
  if (selector) await b.page.locator(selector).screenshot({ path });
  else await b.page.screenshot({ path, fullPage: true });
};

before(async () => {
  b = await openBrowserPage('llvmpipe', `/tests/browser/sae-dashboard.html?${QUERY}`, 'dev');
  await b.page.setViewportSize(DESKTOP);
  await b.page.waitForSelector('body[data-done]', { timeout: 180_000 });
});
after(async () => { await b?.close(); });

const tiles = () => b.page.locator('#sae button.sae-atom');
const focusedLatent = () => b.page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.latent ?? null);

test('the dashboard shows d_sae atoms and the live figures; L0 equals k', async () => {
  assert.deepEqual(b.problems, []);
  assert.equal(await tiles().count(), D_SAE);
  const metrics = await b.page.evaluate(() => window.__sae!.metrics);
  assert.equal(metrics.length, 2);
  const figure = (key: string) => b.page.locator(`#sae [data-figure="${key}"] .value`).textContent();
  assert.equal(await figure('l0'), K.toFixed(2), 'L0 on the held-out split');
  assert.equal(metrics[1].l0, K, 'TopK keeps exactly k latents on every held-out digit');
  assert.equal(await figure('epoch'), '2');
  assert.equal(await figure('dead'), `${Math.round(metrics[1].deadFraction * D_SAE)} / ${D_SAE}`);
  assert.equal(await figure('fvu'), metrics[1].fvu.toFixed(4));
  console.log(`    epoch 2: L0 ${metrics[1].l0}, FVU ${metrics[1].fvu.toFixed(4)}, dead ${metrics[1].deadFraction}`);
  await shot('desktop');
});

test('clicking an atom shows its firing density and its top-activating held-out digits, highest first', async () => {
  const page = b.page;
  const tile = tiles().nth(5);
  const j = Number(await tile.getAttribute('data-latent'));
  await tile.click();
  assert.equal(await page.locator('#sae .sae-detail h3').textContent(), `Latent ${j}`);
  assert.equal(await tile.getAttribute('aria-current'), 'true');
  const text = (await page.locator('#sae .sae-density-text').textContent()) ?? '';
  const fired = Number(/\((\d+) of 500\)/.exec(text)?.[1]);
  assert.ok(fired > 0, `a latent of the dense end fires: ${text}`);
  assert.equal(Number(await page.locator('#sae .sae-density-text').getAttribute('data-density')), fired / TEST);
  const figures = page.locator('#sae .sae-top figure');
  assert.equal(await figures.count(), Math.min(9, fired));
  const captions = await figures.locator('figcaption').allTextContents();
  const acts = captions.map((c) => Number(c.split(' #')[0]));
  assert.ok(acts.every((a, i) => a > 0 && (i === 0 || a <= acts[i - 1])), `activations descending: ${acts}`);
  // Each picture is the held-out digit it names (the first TEST digits of the embedded test set).
  const images = gunzipSync(readFileSync(new URL('../data/digits/t10k-images-idx3-ubyte.gz', import.meta.url))).subarray(16);
  for (const [n, caption] of captions.entries()) {
    const i = Number(caption.split(' #')[1]);
    const drawn = await figures.nth(n).locator('canvas').evaluate((c: HTMLCanvasElement) => [...c.getContext('2d')!.getImageData(0, 0, 28, 28).data].filter((_, p) => p % 4 === 0));
    const want = [...images.subarray(i * 784, (i + 1) * 784)];
    assert.ok(drawn.every((v, p) => Math.abs(v - Math.round((want[p] / 255) * 255)) <= 1), `top image ${n} is held-out digit ${i}`);
  }
  await shot('detail', '#sae');
});

test('arrow keys move through the atoms (one tab stop), Home and End jump; sorting by density reorders', async () => {
  const page = b.page;
  const first = await tiles().nth(0).getAttribute('data-latent');
  const second = await tiles().nth(1).getAttribute('data-latent');
  await tiles().nth(0).focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await focusedLatent(), second);
  assert.equal(await page.locator('#sae .sae-detail h3').textContent(), `Latent ${second}`);
  assert.equal(await page.locator('#sae button.sae-atom[tabindex="0"]').count(), 1, 'one tab stop in the grid');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await focusedLatent(), first);
  const cols = await page.evaluate(() => {
    const t = [...document.querySelectorAll<HTMLElement>('#sae button.sae-atom')];
    return t.findIndex((e) => e.offsetTop !== t[0].offsetTop);
  });
  await page.keyboard.press('ArrowDown');
  assert.equal(await focusedLatent(), await tiles().nth(cols).getAttribute('data-latent'));
  await page.keyboard.press('End');
  assert.equal(await focusedLatent(), await tiles().nth(D_SAE - 1).getAttribute('data-latent'));
  const densities = async () => (await tiles().evaluateAll((t) => t.map((e) => e.getAttribute('aria-label')!)))
    .map((l) => Number(/fires on ([\d.e-]+)%/.exec(l)?.[1] ?? 0));
  const desc = await densities();
  assert.ok(desc.every((d, i) => i === 0 || d <= desc[i - 1]), 'highest density first by default');
  await page.locator('#sae select.sae-sort').selectOption('density-asc');
  const asc = await densities();
  assert.ok(asc.every((d, i) => i === 0 || d >= asc[i - 1]), 'lowest first');
  await page.locator('#sae select.sae-sort').selectOption('index');
  assert.deepEqual(await tiles().evaluateAll((t) => t.map((e) => Number(e.getAttribute('data-latent')))), Array.from({ length: D_SAE }, (_, j) => j));
  await page.locator('#sae select.sae-sort').selectOption('density-desc');
});

test('axe finds no violations; nothing scrolls sideways on a phone', async () => {
  const page = b.page;
  await tiles().nth(0).click();
  for (const [name, size] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    await page.setViewportSize(size);
    const { violations } = await new AxeBuilder({ page }).include('#sae').analyze();
    assert.deepEqual(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], `axe at ${name}`);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(wide <= 0, `${name}: the page scrolls ${wide}px sideways`);
  }
  await shot('phone');
  await page.setViewportSize(DESKTOP);
});
