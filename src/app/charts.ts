// Live curves: each training loss term per step (raw, faint, and smoothed as TensorBoard does: a debiased
// exponential moving average), the per-epoch errors on the test split with earlier runs drawn faintly, and the
// learning rate per step. Points arrive from the session as copies; redraws are batched into animation frames.
import type uPlot from 'uplot';
import type { TrainConfig } from '../model/config.ts';
import type { EpochMetrics, StepRecord } from '../train/trainer.ts';
import { smooth } from './chart-format.ts';
import { ChartView } from './chart-view.ts';

export { smooth };

interface Term { label: string; color: string; value(r: StepRecord, cfg: TrainConfig): number | null }

/** The loss terms, weighted as they enter the total, so the curves add up. */
function terms(cfg: TrainConfig): Term[] {
  const list: Term[] = [
    { label: 'total', color: '#7f7f7f', value: (r) => r.loss },
    { label: `recon (${cfg.loss})`, color: '#1f77b4', value: (r) => r.recon },
  ];
  if (cfg.sparsity.kind !== 'none') {
    const name = cfg.sparsity.kind === 'kl' ? 'β·ΣKL' : 'λ·mean|h|';
    list.push({ label: name, color: '#d62728', value: (r, c) => c.sparsity.weight * r.sparsity });
  }
  if (cfg.contractive > 0) list.push({ label: 'λ‖J‖²', color: '#2ca02c', value: (r, c) => c.contractive * r.contractive });
  return list;
}

const positive = (v: number | null) => (v !== null && v > 0 && Number.isFinite(v) ? v : null);

/** An earlier run's per-epoch test error, drawn faintly behind the current one. */
export interface Overlay { label: string; color: string; test: { x: number; y: number }[] }
export interface EpochPoint { x: number; train: number; test: number; mse: number; noisy: number | null }

export class Charts {
  readonly loss: ChartView;
  readonly test: ChartView;
  readonly lr: ChartView;
  private origin = 0; // global step of index 0
  private records: (StepRecord | null)[] = [];
  private cfgAt: TrainConfig[] = []; // config each record was trained with (weights of the terms)
  epochs: EpochPoint[] = [];
  private overlays: Overlay[] = [];
  private cfg: TrainConfig | null = null;
  private frame = 0;
  smoothing = 0.6;

  constructor(root: { loss: HTMLElement; test: HTMLElement; lr: HTMLElement }, tools: { loss: HTMLElement; test: HTMLElement; lr: HTMLElement }) {
    this.loss = new ChartView(root.loss, tools.loss, { name: 'training-loss', x: 'step', y: 'loss (mean per pixel)', height: 220, log: true, raw: true });
    this.test = new ChartView(root.test, tools.test, { name: 'test-error', x: 'epoch', y: 'error (mean per pixel)', height: 220, log: true });
    this.lr = new ChartView(root.lr, tools.lr, { name: 'learning-rate', x: 'step', y: 'learning rate η', height: 160, log: false });
  }

  /** Start over (fresh weights) or keep the history (the same run continues under a new config). */
  reset(cfg: TrainConfig, firstStep: number, keep: boolean): void {
    if (!keep) {
      this.origin = firstStep;
      this.records = [];
      this.cfgAt = [];
      this.epochs = [];
    }
    this.cfg = cfg;
    this.build();
  }

  steps(firstStep: number, records: StepRecord[], cfg: TrainConfig): void {
    records.forEach((r, i) => {
      const at = firstStep + i - this.origin;
      if (at < 0) return;
      while (this.records.length < at) { this.records.push(null); this.cfgAt.push(cfg); }
      this.records[at] = r;
      this.cfgAt[at] = cfg;
    });
    this.redraw();
  }

  epoch(m: Pick<EpochMetrics, 'epoch' | 'recon' | 'test_loss' | 'test_mse' | 'test_noisy_loss'>, cfg: TrainConfig): void {
    this.epochs.push({ x: m.epoch + 1, train: m.recon, test: m.test_loss, mse: m.test_mse, noisy: cfg.corruption.kind !== 'none' ? m.test_noisy_loss : null });
    this.redraw();
  }

  setOverlays(list: Overlay[]): void {
    this.overlays = list;
    if (this.cfg) this.build();
  }

  private build(): void {
    const cfg = this.cfg!;
    const lossSeries: uPlot.Series[] = [{ label: 'step' }];
    for (const t of terms(cfg)) {
      lossSeries.push({ label: `${t.label} raw`, class: 'raw', stroke: `${t.color}55`, width: 1, points: { show: false } });
      lossSeries.push({ label: t.label, stroke: t.color, width: 2, points: { show: false } });
    }
    this.loss.setSeries(lossSeries);
    const testSeries: uPlot.Series[] = [{ label: 'epoch' },
      ...this.overlays.map((o) => ({ label: o.label, class: 'overlay', stroke: `${o.color}66`, width: 1.5, dash: [4, 3] })),
      { label: `train ${cfg.loss}`, stroke: '#1f77b4', width: 2 },
      { label: `test ${cfg.loss}`, stroke: '#ff7f0e', width: 2 }];
    if (cfg.loss !== 'mse') testSeries.push({ label: 'test mse', stroke: '#9467bd', width: 2 });
    if (cfg.corruption.kind !== 'none') testSeries.push({ label: 'test noisy→clean', stroke: '#8c564b', width: 2 });
    this.test.setSeries(testSeries);
    this.lr.setSeries([{ label: 'step' }, { label: 'lr', stroke: '#17becf', width: 2, points: { show: false } }]);
    this.redraw();
  }

  redraw(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const cfg = this.cfg;
    if (!cfg) return;
    const x = this.records.map((_, i) => this.origin + i);
    const data: (number | null)[][] = [x];
    for (const t of terms(cfg)) {
      const raw = this.records.map((r, i) => positive(r ? t.value(r, this.cfgAt[i]) : null));
      data.push(raw, smooth(raw, this.smoothing));
    }
    this.loss.setData(data as uPlot.AlignedData);
    // Epoch axis: every epoch any run reached, so earlier runs line up with this one.
    const e = this.epochs;
    const last = Math.max(0, ...e.map((p) => p.x), ...this.overlays.flatMap((o) => o.test.map((p) => p.x)));
    const xs = Array.from({ length: last }, (_, i) => i + 1);
    const at = (points: { x: number; y: number | null }[]) => { const m = new Map(points.map((p) => [p.x, p.y])); return xs.map((v) => positive(m.get(v) ?? null)); };
    const testData: (number | null)[][] = [xs, ...this.overlays.map((o) => at(o.test)),
      at(e.map((p) => ({ x: p.x, y: p.train }))), at(e.map((p) => ({ x: p.x, y: p.test })))];
    if (cfg.loss !== 'mse') testData.push(at(e.map((p) => ({ x: p.x, y: p.mse }))));
    if (cfg.corruption.kind !== 'none') testData.push(at(e.map((p) => ({ x: p.x, y: p.noisy }))));
    this.test.setData(testData as uPlot.AlignedData);
    this.lr.setData([x, this.records.map((r) => (r ? r.lr : null))] as uPlot.AlignedData);
  }
}
