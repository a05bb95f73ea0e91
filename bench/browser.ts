// The browser half of `npm run bench`: opens bench/page/ in headless Chromium on each software adapter and, in
// the same page, measures our best matmul, tunes our kernels, then times our Trainer and TF.js's WebGPU backend.
import { stepCheckLine, type Tuning } from '../src/train/autotune.ts';
import { BROWSER_ADAPTERS, openBrowserPage, type BrowserAdapter } from '../tests/support/browser.ts';
import { shapeName, type MatmulBudget, type MatmulResult, type Shape } from './matmul.ts';
import type { StepBudget } from './stats.ts';
import type { TrainResult } from './train.ts';
import type { TfjsResult } from './page/main.ts';

export interface BrowserReport {
  adapter: BrowserAdapter;
  name: string;
  featureLevel: string;
  matmul: MatmulResult[];
  tuning: Tuning;
  ours: TrainResult[];
  tfjs: TfjsResult;
  seconds: number;
}
export interface BrowserBudget { matmul: MatmulBudget; ours: StepBudget; tfjs: StepBudget }

const PAGE_TIMEOUT_MS = 300_000;

export async function benchBrowser(adapter: BrowserAdapter, shapes: Shape[], perSubmit: number[], budget: BrowserBudget,
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
    const matmul = await page.evaluate(([s, b]) => window.__bench!.matmul(s, b), [shapes, budget.matmul] as const);
    for (const m of matmul) onLine(`  matmul ${m.variant.padEnd(7)} ${shapeName(m.shape).padEnd(14)} ${m.gflops.toFixed(2).padStart(7)} GFLOP/s`);
    const tuning = await page.evaluate(() => window.__bench!.tuning());
    onLine(`  tuned in ${tuning.seconds.toFixed(1)} s: ${tuning.products.map((p) => `${p.layer}.${p.product} ${p.best}`).join(', ')}`);
    onLine(`  ${stepCheckLine(tuning.step)}`);
    const products = await page.evaluate((b) => window.__bench!.products(b), budget.matmul);
    for (const m of products) onLine(`  matmul ${m.variant.padEnd(7)} ${shapeName(m.shape).padEnd(14)} ${m.gflops.toFixed(2).padStart(7)} GFLOP/s  (${m.product})`);
    matmul.push(...products);
    const ours = await page.evaluate(([b, p]) => window.__bench!.ours(b, 'auto', p), [budget.ours, perSubmit] as const);
    for (const t of ours) onLine(`  ours   auto   ${t.stepsPerSubmit} step/submit  ${t.samplesPerS.toFixed(1).padStart(8)} samples/s  ${t.msPerStep.toFixed(1).padStart(7)} ms/step`);
    const tfjs = await page.evaluate((b) => window.__bench!.tfjs(b), budget.tfjs);
    onLine(`  TF.js  webgpu  ${tfjs.samplesPerS.toFixed(1).padStart(8)} samples/s  ${tfjs.msPerStep.toFixed(1).padStart(7)} ms/step  (${tfjs.stepsPerRep} steps × ${tfjs.reps})`);
    if (problems.length > 0) throw new Error(`bench page on ${adapter} reported:\n  ${problems.join('\n  ')}`);
    return { adapter, name: desc.name, featureLevel: desc.featureLevel, matmul, tuning, ours, tfjs, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await session.close();
  }
}
