// Node side of the in-browser GPU tests: opens the test page in headless Chromium on one adapter and registers
// one node:test test per kernel and training-step case, each run in the page with fresh seeds.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { freshSeed } from '../gpu/harness.ts';
import { kernelCases } from '../gpu/kernel-cases.ts';
import { stepCases } from '../gpu/step-cases.ts';
import { BROWSER_ADAPTERS, openBrowserPage, type BrowserAdapter, type BrowserPage } from '../support/browser.ts';

const RESULTS = new URL('../../test-results/', import.meta.url);

/** Reject with `message` if `p` has not settled after `ms`: a hung GPU promise names its case and seed. */
function within<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(message)), ms); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/**
 * Register every kernel and training-step case against the test page on `adapter`, each run with fresh seeds:
 * kernel cases `kernelRepeats` times and step cases once, as the Node suites do.
 */
export function browserGpuSuite(adapter: BrowserAdapter, kernelRepeats: number, caseTimeoutMs = 30_000): void {
  const setup = BROWSER_ADAPTERS[adapter];
  const runs = new Map<string, number>([...Object.keys(kernelCases).map((n) => [n, kernelRepeats] as const),
    ...Object.keys(stepCases).map((n) => [n, 1] as const)]);
  const names = [...runs.keys()];
  describe(`kernels and training steps vs float64 reference in headless Chromium on ${adapter}`, () => {
    let bp: BrowserPage | undefined;
    before(async () => {
      bp = await openBrowserPage(adapter, `/tests/browser/index.html?level=${setup.featureLevel}`);
      const { page } = bp;
      await page.waitForFunction(() => window.__gpuTests !== undefined || window.__gpuTestsError !== undefined, null, { timeout: 60_000 });
      const error = await page.evaluate(() => window.__gpuTestsError);
      if (error !== undefined) throw new Error(`The test page got no device on ${adapter}: ${error}\n  ${bp.problems.join('\n  ')}`);
      const { listed, desc } = await page.evaluate(() => ({ listed: window.__gpuTests!.list(), desc: window.__gpuTests!.adapter }));
      const missing = names.filter((n) => !listed.includes(n));
      assert.deepEqual(missing, [], `cases missing from the test page (it lists ${listed.join(', ')})`);
      assert.match(desc.name, setup.name, `the test page's device is not ${adapter}`);
      assert.equal(desc.featureLevel, setup.featureLevel);
      assert.equal(desc.isFallback, setup.fallback);
      console.log(`browser ${adapter}: ${desc.name} (${desc.featureLevel}${desc.isFallback ? ', fallback' : ''})`);
    }, { timeout: 120_000 });

    after(async () => {
      if (!bp) return;
      try {
        await mkdir(RESULTS, { recursive: true });
        await bp.page.screenshot({ path: new URL(`browser-${adapter}.png`, RESULTS).pathname, fullPage: true });
      } finally {
        await bp.close();
      }
    });

    for (const [name, repeats] of runs) {
      test(name, async () => {
        for (let i = 0; i < repeats; i++) {
          const seed = freshSeed();
          await within(bp!.page.evaluate(([n, s]) => window.__gpuTests!.run(n, s), [name, seed] as const), caseTimeoutMs,
            `${name} did not finish within ${caseTimeoutMs / 1000} s in Chromium on ${adapter} (seed ${seed})`);
        }
      });
    }

    test('the page logged no errors', () => {
      assert.deepEqual(bp?.problems, []);
    });
  });
}
