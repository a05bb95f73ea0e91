// The live line within an epoch on a terminal: steps, samples/s and ETA, redrawn in place (\r) after each chunk and
// cleared before the epoch's own line. Off when stdout is not a TTY (logs and pipes get only the epoch lines).
import type { Run } from '../train/run.ts';

const MIN_REDRAW_MS = 200;

export class ProgressLine {
  private shown = false;
  private last = 0;
  private mark: { at: number; step: number } | null = null; // where the throughput is measured from

  constructor(private readonly enabled: boolean) {}

  show(run: Run, epochs: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    const p = run.position;
    if (this.mark === null || p.globalStep < this.mark.step) this.mark = { at: now, step: p.globalStep };
    if (now - this.last < MIN_REDRAW_MS) return;
    this.last = now;
    const steps = p.globalStep - this.mark.step;
    const seconds = (now - this.mark.at) / 1000;
    const rate = seconds > 0 ? (steps * run.cfg.batch) / seconds : 0;
    const left = ((epochs - p.epoch) * p.stepsPerEpoch - p.stepInEpoch) * run.cfg.batch;
    const eta = rate > 0 ? `ETA ${formatDuration(left / rate)}` : '';
    process.stdout.write(`\r\x1b[2Kepoch ${p.epoch + 1}/${epochs}  step ${p.stepInEpoch}/${p.stepsPerEpoch}  ` +
      `${rate > 0 ? `${Math.round(rate).toLocaleString('en')} samples/s  ` : ''}${eta}`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) process.stdout.write('\r\x1b[2K');
    this.shown = false;
  }
}

export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '–';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m ${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(0)}s`;
}
