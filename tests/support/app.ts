// Driving the built page like a person would: the lil-gui panel's buttons and fields, file inputs, downloads; and
// reading what the page shows (stats, epoch log, messages, canvases). Shared by the end-to-end tests per adapter.
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { decodeSafetensors } from '../../src/io/safetensors.ts';

export const VIEWPORT = { width: 1440, height: 1000 };

export async function waitReady(page: Page, timeout = 60_000): Promise<void> {
  await page.waitForSelector('body[data-ready]', { timeout });
}

export async function press(page: Page, action: string): Promise<void> {
  const button = page.locator(`[data-action="${action}"] button`);
  // A button in a closed folder: open the folder by its title, as a person would.
  const closed = page.locator(`.lil-gui.lil-closed:has([data-action="${action}"]) > .lil-title`);
  // force: while a software adapter trains in the same browser, animation frames can be too sparse for Playwright's
  // "stable" check on the folder's open animation; the title is a plain button either way.
  // lil-gui opens a folder, and Playwright checks a button is stable, over animation frames, which a page in the
  // background (another page of the context was opened and closed) never gets: bring this one to the front first.
  await page.bringToFront();
  if (await closed.count()) await closed.click({ force: true });
  await button.waitFor({ state: 'visible' });
  if (await button.isDisabled()) throw new Error(`panel button "${action}" is disabled`);
  await button.click();
}

/** Type into a panel field and commit it (Enter blurs lil-gui's input, which fires onFinishChange). */
export async function setField(page: Page, key: string, value: string | number | boolean): Promise<void> {
  const root = page.locator(`[data-key="${key}"], [data-device="${key}"]`);
  if (typeof value === 'boolean') {
    const box = root.locator('input[type=checkbox]');
    if ((await box.isChecked()) !== value) await box.click();
  } else if (await root.locator('select').count()) {
    await root.locator('select').selectOption(String(value));
  } else {
    const input = root.locator('input');
    await input.fill(String(value));
    await input.press('Enter');
  }
}

export async function field(page: Page, key: string): Promise<string> {
  const root = page.locator(`[data-key="${key}"]`);
  if (await root.locator('select').count()) return root.locator('select').inputValue();
  if (await root.locator('input[type=checkbox]').count()) return String(await root.locator('input[type=checkbox]').isChecked());
  return root.locator('input').inputValue();
}

export async function stat(page: Page, key: string): Promise<string> {
  return page.locator(`[data-stat="${key}"] input`).inputValue();
}

export async function logLines(page: Page): Promise<string[]> {
  return ((await page.textContent('#log')) ?? '').split('\n').filter((l) => l.startsWith('epoch'));
}

/** Numbers after `key` in each epoch line, e.g. value(lines, 'test_mse'). */
export function values(lines: string[], key: string): number[] {
  return lines.map((l) => Number(new RegExp(`${key} (\\d+\\.\\d+)`).exec(l)?.[1]));
}

export async function waitForEpochLines(page: Page, count: number, timeout: number): Promise<string[]> {
  await page.waitForFunction((n) => (document.getElementById('log')?.textContent ?? '').split('\n').filter((l) => l.startsWith('epoch')).length >= n,
    count, { timeout });
  return logLines(page);
}

export async function waitForState(page: Page, state: string, timeout = 30_000): Promise<void> {
  await page.waitForFunction((s) => (document.querySelector('[data-stat="state"] input') as HTMLInputElement | null)?.value === s, state, { timeout });
}

export async function messages(page: Page, kind: 'error' | 'notice'): Promise<string[]> {
  return page.locator(`#notices .msg.${kind} span`).allTextContents();
}

export async function waitForMessage(page: Page, kind: 'error' | 'notice', pattern: RegExp, timeout = 30_000): Promise<string> {
  await page.waitForFunction(({ k, src, flags }) => [...document.querySelectorAll(`#notices .msg.${k} span`)].some((e) => new RegExp(src, flags).test(e.textContent ?? '')),
    { k: kind, src: pattern.source, flags: pattern.flags }, { timeout });
  return (await messages(page, kind)).find((m) => pattern.test(m))!;
}

