// The browser half of `npm run bench`: opens bench/page/ in headless Chromium on each software adapter and runs
// our Trainer and TF.js's WebGPU backend on the same adapter, one after the other in the same page.
import { BROWSER_ADAPTERS, openBrowserPage, type BrowserAdapter } from '../tests/support/browser.ts';
import type { StepBudget } from './stats.ts';
import type { TrainResult } from './train.ts';
import type { TfjsResult } from './page/main.ts';

export interface BrowserReport {
  adapter: BrowserAdapter;
  name: string;
  featureLevel: string;
  ours: TrainResult[];
  tfjs: TfjsResult;
  seconds: number;
}

const PAGE_TIMEOUT_MS = 240_000;

export async function benchBrowser(adapter: BrowserAdapter, kernel: string, perSubmit: number[], budget: { ours: StepBudget; tfjs: StepBudget },
  onLine: (s: string) => void): Promise<BrowserReport> {
  const t0 = performance.now();
  const level = BROWSER_ADAPTERS[adapter].featureLevel;
  const session = await openBrowserPage(adapter, `/bench/page/index.html?level=${level}`);
  const { page, problems } = session;
  try {
    page.setDefaultTimeout(PAGE_TIMEOUT_MS);
    await page.waitForFunction(() => window.__bench !== undefined || window.__benchError !== undefined, undefined, { timeout: 120_000 });
    const error = await page.evaluate(() => window.__benchError);
    if (error) throw new Error(`bench page on ${adapter}: ${error}`);
    const desc = await page.evaluate(() => window.__bench!.adapter);
    onLine(`== ${adapter} in Chromium: ${desc.name} (${desc.featureLevel})`);
    const ours = await page.evaluate(([b, k, p]) => window.__bench!.ours(b, k, p), [budget.ours, kernel, perSubmit] as const);
    for (const t of ours) onLine(`  ours   ${t.variant.padEnd(6)} ${t.stepsPerSubmit} step/submit  ${t.samplesPerS.toFixed(1).padStart(8)} samples/s  ${t.msPerStep.toFixed(1).padStart(7)} ms/step`);
    const tfjs = await page.evaluate((b) => window.__bench!.tfjs(b), budget.tfjs);
    onLine(`  TF.js  webgpu backend       ${tfjs.samplesPerS.toFixed(1).padStart(8)} samples/s  ${tfjs.msPerStep.toFixed(1).padStart(7)} ms/step  (${tfjs.stepsPerRep} steps × ${tfjs.reps})`);
    if (problems.length > 0) throw new Error(`bench page on ${adapter} reported:\n  ${problems.join('\n  ')}`);
    return { adapter, name: desc.name, featureLevel: desc.featureLevel, ours, tfjs, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await session.close();
  }
}
