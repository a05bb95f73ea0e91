// Watches one device for the faults a run recovers from: its loss (device.lost) and uncaptured GPU errors. A device
// the run gives back on purpose is not reported as lost.
import type { Gpu } from '../gpu/device.ts';

const LOST_GRACE_MS = 2000; // how long a failure waits for device.lost to say whether the device went away

export class DeviceWatch {
  private lost: string | null = null;
  private readonly errors: string[] = [];
  private readonly lostSignal: Promise<void>;
  private releasing = false;
  private readonly onError = (e: Event) => this.errors.push((e as GPUUncapturedErrorEvent).error.message.replace(/\s+/g, ' ').trim());

  constructor(readonly gpu: Gpu) {
    this.lostSignal = gpu.device.lost.then((info) => { if (!this.releasing) this.lost = `${info.reason}: ${info.message || 'no message'}`; });
    gpu.device.addEventListener('uncapturederror', this.onError);
  }

  /** Stop listening (a device shared by many runs one after another would otherwise collect one listener per run). */
  detach(): void {
    this.gpu.device.removeEventListener('uncapturederror', this.onError);
  }

  /** Lost, or an uncaptured error happened, since this watch began. */
  get faulted(): boolean { return this.lost !== null || this.errors.length > 0; }

  /** What went wrong, for the log. */
  get fault(): string { return this.lost !== null ? `GPU device lost (${this.lost})` : `GPU error (${this.errors[0]})`; }

  /** After a failed submit or read: give a destroyed device a moment to report its loss. */
  settle(): Promise<unknown> { return Promise.race([this.lostSignal, new Promise((r) => setTimeout(r, LOST_GRACE_MS))]); }

  /** Give the device back without it counting as a loss. */
  release(): void {
    this.releasing = true;
    this.detach();
    this.gpu.release();
  }
}
