// End-to-end cases for the page's views and layout, registered into appSuite at the point where the page holds
// what they need (a trained model, several runs): the latent and feature views, runs and exports, keyboard
// shortcuts, and the layout at three viewports with the axe accessibility scan.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { LABEL_COLORS } from '../../src/app/latent-view.ts';
import {
  answerDiscard, canvasPixels, downloaded, loadCheckpoint, logLines, saveCheckpoint, VIEWPORT, waitForEpochLines, waitForState, waitReady,
} from './app.ts';

export interface ViewCaseContext {
  page(): Page;
  baseUrl(): string;
  shot(name: string, of?: string): Promise<void>; // of: 'page' (default), 'viewport' or a selector
  testImages: number;
  epochTimeout: number;
}

const differ = (a: number[], b: number[]) => a.filter((v, i) => Math.abs(v - b[i]) > 2).length;

export function latentAndFeatureCases(c: ViewCaseContext): void {
  test('the latent view plots every test code coloured by label; interpolation and code sliders decode', async () => {
    const page = c.page();
    // The codes are read while the card is on screen; wait for the latest epoch's (a later show() would rebuild the
    // sliders).
    await page.locator('#latent').scrollIntoViewIfNeeded();
    const lines = await logLines(page);
    const epoch = Number(/^epoch\s+(\d+)\//.exec(lines[lines.length - 1])![1]);
    await page.waitForFunction((e) => document.querySelector('#latent .caption')?.textContent?.includes(`test codes after epoch ${e},`), epoch, { timeout: 2 * c.epochTimeout });
    assert.match((await page.textContent('#latent .caption')) ?? '',
      new RegExp(`^${c.testImages} test codes after epoch \\d+, evaluation mode, on principal components 1 \\(\\d+% of the variance\\) and 2 \\(\\d+%\\); colour: label`));
    // Every label's colour is on the plot (the test images hold every digit), and hovering a point shows its image.
    const { colours, point } = await page.evaluate(() => {
      const canvas = document.getElementById('latent-plot') as HTMLCanvasElement;
      const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      const seen = new Set<string>();
      let point: [number, number] | null = null;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3] < 255) continue;
        seen.add(`#${[d[i], d[i + 1], d[i + 2]].map((v) => v.toString(16).padStart(2, '0')).join('')}`);
        point ??= [((i / 4) % canvas.width) / (canvas.width / canvas.clientWidth), Math.floor(i / 4 / canvas.width) / (canvas.height / canvas.clientHeight)];
      }
      return { colours: [...seen], point };
    });
    const present = LABEL_COLORS.filter((h) => colours.includes(h));
    assert.ok(present.length === 10, `label colours on the plot: ${present.length} of 10`);
    await page.locator('#latent-plot').scrollIntoViewIfNeeded();
    const box = (await page.locator('#latent-plot').boundingBox())!;
    await page.mouse.move(box.x + point![0] + 1, box.y + point![1] + 1);
    await page.waitForSelector('.latent-tip', { state: 'visible', timeout: 5_000 });
    assert.match((await page.textContent('.latent-tip')) ?? '', /^#\d+ · label \d$/);
    assert.ok((await canvasPixels(page, 'latent-edit')).some((v) => v > 0), 'the edited code is decoded');
    const strip = await canvasPixels(page, 'latent-strip');
    await page.fill('[data-latent="from"]', '5');
    await page.locator('[data-latent="from"]').blur(); // commits it (a change event), as leaving the field does
    assert.ok(differ(strip, await canvasPixels(page, 'latent-strip')) > 50, 'choosing another image A redraws the strip');
    const edited = await canvasPixels(page, 'latent-edit');
    const slider = page.locator('.sliders input[type=range]').first();
    const [lo, hi, now] = await slider.evaluate((e) => [(e as HTMLInputElement).min, (e as HTMLInputElement).max, (e as HTMLInputElement).value].map(Number));
    await slider.fill(String(now - lo > hi - now ? lo : hi)); // the far end of the unit's range
    assert.ok(differ(edited, await canvasPixels(page, 'latent-edit')) > 5, 'moving a code slider changes the decoded image');
    await c.shot('latent', '#latent');
  });

  test('learned features show each unit against the all-inactive code by default; the raw one-hot view is an option', async () => {
    const page = c.page();
    assert.match((await page.textContent('#features-caption')) ?? '', /decoder\(b with unit j on\) − decoder\(b\), b = the all-inactive code \(−1 for a tanh code\)/);
    const tile = async (i: number) => canvasPixels(page, 'features', { x: i * 29, y: 0, w: 28, h: 28 });
    const [a, b] = [await tile(0), await tile(1)];
    assert.ok(differ(a, b) > 100, `units 0 and 1 draw different features (${differ(a, b)} of 784 pixels differ)`);
    await page.locator('[data-view="features"] select').selectOption('raw decoder(e_j)');
    await page.waitForFunction(() => /raw one-hot decoding/.test(document.getElementById('features-caption')?.textContent ?? ''));
    await page.locator('[data-view="features"] select').selectOption('unit on − all inactive');
  });
}

