// Live per-step records during an epoch: a copy of the trainer's GPU metrics records, mapped from a small pool and
// never awaited by the training loop. The epoch's own records (Trainer.finishEpoch) replace these when it ends.
import { ReadbackPool } from '../gpu/readback.ts';
import type { Trainer } from './trainer.ts';
import { METRIC_RECORDS, RECORD_SIZE, stepRecordAt, type StepRecord } from './metrics.ts';

const MAX_IN_FLIGHT = 2;

export class LiveRecords {
  private readonly pool: ReadbackPool;
  private inFlight = 0;
  sampledTo = 0; // records of the open epoch already copied

  constructor(private readonly trainer: Trainer) {
    this.pool = new ReadbackPool(trainer.gpu.device, 'LiveRecords.staging', RECORD_SIZE * trainer.stepsPerEpoch * 4);
  }

  /** Copy records [sampledTo, to) of the open epoch (submitted now, after the steps that write them); null when
   * nothing is new or too many copies are still mapping (the next call takes the rest). */
  sample(to: number, force = false): Promise<{ from: number; records: StepRecord[] }> | null {
    const from = this.sampledTo;
    if (to <= from || (!force && this.inFlight >= MAX_IN_FLIGHT)) return null;
    const { device } = this.trainer.gpu;
    const encoder = device.createCommandEncoder({ label: 'LiveRecords.copy' });
    const pending = this.pool.copy(encoder, this.trainer.graph.metrics, (METRIC_RECORDS + RECORD_SIZE * from) * 4, RECORD_SIZE * (to - from) * 4);
    device.queue.submit([encoder.finish()]);
    this.sampledTo = to;
    this.inFlight++;
    return pending.read().then((raw) => {
      const f = new Float32Array(raw);
      return { from, records: Array.from({ length: to - from }, (_, i) => stepRecordAt(f, i)) };
    }).finally(() => { this.inFlight--; });
  }

  destroy(): void {
    this.pool.destroy();
  }
}
