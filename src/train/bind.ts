// A dispatch as data (kernel, bind group, workgroup count), and the binder that makes one: the Step slot at
// binding 0, the op's own uniform at 1, then its buffers in binding order — all created once, never per step.
import { MAX_WORKGROUPS_PER_DIMENSION, splitWorkgroups, storageBuffer, uniformBuffer, type Kernel } from '../gpu/kernels.ts';
import { STEP_BYTES } from './uniforms.ts';

/** `models`: the dispatch's z extent, one slice of workgroups per batched model (src/train/graph.ts). */
export interface Dispatch { kernel: Kernel; group: GPUBindGroup; workgroups: number; label: string; models: number }
export type Bind = (label: string, kernel: Kernel, uniform: ArrayBuffer, buffers: GPUBuffer[], workgroups: number) => Dispatch;

export interface Slabs { params: GPUBuffer; grads: GPUBuffer; state: GPUBuffer; m: GPUBuffer; v: GPUBuffer }
/** Makes a labelled storage buffer that its owner destroys with the rest of what it made. */
export type Alloc = (label: string, bytes: number) => GPUBuffer;

/** An owner of GPU buffers: `alloc` makes storage buffers, `own` takes others; `destroy` frees them all. */
export class BufferOwner {
  private readonly buffers: GPUBuffer[] = [];
  constructor(private readonly device: GPUDevice) {}
  readonly alloc: Alloc = (label, bytes) => this.own(storageBuffer(this.device, label, bytes));
  own(b: GPUBuffer): GPUBuffer {
    this.buffers.push(b);
    return b;
  }
  destroy(): void {
    for (const b of this.buffers.splice(0)) b.destroy();
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
    const group = device.createBindGroup({
      label,
      layout: kernel.layout,
      entries: [{ binding: 0, resource: { buffer: stepBuffer, size: STEP_BYTES } }, { binding: 1, resource: { buffer: u } },
        ...buffers.map((buffer, i) => ({ binding: i + 2, resource: { buffer } }))],
    });
    return { kernel, group, workgroups, label, models };
  };
}