export function runCases(c: ViewCaseContext): void {
  test('earlier runs are kept (IndexedDB), overlaid, renamed, hidden, deleted; metrics, charts and grids export', async () => {
    const page = c.page();
    const rows = page.locator('#runs tbody tr');
    assert.ok((await rows.count()) >= 2, 'the run trained before the architecture change and the current one');
    const overlays = page.locator('#chart-test .u-legend tr.overlay');
    const shown = await overlays.count();
    assert.ok(shown >= 1, 'earlier runs are drawn on the error chart');
    await rows.first().locator('input[type=text]').fill('baseline');
    await rows.first().locator('input[type=text]').press('Tab');
    await page.waitForFunction(() => /baseline/.test(document.querySelector('#chart-test .u-legend')?.textContent ?? ''));
    const checkpoint = await saveCheckpoint(page);
    const other = await page.context().newPage();
    try {
      await other.goto(c.baseUrl());
      await other.waitForFunction(() => [...document.querySelectorAll('#runs input[type=text]')].some((i) => (i as HTMLInputElement).value === 'baseline'), null, { timeout: 30_000 });
      // A checkpoint loaded into a fresh page shows its pictures at once, before any epoch is trained there.
      await waitReady(other);
      await loadCheckpoint(other, checkpoint);
      await other.waitForFunction(() => /through the loaded model \(trained \d+ epochs?\)/.test(document.getElementById('recon-caption')?.textContent ?? ''), null, { timeout: 30_000 });
      await other.waitForFunction(() => /test codes after epoch/.test(document.querySelector('#latent .caption')?.textContent ?? ''), null, { timeout: 30_000 });
      assert.ok((await canvasPixels(other, 'recon')).some((v) => v > 100) && (await canvasPixels(other, 'features')).some((v) => v > 0), 'the loaded model is drawn');
    } finally {
      await other.close();
      await page.bringToFront(); // a page left in the background gets no animation frames (the panel and charts use them)
    }
    await rows.first().locator('input[type=checkbox]').uncheck();
    assert.equal(await overlays.count(), shown - 1, 'a hidden run leaves the chart');
    const csv = await downloaded(page, () => page.click('[data-export="csv"]'));
    const lines = csv.bytes.toString().trim().split('\n');
    const current = page.locator('#runs tr.current td.num').first();
    for (const key of ['epoch', 'loss', 'test_loss', 'test_mse', 'population_sparsity']) assert.ok(lines[0].split(',').includes(key), `CSV column ${key}`);
    assert.equal(lines.length - 1, Number(await current.textContent()), 'one CSV line per epoch of the current run');
    const json = JSON.parse((await downloaded(page, () => page.click('[data-export="json"]'))).bytes.toString());
    assert.equal(json.epochs.length, lines.length - 1);
    assert.equal(json.config.model.inputDim, 784);
    for (const button of ['.chart-tools[data-chart="test"] button', 'button[data-canvas="features"]']) {
      const png = await downloaded(page, () => page.click(button));
      assert.deepEqual([...png.bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], `${png.name} is a PNG`);
    }
    await c.shot('runs', 'main');
    const before = await rows.count();
    await rows.first().locator('button').click();
    assert.equal(await rows.count(), before - 1, 'a deleted run leaves the list');
  });
}

