// One uPlot chart in a card: as wide as its container (and following resizes), axis labels, theme colours, a
// log/linear toggle, an optional "raw" toggle for the unsmoothed series, a PNG export, and hover readouts in a
// compact legend. The Charts class decides what is drawn; this one only owns the uPlot instance and its tools.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { axisTicks, INTEGER_INCRS, readout } from './chart-format.ts';
import { downloadCanvas } from './export.ts';

export interface ChartSpec {
  name: string; // file name stem and data-chart key
  x: string; // x-axis label
  y: string; // y-axis label
  height: number;
  log: boolean; // start on a log y scale
  raw?: boolean; // offers a toggle for series with class 'raw'
}

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';

export class ChartView {
  private u: uPlot | null = null;
  private series: uPlot.Series[] = [];
  private data: uPlot.AlignedData = [[]];
  private log: boolean;
  private showRaw = true;

  constructor(private readonly el: HTMLElement, tools: HTMLElement, private readonly spec: ChartSpec) {
    this.log = spec.log;
    const toggle = (label: string, checked: boolean, on: (v: boolean) => void) => {
      const box = Object.assign(document.createElement('input'), { type: 'checkbox', checked });
      box.onchange = () => on(box.checked);
      const l = document.createElement('label');
      l.append(box, ` ${label}`);
      tools.append(l);
      return box;
    };
    toggle('log scale', this.log, (v) => { this.log = v; this.rebuild(); }).dataset.tool = 'log';
    if (spec.raw) toggle('raw', true, (v) => { this.showRaw = v; this.applyRaw(); }).dataset.tool = 'raw';
    const png = Object.assign(document.createElement('button'), { type: 'button', textContent: 'PNG' });
    png.setAttribute('aria-label', `${spec.y} chart as PNG`);
    png.onclick = () => { if (this.u) downloadCanvas(this.u.ctx.canvas, `${spec.name}.png`); };
    tools.append(png);
    new ResizeObserver(() => this.fit()).observe(el);
  }

  private get width(): number {
    return Math.max(200, Math.floor(this.el.clientWidth));
  }

  /** New series (the config changed what is plotted); data follows with setData. */
  setSeries(series: uPlot.Series[]): void {
    this.series = series;
    this.rebuild();
  }

  setData(data: uPlot.AlignedData): void {
    this.data = data;
    this.u?.setData(data);
  }

  private rebuild(): void {
    this.u?.destroy();
    this.el.replaceChildren();
    const axis = cssVar('--axis');
    const grid = { stroke: cssVar('--grid'), width: 1 };
    const common = { stroke: axis, grid, ticks: { stroke: cssVar('--grid'), width: 1 }, font: '11px system-ui, sans-serif', labelFont: '12px system-ui, sans-serif' };
    const ints = (_u: uPlot, ticks: number[]) => ticks.map((t) => (Number.isInteger(t) ? String(t) : ''));
    this.u = new uPlot({
      width: this.width,
      height: this.spec.height,
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false }, y: { distr: this.log ? 3 : 1 } },
      series: this.series.map((s, i) => (i === 0 ? { ...s, value: (_u, v) => (v === null ? '–' : String(v)) } : { ...s, value: (_u, v) => readout(v) })),
      axes: [
        { ...common, label: this.spec.x, incrs: INTEGER_INCRS, values: ints, space: 50 },
        { ...common, label: this.spec.y, size: 64, values: (_u, ticks) => this.yTicks(ticks) },
      ],
    }, this.data.length === this.series.length ? this.data : this.series.map(() => [] as number[]) as unknown as uPlot.AlignedData, this.el); // new series: data follows
    this.applyRaw();
  }

  /** On a log scale uPlot puts a tick at every 1…9 × 10ⁿ: label only 1, 2 and 5 × 10ⁿ when there are many. */
  private yTicks(ticks: number[]): string[] {
    const text = axisTicks(ticks);
    if (!this.log || ticks.length <= 6) return text;
    return text.map((t, i) => ([1, 2, 5].includes(Math.round(ticks[i] / 10 ** Math.floor(Math.log10(ticks[i]) + 1e-9))) ? t : ''));
  }

  private applyRaw(): void {
    const u = this.u;
    if (!u) return;
    this.series.forEach((s, i) => { if (s.class === 'raw') u.setSeries(i, { show: this.showRaw }); });
  }

  private fit(): void {
    if (this.u && Math.abs(this.u.width - this.width) > 1) this.u.setSize({ width: this.width, height: this.spec.height });
  }
}