export async function dismissMessages(page: Page): Promise<void> {
  await page.evaluate(() => { for (const b of document.querySelectorAll('#notices .msg button')) (b as HTMLButtonElement).click(); });
}

/** Grey levels of a canvas region (the red channel). */
export async function canvasPixels(page: Page, id: string, region?: { x: number; y: number; w: number; h: number }): Promise<number[]> {
  return page.evaluate(({ id, region }) => {
    const c = document.getElementById(id) as HTMLCanvasElement;
    const r = region ?? { x: 0, y: 0, w: c.width, h: c.height };
    const d = c.getContext('2d')!.getImageData(r.x, r.y, r.w, r.h).data;
    const out: number[] = [];
    for (let i = 0; i < d.length; i += 4) out.push(d[i]);
    return out;
  }, { id, region });
}

export async function saveCheckpoint(page: Page): Promise<Buffer> {
  const [download] = await Promise.all([page.waitForEvent('download'), press(page, 'saveCheckpoint')]);
  const path = await download.path();
  return readFileSync(path);
}

export async function loadCheckpoint(page: Page, bytes: Buffer, name = 'model.safetensors'): Promise<void> {
  await page.setInputFiles('#checkpoint-file', { name, mimeType: 'application/octet-stream', buffer: bytes });
}

export async function uploadIdx(page: Page, files: { name: string; buffer: Buffer }[]): Promise<void> {
  await page.setInputFiles('#idx-files', files.map((f) => ({ ...f, mimeType: 'application/octet-stream' })));
}

/** Parsed checkpoint: tensors as raw bytes per name, and the metadata. */
export function checkpointTensors(bytes: Buffer): { tensors: Map<string, Buffer>; metadata: Record<string, string> } {
  const { tensors, metadata } = decodeSafetensors(new Uint8Array(bytes), 'checkpoint');
  const raw = new Map<string, Buffer>();
  for (const [name, t] of tensors) raw.set(name, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return { tensors: raw, metadata };
}

const DIGITS = new URL('../../data/digits/', import.meta.url);

function idxHeader(magic: number, dims: number[]): Buffer {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return h;
}

/** A smaller MNIST-format set cut from the embedded digits (first `train` / `test` images), as four IDX files;
 * `gzip` compresses them as the usual `.gz` downloads are. */
export function digitsSubset(train: number, test: number, gzip: boolean): { name: string; buffer: Buffer }[] {
  const read = (f: string) => gunzipSync(readFileSync(new URL(`${f}.gz`, DIGITS)));
  const cut = (file: string, n: number, images: boolean) => {
    const all = read(file);
    const body = images ? all.subarray(16, 16 + n * 784) : all.subarray(8, 8 + n);
    const bytes = Buffer.concat([idxHeader(images ? 0x803 : 0x801, images ? [n, 28, 28] : [n]), body]);
    return { name: gzip ? `${file}.gz` : file, buffer: gzip ? gzipSync(bytes) : bytes };
  };
  return [cut('train-images-idx3-ubyte', train, true), cut('train-labels-idx1-ubyte', train, false),
    cut('t10k-images-idx3-ubyte', test, true), cut('t10k-labels-idx1-ubyte', test, false)];
}

/** Answer the "throw away the trained model?" dialog that a destructive change opens. */
export async function answerDiscard(page: Page, discard: boolean, timeout = 10_000): Promise<string> {
  await page.waitForSelector('#confirm[open]', { timeout });
  const text = (await page.textContent('#confirm-text')) ?? '';
  await page.click(discard ? '#confirm-discard' : '#confirm-keep');
  return text;
}

/** The bytes of the download that `click` starts. */
export async function downloaded(page: Page, click: () => Promise<void>): Promise<{ name: string; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  return { name: download.suggestedFilename(), bytes: readFileSync(await download.path()) };
}
