// A dispatch as data (kernel, bind group, workgroup count), the binder that makes one — the Step slot at binding 0,
// the op's own uniform at 1, then its buffers in binding order, all created once, never per step — and Recorder,
// which records lists of them, refreshing the texture mirrors that texture-fed kernels read.
import { dispatch, MAX_WORKGROUPS_PER_DIMENSION, splitWorkgroups, storageBuffer, uniformBuffer, type Kernel } from '../gpu/kernels.ts';
import { TextureMirror } from '../gpu/mirror.ts';
import { STEP_BYTES } from './uniforms.ts';

/** `models`: the dispatch's z extent, one slice of workgroups per batched model (src/train/graph.ts). `reads`: the
 * texture mirrors it binds (kernels with 'texture' bindings), each once; `writes`: the buffers it binds writable. */
export interface Dispatch {
  kernel: Kernel; group: GPUBindGroup; workgroups: number; label: string; models: number;
  reads: TextureMirror[]; writes: GPUBuffer[];
}
export type Bind = (label: string, kernel: Kernel, uniform: ArrayBuffer, buffers: GPUBuffer[], workgroups: number) => Dispatch;

export interface Slabs { params: GPUBuffer; grads: GPUBuffer; state: GPUBuffer; m: GPUBuffer; v: GPUBuffer }
/** Makes a labelled storage buffer that its owner destroys with the rest of what it made. */
export type Alloc = (label: string, bytes: number) => GPUBuffer;

/** An owner of GPU buffers: `alloc` makes storage buffers, `own` takes others, `mirror` makes (once per buffer) a
 * buffer's texture mirror; `destroy` frees them all. */
export class BufferOwner {
  private readonly buffers: GPUBuffer[] = [];
  private readonly mirrors = new Map<GPUBuffer, TextureMirror>();
  constructor(private readonly device: GPUDevice) {}
  readonly alloc: Alloc = (label, bytes) => this.own(storageBuffer(this.device, label, bytes));
  own(b: GPUBuffer): GPUBuffer {
    this.buffers.push(b);
    return b;
  }
  mirror(b: GPUBuffer): TextureMirror {
    let m = this.mirrors.get(b);
    if (!m) this.mirrors.set(b, (m = new TextureMirror(this.device, b)));
    return m;
  }
  destroy(): void {
    for (const b of this.buffers.splice(0)) b.destroy();
    for (const m of this.mirrors.values()) m.destroy();
    this.mirrors.clear();
  }
}

export const groups = (threads: number, wg = 64): number => Math.max(1, Math.ceil(threads / wg));

/** Binds dispatches over `models` batched models; their uniform buffers belong to `owner`. */
export function makeBinder(device: GPUDevice, stepBuffer: GPUBuffer, owner: BufferOwner, models = 1): Bind {
  const { maxStorageBufferBindingSize: maxBinding, maxComputeWorkgroupsPerDimension: maxGroups } = device.limits;
  return (label, kernel, uniform, buffers, workgroups) => {
    // Checked when the dispatch is made, never when it runs: a binding or a grid the device cannot take is named here.
    for (const b of buffers) {
      if (b.size > maxBinding) throw new Error(`${label}: binding ${b.label} is ${b.size} bytes, over this device's maxStorageBufferBindingSize of ${maxBinding}`);
    }
    splitWorkgroups(workgroups, Math.min(maxGroups, MAX_WORKGROUPS_PER_DIMENSION), label);
    const u = owner.own(uniformBuffer(device, `${label}.uniform`, uniform));
    const kinds = kernel.spec.bindings.slice(2);
    const reads: TextureMirror[] = [];
    const group = device.createBindGroup({
      label,
      layout: kernel.layout,
      entries: [{ binding: 0, resource: { buffer: stepBuffer, size: STEP_BYTES } }, { binding: 1, resource: { buffer: u } },
        ...buffers.map((buffer, i) => {
          if (kinds[i] !== 'texture') return { binding: i + 2, resource: { buffer } };
          const m = owner.mirror(buffer);
          if (!reads.includes(m)) reads.push(m); // a buffer bound twice is copied once
          return { binding: i + 2, resource: m.view };
        })],
    });
    return { kernel, group, workgroups, label, models, reads, writes: buffers.filter((_, i) => kinds[i] === 'rw') };
  };
}

/**
 * Records dispatches into compute passes of one encoder. A texture mirror is copied from its buffer before the
 * first dispatch that reads it after the buffer may have changed — every mirror counts as stale when recording
 * starts (the queue may have written any buffer since), and a dispatch that binds a buffer writable makes its
 * mirror stale — so the copies follow the data whatever list is recorded. A copy ends the current pass.
 */
export class Recorder {
  private pass: GPUComputePassEncoder | null = null;
  private readonly fresh = new Set<TextureMirror>();
  /** Every mirror copy recorded so far, in order (profilers time them). */
  readonly refreshed: TextureMirror[] = [];
  constructor(readonly encoder: GPUCommandEncoder, private readonly label: string) {}

  record(list: readonly Dispatch[], dynamicOffset = 0): void {
    for (const d of list) {
      const stale = d.reads.filter((m) => !this.fresh.has(m));
      if (stale.length > 0) {
        this.end();
        for (const m of stale) {
          m.refresh(this.encoder);
          this.fresh.add(m);
          this.refreshed.push(m);
        }
      }
      this.pass ??= this.encoder.beginComputePass({ label: this.label });
      dispatch(this.pass, d.kernel, d.group, d.workgroups, dynamicOffset, d.models);
      for (const w of d.writes) for (const m of this.fresh) if (m.buffer === w) this.fresh.delete(m);
    }
  }

  /** End the open pass (before other encoder commands, and before finishing the encoder). */
  end(): void {
    this.pass?.end();
    this.pass = null;
  }
}
