// Node entry to WebGPU through Dawn (npm `webgpu`): llvmpipe via OpenGL ES (compatibility), SwiftShader via
// Vulkan (core), or whatever real GPU the machine has. Shaders are read from ../../shaders on disk.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, globals } from 'webgpu';
import { describeAdapter, openDevice, requestAdapter, type Gpu, type LimitRequest } from './device.ts';

export type NodeAdapterChoice = 'auto' | 'llvmpipe' | 'swiftshader' | 'gpu';
export const NODE_ADAPTERS: NodeAdapterChoice[] = ['auto', 'llvmpipe', 'swiftshader', 'gpu'];

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const SHADER_DIR = new URL('../../shaders/', import.meta.url);

export function loadShaderFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(SHADER_DIR)) {
    if (name.endsWith('.wgsl')) out[name] = readFileSync(new URL(name, SHADER_DIR), 'utf8');
  }
  return out;
}

let globalsInstalled = false;
function installGlobals(): void {
  if (globalsInstalled) return;
  Object.assign(globalThis, globals); // GPUBufferUsage, GPUMapMode, ... as in a browser
  globalsInstalled = true;
}

/** Mesa's and the Vulkan loader's window-system code print "XDG_RUNTIME_DIR is invalid or not set" on every start in
 * a container or a service; a private directory for this user (what the variable means) silences it. */
function ensureRuntimeDir(): void {
  const current = process.env.XDG_RUNTIME_DIR;
  try {
    if (current && statSync(current).isDirectory()) return;
    const dir = join(tmpdir(), `wgae-runtime-${process.getuid?.() ?? 'user'}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = dir;
  } catch {
    // cosmetic only: the adapter works without it
  }
}

/** A hardware GPU shows up as a DRM render node or an NVIDIA device file; without one, skip straight to llvmpipe. */
function hasGpuDevice(): boolean {
  try {
    return readdirSync('/dev').some((n) => /^nvidia\d+$/.test(n)) || readdirSync('/dev/dri').some((n) => n.startsWith('renderD'));
  } catch {
    return false;
  }
}

function isCpuAdapterName(name: string): boolean {
  return /llvmpipe|lavapipe|swiftshader|software|cpu/i.test(name);
}

/** Acquire a device in Node. 'auto' takes a real GPU when there is one, else llvmpipe (the fastest CPU adapter). */
export async function acquireNodeGpu(choice: NodeAdapterChoice = 'auto', limits: LimitRequest = {}): Promise<Gpu> {
  installGlobals();
  if (choice === 'auto') {
    let gpuError: unknown = 'no GPU device node in /dev';
    if (hasGpuDevice()) {
      try {
        const g = await acquireNodeGpu('gpu', limits);
        if (!g.adapter.isFallback && !isCpuAdapterName(g.adapter.name)) return g;
        g.release();
        gpuError = `only the CPU adapter ${g.adapter.name}`;
      } catch (e) {
        if (e instanceof Error && /cannot run this configuration/.test(e.message)) throw e;
        gpuError = e;
      }
    }
    try {
      return await acquireNodeGpu('llvmpipe', limits);
    } catch (e) {
      if ((e as { adapterLimits?: unknown }).adapterLimits) throw e; // llvmpipe works; this run is too large for it
      throw new Error(`No usable WebGPU adapter: no hardware GPU (${String(gpuError)}) and llvmpipe failed: ` +
        `${e instanceof Error ? e.message : String(e)}. Install Mesa: apt-get install -y libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri`);
    }
  }
  let options: string[] = [];
  let levels: ('core' | 'compatibility')[] = ['core', 'compatibility'];
  if (choice === 'llvmpipe') {
    process.env.EGL_PLATFORM ??= 'surfaceless';
    options = ['backend=opengles'];
    levels = ['compatibility'];
  } else if (choice === 'swiftshader') {
    if (!existsSync(SWIFTSHADER_ICD)) {
      throw new Error(`SwiftShader needs ${SWIFTSHADER_ICD}, shipped by Debian's chromium package: apt-get install -y chromium`);
    }
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    options = ['backend=vulkan'];
    levels = ['core'];
  }
  ensureRuntimeDir();
  // One Dawn instance per backend for the whole process, reused by every acquisition. A device lost or released is
  // replaced from the same instance: a second instance, and the first one's finalizer running later, broke the
  // llvmpipe (EGL) backend's shared state — the device-loss tests crashed (SIGSEGV, SIGABRT "The futex facility
  // returned an unexpected error code") or hung in InstanceBase::ProcessEvents in about 1 run in 5 when every
  // acquisition made its own instance and dropped it on release.
  const key = options.join(',');
  const instance = INSTANCES.get(key) ?? (create(options) as GPU);
  INSTANCES.set(key, instance);
  const { adapter, featureLevel } = await requestAdapter(instance, levels);
  const desc = describeAdapter(adapter, featureLevel, 'node-dawn');
  if (choice === 'swiftshader' && !/swiftshader/i.test(desc.name)) {
    throw new Error(`Asked for SwiftShader but Dawn gave "${desc.name}"`);
  }
  if (choice === 'llvmpipe' && !/llvmpipe/i.test(desc.name)) {
    throw new Error(`Asked for llvmpipe but Dawn gave "${desc.name}"`);
  }
  return openDevice(adapter, desc, limits, loadShaderFiles());
}

const INSTANCES = new Map<string, GPU>();
