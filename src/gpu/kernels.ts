// Compute pipelines compiled once and cached by key; shader errors name the .wgsl file and line.
// Every module is common.wgsl + optional `const` header + the kernel file, so errors map back through offsets.
import type { Gpu } from './device.ts';

/** Binding kinds in binding order: 'uniform' (dynamic offset when 'step'), 'read' (read-only storage), 'rw', and
 * 'texture': an unfilterable-float 2D texture, bound to a buffer's texture mirror (src/gpu/mirror.ts). */
export type BindingKind = 'step' | 'uniform' | 'read' | 'rw' | 'texture';

export interface KernelSpec {
  file: string; // e.g. 'dense.wgsl'
  entry: string; // entry point name
  include?: string[]; // files compiled before `file` (declarations it shares with them), after common.wgsl
  bindings: BindingKind[];
  consts?: Record<string, number | boolean>; // emitted as WGSL `const` (used where array sizes need constants)
  overrides?: Record<string, number>; // pipeline-overridable constants
  enable?: string[]; // WGSL extensions the module enables (its first lines), e.g. 'subgroups'
}

export interface Kernel {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  spec: KernelSpec;
  label: string;
}

function wgslConst(name: string, v: number | boolean): string {
  if (typeof v === 'boolean') return `const ${name} = ${v};`;
  return Number.isInteger(v) && v >= 0 ? `const ${name} = ${v}u;` : `const ${name} = ${v}f;`;
}

export class KernelCache {
  private readonly pipelines = new Map<string, Promise<Kernel>>();
  private readonly layouts = new Map<string, GPUBindGroupLayout>();
  private readonly modules = new Map<string, { module: GPUShaderModule; sources: { file: string; lines: number }[]; moduleError: Promise<GPUError | null> }>();

  constructor(readonly gpu: Gpu) {}

  layoutFor(bindings: BindingKind[]): GPUBindGroupLayout {
    const key = bindings.join(',');
    let layout = this.layouts.get(key);
    if (!layout) {
      layout = this.gpu.device.createBindGroupLayout({
        label: `KernelCache.layout(${key})`,
        entries: bindings.map((kind, binding) => (kind === 'texture'
          ? { binding, visibility: GPUShaderStage.COMPUTE, texture: { sampleType: 'unfilterable-float' as const } }
          : {
            binding,
            visibility: GPUShaderStage.COMPUTE,
            buffer: kind === 'step' ? { type: 'uniform' as const, hasDynamicOffset: true }
              : kind === 'uniform' ? { type: 'uniform' as const }
              : { type: kind === 'read' ? 'read-only-storage' as const : 'storage' as const },
          })),
      });
      this.layouts.set(key, layout);
    }
    return layout;
  }

  private moduleFor(file: string, consts: Record<string, number | boolean>, include: string[], enable: string[]) {
    const header = Object.entries(consts).map(([k, v]) => wgslConst(k, v)).join('\n');
    const enables = enable.map((e) => `enable ${e};`).join(' ');
    const key = `${enables}|${[...include, file].join('+')}|${header}`;
    let entry = this.modules.get(key);
    if (!entry) {
      const common = this.source('common.wgsl');
      const body = this.source(file);
      const parts = [...(enables ? [{ file: 'enable directives', text: enables }] : []), { file: 'common.wgsl', text: common }, { file: `${file} (consts)`, text: header },
        ...include.map((f) => ({ file: f, text: this.source(f) })), { file, text: body }];
      const code = parts.map((p) => p.text).join('\n');
      // The scope is pushed and popped synchronously, so concurrent compilations never interleave scopes.
      this.gpu.device.pushErrorScope('validation');
      const module = this.gpu.device.createShaderModule({ label: `${file}${header ? ` [${header.replace(/\s+/g, ' ')}]` : ''}`, code });
      const moduleError = this.gpu.device.popErrorScope();
      entry = { module, sources: parts.map((p) => ({ file: p.file, lines: p.text.split('\n').length })), moduleError };
      this.modules.set(key, entry);
    }
    return entry;
  }

  private source(file: string): string {
    const code = this.gpu.shaders[file];
    if (code === undefined) throw new Error(`shader ${file} not found (have: ${Object.keys(this.gpu.shaders).join(', ')})`);
    return code;
  }

  /** Compile (once) and return the pipeline for a kernel spec. */
  get(spec: KernelSpec): Promise<Kernel> {
    const key = JSON.stringify([spec.enable ?? [], spec.file, spec.include ?? [], spec.entry, spec.bindings, spec.consts ?? {}, spec.overrides ?? {}]);
    let p = this.pipelines.get(key);
    if (!p) {
      p = this.compile(spec);
      this.pipelines.set(key, p);
      p.catch(() => this.pipelines.delete(key));
    }
    return p;
  }

