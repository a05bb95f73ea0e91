// A dispatch as data (kernel, bind group, workgroup count), and the binder that makes one: the Step slot at
// binding 0, the op's own uniform at 1, then its buffers in binding order — all created once, never per step.
import { uniformBuffer, type Kernel } from '../gpu/kernels.ts';
import { STEP_BYTES } from './uniforms.ts';

export interface Dispatch { kernel: Kernel; group: GPUBindGroup; workgroups: number; label: string }
export type Bind = (label: string, kernel: Kernel, uniform: ArrayBuffer, buffers: GPUBuffer[], workgroups: number) => Dispatch;

export const groups = (threads: number, wg = 64): number => Math.max(1, Math.ceil(threads / wg));

export function makeBinder(device: GPUDevice, stepBuffer: GPUBuffer): Bind {
  return (label, kernel, uniform, buffers, workgroups) => {
    const u = uniformBuffer(device, `${label}.uniform`, uniform);
    const group = device.createBindGroup({
      label,
      layout: kernel.layout,
      entries: [{ binding: 0, resource: { buffer: stepBuffer, size: STEP_BYTES } }, { binding: 1, resource: { buffer: u } },
        ...buffers.map((buffer, i) => ({ binding: i + 2, resource: { buffer } }))],
    });
    return { kernel, group, workgroups, label };
  };
}
