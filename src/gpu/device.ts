// Device acquisition for the browser and for Node (Dawn), at core or compatibility feature level, with
// the limits a model needs requested explicitly and clear errors naming any limit an adapter cannot give.

export type FeatureLevel = 'core' | 'compatibility';
export type LimitName = keyof GPUSupportedLimits & string;
export type LimitRequest = Partial<Record<LimitName, number>>;

export interface AdapterDescription {
  name: string; // vendor / architecture / device / description, whatever the adapter reports
  featureLevel: FeatureLevel;
  isFallback: boolean;
  host: string; // 'node-dawn' or 'browser'
}

export interface Gpu {
  device: GPUDevice;
  adapter: AdapterDescription;
  adapterLimits: Record<string, number>;
  hasTimestamps: boolean;
  /** The subgroup size when the device has the `subgroups` feature with one fixed size that divides a 64-invocation
   * workgroup (what the sg matmul family assumes); null otherwise. */
  subgroupSize: number | null;
  shaders: Record<string, string>; // file name ('dense.wgsl') -> WGSL source
  release(): void;
}

// Limits that are "maximums" (bigger is better); everything else in GPUSupportedLimits is an alignment.
const ALIGNMENT_LIMITS = new Set(['minUniformBufferOffsetAlignment', 'minStorageBufferOffsetAlignment']);

/** Limits every trainer needs, whatever the model; sizes that depend on the model come from the caller. */
export const BASE_LIMITS: LimitRequest = {
  maxStorageBuffersPerShaderStage: 8,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
};

/** A person's name for an adapter from its info fields. Dawn reports the GL renderer as a slug
 * ("llvmpipe-llvm-15-0-6-256-bits-") and the driver with a prefix ("OpenGL version OpenGL ES 3.2 Mesa 22.3.6"):
 * this gives "llvmpipe (LLVM 15.0.6, 256 bits), OpenGL ES 3.2 Mesa 22.3.6" and "SwiftShader Subzero, driver 5.0.0". */
export function adapterName(info: Pick<GPUAdapterInfo, 'vendor' | 'architecture' | 'device' | 'description'>): string {
  const llvm = /^(.*?)-llvm-(\d+)-(\d+)-(\d+)-(\d+)-bits-?$/.exec(info.device);
  const device = llvm ? `${llvm[1]} (LLVM ${llvm[2]}.${llvm[3]}.${llvm[4]}, ${llvm[5]} bits)`
    : info.device.replace(/-+$/, '').replace(/^swiftshader-device-(\w+)$/, (_, backend: string) => `SwiftShader ${backend[0].toUpperCase()}${backend.slice(1)}`);
  const description = info.description.replace(/^OpenGL version /, '').replace(/^SwiftShader driver /, 'driver ');
  const lower = device.toLowerCase();
  const unsaid = (p: string) => (p && !lower.includes(p.toLowerCase()) ? p : '');
  const arch = unsaid(info.architecture);
  const name = [[unsaid(info.vendor), device].filter(Boolean).join(' ') + (arch ? ` (${arch})` : ''), description].filter(Boolean).join(', ');
  return name.replace(/\s+/g, ' ').trim() || 'unknown adapter';
}

export function describeAdapter(adapter: GPUAdapter, featureLevel: FeatureLevel, host: string): AdapterDescription {
  const name = adapterName(adapter.info);
  // Browsers may blank GPUAdapterInfo (privacy); then say what kind of adapter it is rather than "unknown".
  return { name: name === 'unknown adapter' ? `unnamed ${isFallbackAdapter(adapter) ? 'software' : 'GPU'} adapter (the browser withholds its name)` : name,
    featureLevel, isFallback: isFallbackAdapter(adapter), host };
}

