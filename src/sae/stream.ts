// BatchStream: vectors too large for one storage binding (the adapter's maxStorageBufferBindingSize) are fed to the
// GPU a few batches at a time. Before a submit, the rows its steps read are copied (CPU gather, in the epoch's order)
// into a buffer of `steps` batches, and those steps' entries of the order buffer are pointed at them, so the gather
// kernel runs unchanged. Queue order makes the reuse safe: a write lands after the submits before it have read.
import type { Matrix } from '../data/npy.ts';
import { storageBuffer } from '../gpu/kernels.ts';

export class BatchStream {
  readonly buffer: GPUBuffer; // (capacity, d_in)
  readonly capacity: number; // rows: `steps` whole batches
  private readonly staging: Float32Array;
  private readonly local: Uint32Array;

  /** Null when `m` fits in `limitBytes`; else a stream of as many batches as fit (at most `slots`). */
  static maybe(device: GPUDevice, label: string, m: Matrix, batch: number, slots: number, limitBytes: number): BatchStream | null {
    if (m.values.byteLength <= limitBytes) return null;
    const steps = Math.min(slots, Math.floor(limitBytes / (batch * m.cols * 4)));
    if (steps < 1) throw new Error(`one batch of ${batch} vectors of ${m.cols} floats (${batch * m.cols * 4} bytes) exceeds the storage binding limit of ${limitBytes} bytes; lower --batch`);
    return new BatchStream(device, label, m, batch, steps);
  }

  private constructor(device: GPUDevice, label: string, private readonly m: Matrix, private readonly batch: number, readonly steps: number) {
    this.capacity = steps * batch;
    this.buffer = storageBuffer(device, label, this.capacity * m.cols * 4);
    this.staging = new Float32Array(this.capacity * m.cols);
    this.local = new Uint32Array(this.capacity);
  }

  /** Rows of steps [first, first + count) (count ≤ steps) in `order` into the buffer; their order entries local. */
  feed(queue: GPUQueue, order: Uint32Array, orderBuffer: GPUBuffer, first: number, count: number): void {
    const { cols, values, rows } = this.m;
    const start = first * this.batch, end = Math.min(rows, (first + count) * this.batch);
    for (let r = start; r < end; r++) {
      this.staging.set(values.subarray(order[r] * cols, (order[r] + 1) * cols), (r - start) * cols);
      this.local[r - start] = r - start;
    }
    queue.writeBuffer(this.buffer, 0, this.staging, 0, (end - start) * cols);
    queue.writeBuffer(orderBuffer, start * 4, this.local, 0, end - start);
  }

  destroy(): void { this.buffer.destroy(); }
}
