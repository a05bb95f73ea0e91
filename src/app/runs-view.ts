// The Runs card: the current run and every earlier one kept in this browser, with show/hide (faint overlays on
// the error chart), rename, delete, a table of final metrics, a share link per run (its URL hash), and the current
// run's metrics as CSV or JSON.
import type { TrainConfig } from '../model/config.ts';
import { readout } from './chart-format.ts';
import type { Overlay } from './charts.ts';
import { el, swatch } from './dom.ts';
import { downloadText } from './export.ts';
import { epochRow, runCsv, runJson, type RunRecord, type RunStore } from './runs.ts';

const COLORS = ['#8c564b', '#e377c2', '#17becf', '#bcbd22', '#9467bd', '#2ca02c', '#d62728', '#1f77b4'];


export class RunsView {
  private runs: RunRecord[] = [];
  private current: RunRecord | null = null;

  constructor(private readonly root: HTMLElement, tools: HTMLElement, private readonly store: RunStore,
    private readonly onOverlays: (list: Overlay[]) => void) {
    const button = (text: string, name: string, on: () => void) => {
      const b = el('button', { type: 'button', textContent: text });
      b.dataset.export = name;
      b.onclick = on;
      tools.append(b);
    };
    button('metrics CSV', 'csv', () => this.current && downloadText(runCsv(this.current), `${this.fileStem()}.csv`, 'text/csv'));
    button('metrics JSON', 'json', () => this.current && downloadText(runJson(this.current), `${this.fileStem()}.json`, 'application/json'));
  }

  private fileStem(): string {
    return (this.current?.name ?? 'run').replace(/[^\w.-]+/g, '-');
  }

  async load(): Promise<void> {
    const stored = await this.store.all().catch(() => []);
    this.runs = [...stored, ...this.runs.filter((r) => !stored.some((s) => s.id === r.id))];
    this.render();
  }

  /** A new model: the next epochs belong to a new run (kept once it has one epoch). */
  begin(cfg: TrainConfig, hash: string, data: string): void {
    const created = Date.now();
    const n = this.runs.length + 1;
    this.current = { id: `${created}-${Math.random().toString(36).slice(2, 8)}`, name: `run ${n}`, created, hash, cfg, data, epochs: [], samplesPerSec: 0, shown: true };
    this.render();
  }

  epoch(m: object, samplesPerSec: number, cfg: TrainConfig, hash: string): void {
    const r = this.current;
    if (!r) return;
    r.epochs.push(epochRow(m));
    Object.assign(r, { samplesPerSec, cfg, hash });
    if (!this.runs.includes(r)) this.runs.push(r);
    void this.store.put(r).catch(() => {});
    this.render();
  }

  private overlays(): Overlay[] {
    return this.runs.filter((r) => r !== this.current && r.shown).map((r) => ({
      label: r.name, color: this.color(r), test: r.epochs.map((e) => ({ x: (e.epoch ?? 0) + 1, y: e.test_loss ?? NaN })) }));
  }

  private color(r: RunRecord): string {
    return COLORS[this.runs.indexOf(r) % COLORS.length];
  }

  private render(): void {
    this.onOverlays(this.overlays());
    if (this.runs.length === 0 && !this.current) return;
    const head = el('tr', {}, ...['show', 'run', 'epochs', 'test loss', 'test mse', 'active/unit', 'samples/s', 'settings', ''].map((h, i) =>
      el('th', { className: i >= 2 && i <= 6 ? 'num' : '', scope: 'col' }, h)));
    const rows = [...this.runs, ...(this.current && !this.runs.includes(this.current) ? [this.current] : [])].map((r) => this.row(r));
    const note = this.store.problem ? el('p', { className: 'caption' }, `Runs are kept for this page only: ${this.store.problem}`) : '';
    this.root.replaceChildren(el('div', { className: 'table-scroll' }, el('table', { className: 'runs' }, el('thead', {}, head), el('tbody', {}, ...rows))), note);
  }

  private row(r: RunRecord): HTMLTableRowElement {
    const last = r.epochs[r.epochs.length - 1] ?? {};
    const isCurrent = r === this.current;
    const show = el('input', { type: 'checkbox', checked: isCurrent || r.shown, disabled: isCurrent });
    show.setAttribute('aria-label', `show ${r.name} on the error chart`);
    show.onchange = () => { r.shown = show.checked; void this.store.put(r).catch(() => {}); this.onOverlays(this.overlays()); };
    const name = el('input', { type: 'text', value: r.name });
    name.setAttribute('aria-label', 'run name');
    name.onchange = () => { r.name = name.value.trim() || r.name; if (r.epochs.length) void this.store.put(r).catch(() => {}); this.render(); };
    const link = el('a', { href: `#${r.hash}`, textContent: 'link', title: 'open these settings (share this link)' });
    const del = el('button', { type: 'button', textContent: 'delete', disabled: isCurrent });
    del.setAttribute('aria-label', `delete ${r.name}`);
    del.onclick = () => { this.runs = this.runs.filter((x) => x !== r); void this.store.delete(r.id).catch(() => {}); this.render(); };
    const num = (v: number | null | undefined) => el('td', { className: 'num' }, readout(v));
    const tr = el('tr', { className: isCurrent ? 'current' : '' },
      el('td', {}, show), el('td', {}, swatch('swatch', isCurrent ? '#ff7f0e' : this.color(r)), name,
        isCurrent ? ' (current)' : ''),
      num(r.epochs.length), num(last.test_loss), num(last.test_mse), num(last.mean_activity), num(Math.round(r.samplesPerSec)), el('td', {}, link), el('td', {}, del));
    tr.dataset.run = r.id;
    return tr;
  }
}
