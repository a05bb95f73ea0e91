// The per-kernel GPU time table: one row per dispatch of a training step, with its share of the step as a bar.
import type { KernelProfile } from './profile.ts';

export function showKernelTimes(root: HTMLElement, p: KernelProfile, stepMsMeasured: number | null): void {
  const table = document.createElement('table');
  table.className = 'kernel-times';
  table.innerHTML = '<thead><tr><th>dispatch</th><th>ms</th><th>share</th></tr></thead>';
  const body = document.createElement('tbody');
  for (const r of p.rows) {
    const tr = document.createElement('tr');
    const share = p.totalMs > 0 ? r.ms / p.totalMs : 0;
    const name = document.createElement('td');
    name.textContent = r.label;
    const ms = document.createElement('td');
    ms.textContent = r.ms.toFixed(3);
    const bar = document.createElement('td');
    bar.innerHTML = `<span class="bar" style="width:${(100 * share).toFixed(1)}%"></span>`;
    tr.append(name, ms, bar);
    body.append(tr);
  }
  table.append(body);
  const note = document.createElement('p');
  note.textContent = `Sum of dispatches ${p.totalMs.toFixed(2)} ms per step (each timed alone in its own pass, median of 3)` +
    (stepMsMeasured ? `; the whole step measured by throughput: ${stepMsMeasured.toFixed(2)} ms.` : '.');
  root.replaceChildren(note, table);
}

export function showKernelMessage(root: HTMLElement, text: string): void {
  const p = document.createElement('p');
  p.textContent = text;
  root.replaceChildren(p);
}
