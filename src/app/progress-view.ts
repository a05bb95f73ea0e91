// The progress strip: a bar for the current epoch and one for the whole run, throughput and time left.
import type { Progress, RunState } from './session.ts';

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '–';
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

export class ProgressView {
  private readonly epochBar: HTMLProgressElement;
  private readonly runBar: HTMLProgressElement;
  private readonly text: HTMLElement;

  constructor(root: HTMLElement) {
    root.innerHTML = '<label>epoch <progress class="epoch-bar" max="1" value="0"></progress></label>' +
      '<label>run <progress class="run-bar" max="1" value="0"></progress></label><span class="progress-text"></span>';
    this.epochBar = root.querySelector('.epoch-bar')!;
    this.runBar = root.querySelector('.run-bar')!;
    this.text = root.querySelector('.progress-text')!;
  }

  show(p: Progress, state: RunState): void {
    const inEpoch = p.stepsPerEpoch > 0 ? p.stepInEpoch / p.stepsPerEpoch : 0;
    this.epochBar.value = inEpoch;
    this.runBar.value = Math.min(1, (p.epoch + inEpoch) / p.epochs);
    const rate = p.samplesPerSec > 0 ? `${Math.round(p.samplesPerSec).toLocaleString('en')} samples/s` : '– samples/s';
    const eta = state === 'running' ? `ETA ${formatSeconds(p.etaSeconds)}` : state;
    this.text.textContent = `epoch ${Math.min(p.epoch + 1, p.epochs)}/${p.epochs} · step ${p.stepInEpoch}/${p.stepsPerEpoch} · ${rate} · ${eta}`;
  }
}
