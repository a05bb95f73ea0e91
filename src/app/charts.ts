// Live curves with uPlot: each training loss term per step (raw, faint, and smoothed as TensorBoard does: a
// debiased exponential moving average), the per-epoch errors on the test split, and the learning rate per step.
// Points arrive from the session as copies; redraws are batched into animation frames.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { TrainConfig } from '../model/config.ts';
import type { EpochMetrics, StepRecord } from '../train/trainer.ts';

interface Term { label: string; color: string; value(r: StepRecord, cfg: TrainConfig): number | null }

/** The loss terms, weighted as they enter the total, so the curves add up. */
function terms(cfg: TrainConfig): Term[] {
  const list: Term[] = [
    { label: 'total', color: '#222', value: (r) => r.loss },
    { label: `reconstruction (${cfg.loss})`, color: '#1f77b4', value: (r) => r.recon },
  ];
  if (cfg.sparsity.kind !== 'none') {
    const name = cfg.sparsity.kind === 'kl' ? 'β·ΣKL' : 'λ·mean|h|';
    list.push({ label: `sparsity ${name}`, color: '#d62728', value: (r, c) => c.sparsity.weight * r.sparsity });
  }
  if (cfg.contractive > 0) list.push({ label: 'contractive λ‖J‖²', color: '#2ca02c', value: (r, c) => c.contractive * r.contractive });
  return list;
}

/** Debiased EMA (TensorBoard's smoothing); nulls are skipped and stay null. */
export function smooth(values: (number | null)[], weight: number): (number | null)[] {
  let last = 0;
  let debias = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return null;
    last = last * weight + (1 - weight) * v;
    debias = debias * weight + (1 - weight);
    return last / debias;
  });
}

/** Axis ticks: plain decimals where short, else exponent form (1e-3 ticks 2.5e-4 apart would all read 0.001). */
const tick = (v: number | null) => (v === null ? '' : v === 0 ? '0' : Math.abs(v) >= 0.01 && Math.abs(v) < 1e4 ? String(+v.toPrecision(3)) : v.toExponential(2));

const positive = (v: number | null) => (v !== null && v > 0 && Number.isFinite(v) ? v : null);

export class Charts {
  private loss: uPlot | null = null;
  private test: uPlot | null = null;
  private lr: uPlot | null = null;
  private origin = 0; // global step of index 0
  private records: (StepRecord | null)[] = [];
  private cfgAt: TrainConfig[] = []; // config each record was trained with (weights of the terms)
  private epochs: { x: number; train: number; test: number; mse: number; noisy: number | null }[] = [];
  private cfg: TrainConfig | null = null;
  private frame = 0;
  smoothing = 0.6;

  constructor(private readonly root: { loss: HTMLElement; test: HTMLElement; lr: HTMLElement }, private readonly width = 440) {}

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

  private build(): void {
    const cfg = this.cfg!;
    for (const c of [this.loss, this.test, this.lr]) c?.destroy();
    const size = { width: this.width, height: 190, legend: { live: false } };
    const yAxis: uPlot.Axis = { size: 62, values: (_u, ticks) => ticks.map(tick) };
    const lossSeries: uPlot.Series[] = [{ label: 'step' }];
    for (const t of terms(cfg)) {
      lossSeries.push({ label: `${t.label} (raw)`, stroke: `${t.color}40`, width: 1, points: { show: false } });
      lossSeries.push({ label: t.label, stroke: t.color, width: 2, points: { show: false } });
    }
    this.loss = new uPlot({ ...size, title: 'training loss per step', scales: { x: { time: false }, y: { distr: 3 } }, series: lossSeries,
      axes: [{ label: 'step' }, yAxis] }, [[]], this.root.loss);
    const testSeries: uPlot.Series[] = [{ label: 'epoch' },
      { label: `train ${cfg.loss} (epoch mean)`, stroke: '#1f77b4', width: 2 },
      { label: `test ${cfg.loss}`, stroke: '#ff7f0e', width: 2 }];
    if (cfg.loss !== 'mse') testSeries.push({ label: 'test mse', stroke: '#9467bd', width: 2 });
    if (cfg.corruption.kind !== 'none') testSeries.push({ label: `test ${cfg.loss} noisy→clean`, stroke: '#8c564b', width: 2 });
    this.test = new uPlot({ ...size, title: 'error per epoch (test split, evaluation mode)', scales: { x: { time: false }, y: { distr: 3 } },
      series: testSeries, axes: [{ label: 'epoch' }, yAxis] }, [[]], this.root.test);
    this.lr = new uPlot({ ...size, height: 150, title: 'learning rate per step (as the GPU used it)', scales: { x: { time: false } },
      series: [{ label: 'step' }, { label: 'lr', stroke: '#17becf', width: 2, points: { show: false } }], axes: [{ label: 'step' }, yAxis] }, [[]], this.root.lr);
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
    if (!cfg || !this.loss || !this.test || !this.lr) return;
    const x = this.records.map((_, i) => this.origin + i);
    const data: (number | null)[][] = [x];
    for (const t of terms(cfg)) {
      const raw = this.records.map((r, i) => positive(r ? t.value(r, this.cfgAt[i]) : null));
      data.push(raw, smooth(raw, this.smoothing));
    }
    this.loss.setData(data as uPlot.AlignedData);
    const e = this.epochs;
    const testData: (number | null)[][] = [e.map((p) => p.x), e.map((p) => positive(p.train)), e.map((p) => positive(p.test))];
    if (cfg.loss !== 'mse') testData.push(e.map((p) => positive(p.mse)));
    if (cfg.corruption.kind !== 'none') testData.push(e.map((p) => positive(p.noisy)));
    this.test.setData(testData as uPlot.AlignedData);
    this.lr.setData([x, this.records.map((r) => (r ? r.lr : null))] as uPlot.AlignedData);
  }
}
