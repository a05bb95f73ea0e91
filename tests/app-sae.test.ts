// The page trains a sparse autoencoder end to end in headless Chromium on llvmpipe: a link picks the TopK SAE preset
// (the embedded digits as 784-d vectors), Start trains it through the one Run; the feature dashboard appears with
// d_sae atoms and L0 = k, the MLP autoencoder's picture cards step aside, and each epoch has its log line.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { openBrowserPage, type BrowserPage } from './support/browser.ts';
import { press, waitForState, waitReady } from './support/app.ts';

const D_SAE = 64, K = 8;
let b: BrowserPage;

before(async () => {
  b = await openBrowserPage('llvmpipe', `/#preset=topk-sae&dSae=${D_SAE}&k=${K}&kAux=32&epochs=2`);
  await waitReady(b.page);
});
after(async () => { await b?.close(); });

test('an SAE preset from a link trains in the page and feeds the dashboard', { timeout: 300_000 }, async () => {
  const { page } = b;
  await press(page, 'start');
  await waitForState(page, 'finished', 240_000);
  assert.equal(await page.locator('#sae').isVisible(), true, 'the dashboard shows for an SAE run');
  assert.equal(await page.locator('#sae button.sae-atom').count(), D_SAE);
  assert.equal(await page.locator('#sae [data-figure="l0"] .value').textContent(), K.toFixed(2), 'L0 on the held-out split is k');
  for (const id of ['recon', 'features', 'latent']) assert.equal(await page.locator(`#${id}`).isVisible(), false, `#${id} is an MLP picture`);
  const log = (await page.textContent('#log')) ?? '';
  assert.equal(log.trim().split('\n').length, 2, log);
  assert.match(log, /L0 8\.00/);
  assert.match((await page.textContent('#model')) ?? '', /784.*64.*steps per epoch/);
  mkdirSync('test-results', { recursive: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: 'test-results/app-sae.png', fullPage: true });
  assert.deepEqual(b.problems, []);
});
