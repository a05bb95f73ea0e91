// In-browser GPU test page: acquires a device at the feature level named by `?level=` and exposes the kernel and
// training-step cases to Playwright as `window.__gpuTests`, logging each result into the page.
import type { AdapterDescription, FeatureLevel, Gpu } from '../../src/gpu/device.ts';
import { acquireBrowserGpu } from '../../src/gpu/browser.ts';
import { kernelCases } from '../gpu/kernel-cases.ts';
import { stepCases } from '../gpu/step-cases.ts';

export interface GpuTestsApi {
  adapter: AdapterDescription;
  list(): string[];
  run(name: string, seed: number): Promise<void>;
}

declare global {
  interface Window {
    __gpuTests?: GpuTestsApi;
    __gpuTestsError?: string; // set instead of __gpuTests when no device could be had
  }
}

const cases: Record<string, (gpu: Gpu, seed: number) => Promise<void>> = { ...kernelCases, ...stepCases };
const adapterLine = document.getElementById('adapter') as HTMLElement;
const results = document.getElementById('results') as HTMLElement;

function featureLevelFromQuery(): FeatureLevel {
  const level = new URLSearchParams(location.search).get('level') ?? 'core';
  if (level !== 'core' && level !== 'compatibility') throw new Error(`?level= must be core or compatibility, not "${level}"`);
  return level;
}

function log(text: string, cls: 'pass' | 'fail'): void {
  const line = document.createElement('pre');
  line.className = cls;
  line.textContent = text;
  results.append(line);
}

async function start(): Promise<void> {
  const gpu = await acquireBrowserGpu([featureLevelFromQuery()]);
  const a = gpu.adapter;
  // Errors outside the cases' own error scopes would otherwise pass silently: log them for the Node side to fail on.
  gpu.device.addEventListener('uncapturederror', (e) => console.error(`WebGPU uncaptured error: ${e.error.message}`));
  void gpu.device.lost.then((info) => { if (info.reason !== 'destroyed') console.error(`WebGPU device lost: ${info.message}`); });
  adapterLine.textContent = `${a.name} · ${a.featureLevel}${a.isFallback ? ' · fallback adapter' : ''} · ${Object.keys(cases).length} cases`;
  window.__gpuTests = {
    adapter: a,
    list: () => Object.keys(cases),
    async run(name, seed) {
      const run = cases[name];
      if (!run) throw new Error(`no GPU test case "${name}"`);
      const t0 = performance.now();
      try {
        await run(gpu, seed);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        log(`✗ ${name} (seed ${seed}): ${message}`, 'fail');
        throw new Error(`${name}: ${message}${message.includes(`seed ${seed}`) ? '' : ` (seed ${seed})`}`);
      }
      log(`✓ ${name} (seed ${seed}, ${(performance.now() - t0).toFixed(0)} ms)`, 'pass');
    },
  };
}

start().catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  adapterLine.textContent = message;
  adapterLine.className = 'fail';
  window.__gpuTestsError = message;
});