export function keyboardCases(c: ViewCaseContext): void {
  test('keyboard: ? lists the shortcuts, Space starts and pauses, s trains one epoch, r asks before resetting', async () => {
    const page = c.page();
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('?');
    await page.waitForSelector('#shortcuts[open]');
    assert.match((await page.textContent('#shortcuts')) ?? '', /Space\s*start \/ pause/);
    await page.keyboard.press('Escape');
    await page.waitForSelector('#shortcuts:not([open])', { state: 'attached' });
    await page.locator('h1').click(); // focus on the page itself, as a reader clicking its title
    const before = await page.evaluate(() => `focus ${document.activeElement?.tagName}#${document.activeElement?.id}, primary ` +
      `"${document.getElementById('primary')!.textContent}" ${(document.getElementById('primary') as HTMLButtonElement).disabled ? 'disabled' : 'enabled'}`);
    await page.keyboard.press(' ');
    await waitForState(page, 'running').catch((e: Error) => { throw new Error(`Space did not start training (${before}): ${e.message}`); });
    assert.equal(await page.textContent('#primary'), 'Pause');
    await page.keyboard.press(' ');
    await waitForState(page, 'paused');
    const n = (await logLines(page)).length;
    await page.keyboard.press('s');
    await waitForEpochLines(page, n + 1, 2 * c.epochTimeout + 10_000);
    await waitForState(page, 'paused');
    const epochsBefore = await page.locator('#runs tr.current td.num').first().textContent();
    await page.keyboard.press('r');
    assert.match(await answerDiscard(page, false), /Reset throws away the model trained so far/);
    await page.waitForTimeout(500);
    assert.equal((await logLines(page)).length, n + 1, 'keeping the model keeps its log');
    assert.equal(await page.locator('#runs tr.current td.num').first().textContent(), epochsBefore, 'and its run');
    assert.equal(await page.locator('#notices .msg', { hasText: 'Reset:' }).count(), 0);
  });
}

const VIEWPORTS = [{ width: 1440, height: 900 }, { width: 1024, height: 768 }, { width: 390, height: 844 }];

/** Interactive elements shown but lying (partly) outside the viewport's width; inside a table that scrolls
 * sideways, the scrolling box is what must fit. */
async function outside(page: Page): Promise<string[]> {
  return page.evaluate(() => [...document.querySelectorAll('button, input, select, a[href], [tabindex]')].flatMap((e) => {
    const r = (e.closest('.table-scroll') ?? e).getBoundingClientRect();
    const hidden = r.width === 0 || r.height === 0 || (e as HTMLInputElement).type === 'file';
    return hidden || (r.left >= -1 && r.right <= document.documentElement.clientWidth + 1) ? [] : [`${e.tagName} ${e.textContent?.slice(0, 30)} ${r.left}..${r.right}`];
  }));
}

async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

export function layoutCases(c: ViewCaseContext): void {
  test('the page fits 1440×900, 1024×768 and 390×844; every control is reachable; axe finds nothing serious', async () => {
    const page = c.page();
    try {
      for (const vp of VIEWPORTS) {
        await page.setViewportSize(vp);
        await page.waitForFunction(() => [...document.querySelectorAll('.chart')].every((e) => {
          const u = e.querySelector('.uplot');
          return u !== null && Math.abs(u.getBoundingClientRect().width - e.clientWidth) <= 2;
        }), null, { timeout: 10_000 });
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.equal(overflow, 0, `${vp.width}×${vp.height}: no sideways scrolling`);
        const panel = page.locator('.lil-gui.panel');
        if (vp.width < 900) {
          assert.equal(await panel.isVisible(), false, 'on a phone the panel waits behind "Settings"');
          await page.evaluate(() => window.scrollTo(0, 0));
          await c.shot('phone', 'viewport');
          await page.click('#panel-toggle');
          assert.equal(await panel.isVisible(), true);
        }
        assert.deepEqual(await outside(page), [], `${vp.width}×${vp.height}: every control within the page's width`);
        const start = page.locator('[data-action="start"] button');
        await start.scrollIntoViewIfNeeded();
        const box = (await start.boundingBox())!;
        assert.ok(box.y >= 0 && box.y + box.height <= vp.height, `the panel's start button scrolls into view (y ${box.y})`);
        if (vp.width !== 1024) assert.deepEqual(await seriousViolations(page), [], `${vp.width}×${vp.height}: axe`);
        if (vp.width < 900) {
          await c.shot('phone-settings', 'viewport');
          await page.click('#panel-toggle');
        }
      }
    } finally {
      await page.setViewportSize(VIEWPORT);
    }
  });
}
