// The page end to end in headless Chromium (llvmpipe, compatibility): it reports its adapter, trains the seed
// model from its button with falling test error, draws reconstructions, and logs no console errors.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { openBrowserPage, type BrowserPage } from './support/browser.ts';

let b: BrowserPage;
before(async () => { b = await openBrowserPage('llvmpipe', '/'); });
after(async () => { await b?.close(); });

test('the page trains the seed model and shows reconstructions', async () => {
  const { page } = b;
  await page.waitForFunction(() => !(document.getElementById('start') as HTMLButtonElement).disabled, null, { timeout: 30_000 });
  assert.match((await page.textContent('#adapter')) ?? '', /llvmpipe.*\(compatibility\)/);
  await page.click('#start');
  await page.waitForFunction(() => /epoch +3\/10|error/.test(document.getElementById('log')?.textContent ?? ''), null, { timeout: 120_000 });
  const log = (await page.textContent('#log')) ?? '';
  assert.doesNotMatch(log, /error/);
  const testMse = [...log.matchAll(/test_mse (\d\.\d+)/g)].map((m) => Number(m[1]));
  assert.ok(testMse.length >= 3 && testMse[2] < testMse[1] && testMse[1] < testMse[0], `test MSE falls: ${testMse.join(', ')}`);
  const spread = await page.evaluate(() => {
    const c = document.getElementById('recon') as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 28, c.width, 28).data; // the reconstruction row
    let lo = 255, hi = 0;
    for (let i = 0; i < d.length; i += 4) { lo = Math.min(lo, d[i]); hi = Math.max(hi, d[i]); }
    return hi - lo;
  });
  assert.ok(spread > 100, `reconstructions are not blank (pixel range ${spread})`);
  mkdirSync('test-results', { recursive: true });
  await page.screenshot({ path: 'test-results/app-llvmpipe.png', fullPage: true });
  assert.deepEqual(b.problems, []);
});