/** Check `wanted` against the adapter, throwing one error that lists every limit it cannot meet. */
export function checkLimits(adapter: GPUAdapter, wanted: LimitRequest, adapterName: string): Record<string, number> {
  const limits = adapter.limits as unknown as Record<string, number>;
  const problems: string[] = [];
  const required: Record<string, number> = {};
  for (const [name, value] of Object.entries(wanted)) {
    if (value === undefined) continue;
    const have = limits[name];
    if (have === undefined) continue; // unknown to this implementation: nothing to request
    const ok = ALIGNMENT_LIMITS.has(name) ? have <= value : have >= value;
    if (!ok) problems.push(`${name}: needs ${value}, adapter offers ${have}`);
    else required[name] = value;
  }
  if (problems.length > 0) {
    // The adapter's limits travel with the error so a caller can say what size would fit (src/train/fit.ts).
    throw Object.assign(new Error(`WebGPU adapter "${adapterName}" cannot run this configuration:\n  ${problems.join('\n  ')}\n` +
      'Reduce the batch size, hidden width or dataset size, or use an adapter with larger limits.'), { adapterLimits: adapterLimitsOf(adapter) });
  }
  return required;
}

export function adapterLimitsOf(adapter: GPUAdapter): Record<string, number> {
  const out: Record<string, number> = {};
  const limits = adapter.limits as unknown as Record<string, number>;
  for (const key in limits) out[key] = limits[key];
  return out;
}

/** Request an adapter at the first feature level that gives one (core first unless told otherwise). A fallback
 * (software) adapter is kept only if no later level offers a real one: Chromium offers SwiftShader at core level
 * even where a faster adapter (llvmpipe through OpenGL ES) exists at compatibility level. */
export async function requestAdapter(gpu: GPU, levels: FeatureLevel[], powerPreference: GPUPowerPreference = 'high-performance'):
  Promise<{ adapter: GPUAdapter; featureLevel: FeatureLevel }> {
  let fallback: { adapter: GPUAdapter; featureLevel: FeatureLevel } | null = null;
  for (const featureLevel of levels) {
    const adapter = await gpu.requestAdapter({ featureLevel, powerPreference } as GPURequestAdapterOptions);
    if (!adapter) continue;
    const core = adapter.features.has('core-features-and-limits' as GPUFeatureName);
    const found = { adapter, featureLevel: core ? 'core' as const : 'compatibility' as const };
    if (!isFallbackAdapter(adapter)) return found;
    fallback ??= found;
  }
  if (fallback) return fallback;
  throw new Error(`No WebGPU adapter available at feature level ${levels.join(' or ')}.`);
}

function isFallbackAdapter(adapter: GPUAdapter): boolean {
  return (adapter.info as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false;
}

/** The adapter's subgroup size if it has `subgroups` and reports one size (min = max) dividing 64: NVIDIA 32,
 * SwiftShader 4. Adapters whose size varies (AMD 32–64, Intel 8–32) get null: the sg family assigns work by lane. */
function fixedSubgroupSize(adapter: GPUAdapter): number | null {
  if (!adapter.features.has('subgroups' as GPUFeatureName)) return null;
  const info = adapter.info as { subgroupMinSize?: number; subgroupMaxSize?: number };
  const size = info.subgroupMinSize;
  return size && size === info.subgroupMaxSize && size <= 64 && 64 % size === 0 ? size : null;
}

/** Create the device with the requested limits (checked first) and the optional features we use. */
export async function openDevice(adapter: GPUAdapter, desc: AdapterDescription, wanted: LimitRequest, shaders: Record<string, string>): Promise<Gpu> {
  const requiredLimits = checkLimits(adapter, { ...BASE_LIMITS, ...wanted }, desc.name);
  // The largest texture the adapter allows: the tx matmuls' texture mirrors must hold any buffer we bind.
  requiredLimits.maxTextureDimension2D = Math.max(requiredLimits.maxTextureDimension2D ?? 0, adapter.limits.maxTextureDimension2D);
  const hasTimestamps = adapter.features.has('timestamp-query');
  const requiredFeatures: GPUFeatureName[] = hasTimestamps ? ['timestamp-query'] : [];
  if (desc.featureLevel === 'core') requiredFeatures.push('core-features-and-limits' as GPUFeatureName);
  const subgroupSize = fixedSubgroupSize(adapter);
  if (subgroupSize) requiredFeatures.push('subgroups' as GPUFeatureName);
  const device = await adapter.requestDevice({ label: 'webgpu-autoencoder', requiredLimits, requiredFeatures });
  let released = false;
  return {
    device,
    adapter: desc,
    adapterLimits: adapterLimitsOf(adapter),
    hasTimestamps,
    subgroupSize,
    shaders,
    release() {
      if (released) return;
      released = true;
      device.destroy();
    },
  };
}
