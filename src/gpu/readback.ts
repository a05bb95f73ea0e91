// Pooled asynchronous readback: copies are recorded into the step's encoder, mapped after submit, and the
// staging buffers return to the pool; nothing here is awaited inside the training loop.

export class ReadbackPool {
  private readonly free: GPUBuffer[] = [];
  private made = 0;

  constructor(private readonly device: GPUDevice, private readonly label: string, private readonly size: number) {}

  private take(): GPUBuffer {
    return this.free.pop() ?? this.device.createBuffer({
      label: `${this.label}.staging${this.made++}`,
      size: this.size,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
  }

  /** Record a copy of `bytes` from `src` into a staging buffer; call `.read()` on the result after submitting. */
  copy(encoder: GPUCommandEncoder, src: GPUBuffer, offset: number, bytes: number): PendingRead {
    if (bytes > this.size) throw new Error(`${this.label}: readback of ${bytes} bytes exceeds the pool's ${this.size}`);
    const staging = this.take();
    encoder.copyBufferToBuffer(src, offset, staging, 0, Math.ceil(bytes / 4) * 4);
    return new PendingRead(staging, bytes, (b) => this.free.push(b));
  }

  destroy(): void {
    for (const b of this.free) b.destroy();
    this.free.length = 0;
  }
}

export class PendingRead {
  constructor(private readonly staging: GPUBuffer, private readonly bytes: number, private readonly release: (b: GPUBuffer) => void) {}

  async read(): Promise<ArrayBuffer> {
    await this.staging.mapAsync(GPUMapMode.READ, 0, Math.ceil(this.bytes / 4) * 4);
    const copy = this.staging.getMappedRange(0, Math.ceil(this.bytes / 4) * 4).slice(0, this.bytes);
    this.staging.unmap();
    this.release(this.staging);
    return copy;
  }
}

/** One-off read of a whole buffer (tests, checkpoints, evaluation summaries): never on the per-step path. */
export async function readBuffer(device: GPUDevice, src: GPUBuffer, offset = 0, bytes = src.size - offset): Promise<ArrayBuffer> {
  const staging = device.createBuffer({ label: `readBuffer(${src.label})`, size: Math.ceil(bytes / 4) * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder({ label: 'readBuffer' });
  encoder.copyBufferToBuffer(src, offset, staging, 0, Math.ceil(bytes / 4) * 4);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = staging.getMappedRange().slice(0, bytes);
  staging.destroy();
  return out;
}