  private async compile(spec: KernelSpec): Promise<Kernel> {
    const { device } = this.gpu;
    const { module, sources, moduleError } = this.moduleFor(spec.file, spec.consts ?? {}, spec.include ?? [], spec.enable ?? []);
    const label = `${spec.file}:${spec.entry}`;
    const layout = this.layoutFor(spec.bindings);
    // Chrome can leave getCompilationInfo() pending until other GPU work ticks the device, so it is awaited
    // together with the pipeline, never alone. Pipeline errors arrive as the rejection of the async creation.
    let pipelineError: unknown = null;
    const [info, pipeline, scopeError] = await Promise.all([
      module.getCompilationInfo(),
      device.createComputePipelineAsync({
        label,
        layout: device.createPipelineLayout({ label: `${label}.layout`, bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: spec.entry, constants: spec.overrides },
      }).catch((e: unknown) => { pipelineError = e; return null; }),
      moduleError,
    ]);
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0 || pipelineError || scopeError || !pipeline) {
      const where = errors.map((m) => `  ${locate(sources, m.lineNum)}:${m.linePos}: ${m.message}`).join('\n');
      const extra = [pipelineError, scopeError].filter(Boolean).map((e) => `  ${(e as { message?: string }).message ?? String(e)}`).join('\n');
      throw new Error(`WGSL kernel ${label} failed to compile:\n${where}${where && extra ? '\n' : ''}${extra}`);
    }
    return { pipeline, layout, spec, label };
  }
}

/** Map a line in the concatenated module back to `file:line`. */
function locate(sources: { file: string; lines: number }[], line: number): string {
  let rest = line;
  for (const s of sources) {
    if (rest <= s.lines) return `${s.file}:${rest}`;
    rest -= s.lines;
  }
  return `line ${line}`;
}

/** Labelled buffer helpers: storage buffers are always copyable both ways so tests and checkpoints can read them.
 * Sizes are checked against the device first, so an oversized buffer is an error naming it, not a lost device. */
export function storageBuffer(device: GPUDevice, label: string, bytes: number): GPUBuffer {
  const size = Math.max(16, Math.ceil(bytes / 16) * 16);
  if (size > device.limits.maxBufferSize) {
    throw new Error(`buffer ${label}: ${size} bytes exceed this device's maxBufferSize of ${device.limits.maxBufferSize}`);
  }
  return device.createBuffer({
    label,
    size,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
}

export function uniformBuffer(device: GPUDevice, label: string, data: ArrayBuffer): GPUBuffer {
  const buffer = device.createBuffer({ label, size: Math.max(16, Math.ceil(data.byteLength / 16) * 16), usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(buffer, 0, data);
  return buffer;
}

/** The WebGPU default of maxComputeWorkgroupsPerDimension; devices here are never asked for more. */
export const MAX_WORKGROUPS_PER_DIMENSION = 65535;

/** Split a workgroup count into (x, y) with both ≤ `max`; kernels recover the index with groupIndex (common.wgsl)
 * and skip the few extra groups of the last row. */
export function splitWorkgroups(workgroups: number, max = MAX_WORKGROUPS_PER_DIMENSION, what = 'dispatch'): [number, number] {
  if (!Number.isSafeInteger(workgroups) || workgroups < 1) throw new Error(`${what}: ${workgroups} workgroups is not a positive integer`);
  const x = Math.min(workgroups, max);
  const y = Math.ceil(workgroups / x);
  if (y > max) throw new Error(`${what}: ${workgroups} workgroups exceed maxComputeWorkgroupsPerDimension² (${max}² = ${max * max}); reduce the batch or layer width`);
  return [x, y];
}

/** Record one dispatch; workgroup counts above the per-dimension limit are folded into y; `models` is the z extent
 * (batched models: workgroup_id.z is the model index). */
export function dispatch(pass: GPUComputePassEncoder, kernel: Kernel, group: GPUBindGroup, workgroups: number, dynamicOffset?: number, models = 1): void {
  pass.setPipeline(kernel.pipeline);
  pass.setBindGroup(0, group, dynamicOffset === undefined ? [] : [dynamicOffset]);
  pass.dispatchWorkgroups(...splitWorkgroups(workgroups, MAX_WORKGROUPS_PER_DIMENSION, kernel.label), models);
}
