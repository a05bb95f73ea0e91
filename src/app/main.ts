// Placeholder app entry: acquires a WebGPU device and prints the adapter into the page.
import { acquireBrowserGpu } from '../gpu/browser.ts';

const out = document.getElementById('adapter') as HTMLElement;
acquireBrowserGpu().then(
  (gpu) => { out.textContent = `${gpu.adapter.name} (${gpu.adapter.featureLevel}${gpu.adapter.isFallback ? ', fallback' : ''})`; },
  (e: unknown) => { out.textContent = e instanceof Error ? e.message : String(e); },
);
