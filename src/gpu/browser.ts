// Browser entry to WebGPU: navigator.gpu at core level first, then compatibility; shaders bundled by Vite.
import { describeAdapter, openDevice, requestAdapter, type FeatureLevel, type Gpu, type LimitRequest } from './device.ts';

const modules = import.meta.glob('../../shaders/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

export function bundledShaders(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, code] of Object.entries(modules)) out[path.slice(path.lastIndexOf('/') + 1)] = code;
  return out;
}

export function webgpuMissingMessage(): string {
  return 'This browser exposes no WebGPU (navigator.gpu is undefined). Use a recent Chrome or Edge; on Linux start it with ' +
    '--enable-unsafe-webgpu (and --enable-features=Vulkan or --use-webgpu-adapter=opengles), or enable chrome://flags/#enable-unsafe-webgpu.';
}

export async function acquireBrowserGpu(levels: FeatureLevel[] = ['core', 'compatibility'], limits: LimitRequest = {}): Promise<Gpu> {
  if (!('gpu' in navigator) || !navigator.gpu) throw new Error(webgpuMissingMessage());
  const { adapter, featureLevel } = await requestAdapter(navigator.gpu, levels);
  return openDevice(adapter, describeAdapter(adapter, featureLevel, 'browser'), limits, bundledShaders());
}
