// The page's views of a session: stats for the panel, progress, live curves, pictures after each epoch, the run
// list, the epoch log and messages. It implements SessionView, so everything it shows arrives as a copy from the
// session.
import type { Gpu } from '../gpu/device.ts';
import type { DataSplit } from '../data/dataset.ts';
import type { TrainConfig } from '../model/config.ts';
import { hashFromConfig } from '../model/validate.ts';
import { epochLine, type EpochMetrics, type EpochRow } from '../train/metrics.ts';
import type { EpochResult } from '../train/run.ts';
import type { Snapshot } from '../train/snapshot.ts';
import { AUTO_KERNEL, kernelSummary } from '../train/autotune.ts';
import { Trainer, type StepRecord } from '../train/trainer.ts';
import type { Engine } from '../train/engine.ts';
import { SaeEngine } from '../sae/engine.ts';
import { describeModel } from '../model/describe.ts';
import type { SaeTrainer } from '../sae/trainer.ts';
import { Charts } from './charts.ts';
import { describeData } from './data.ts';
import { modelSummary } from './describe.ts';
import { downloadCanvas } from './export.ts';
import { ModelViews } from './model-views.ts';
import { Notices } from './notices.ts';
import { FEATURE_VIEWS, type Stats, type ViewOptions } from './panel.ts';
import { formatSeconds, ProgressView } from './progress-view.ts';
import { RunStore } from './runs.ts';
import { RunsView } from './runs-view.ts';
import { SaeDashboard } from './sae-dashboard.ts';
import { SaeFeed, saeFigures } from './sae-feed.ts';
import { Session, type Progress, type RunState, type SessionView, type StepPoints } from './session.ts';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const fmt = (v: number) => (Number.isFinite(v) ? (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(5) : v.toExponential(3)) : String(v));
const tools = (name: string) => document.querySelector(`.chart-tools[data-chart="${name}"]`) as HTMLElement;

export class App implements SessionView {
  readonly session: Session;
  readonly stats: Stats = { state: 'idle', epoch: '–', step: '–', throughput: '–', eta: '–', loss: '–', test: '–', lr: '–', data: '' };
  readonly view: ViewOptions = { smoothing: 0.6, features: FEATURE_VIEWS[0] };
  readonly notices = new Notices($('notices'));
  readonly charts = new Charts({ loss: $('chart-loss'), test: $('chart-test'), lr: $('chart-lr') }, { loss: tools('loss'), test: tools('test'), lr: tools('lr') });
  readonly runs = new RunsView($('runs'), $('run-tools'), new RunStore(), (list) => this.charts.setOverlays(list));
  readonly sae = new SaeFeed(new SaeDashboard($('sae')));
  private readonly progressView = new ProgressView($('progress'));
  private readonly pictures = new ModelViews(this.view, () => this.shape, (m) => this.error(m));
  private live = new Map<number, StepRecord>(); // live records of the open epoch, by global step (checked at its end)
  onState: (s: RunState) => void = () => {};
  onBuilt: () => void = () => {};

  constructor(gpu: Gpu, cfg: TrainConfig, data: DataSplit, kernel: string) {
    this.session = new Session(gpu, cfg, data, this, kernel);
    this.stats.data = describeData(data);
    void this.runs.load();
    for (const b of document.querySelectorAll<HTMLButtonElement>('button.export-png')) {
      b.setAttribute('aria-label', `${b.dataset.canvas} as PNG`);
      b.onclick = () => downloadCanvas($<HTMLCanvasElement>(b.dataset.canvas!), `${b.dataset.canvas}.png`);
    }
  }

  get shape() {
    return { rows: this.session.data.train.rows, cols: this.session.data.train.cols };
  }

  built(e: Engine, fresh: boolean, history: EpochRow[]): void {
    const t = e instanceof Trainer ? e : null; // the MLP's views; a sparse autoencoder has the dashboard instead
    this.followSae(e instanceof SaeEngine ? e.trainer : null);
    for (const card of document.querySelectorAll<HTMLElement>('.mlp-only')) card.hidden = t === null; // an MLP's pictures and per-step curves (an SAE records none)
    this.charts.reset(this.session.cfg, e.globalStep, !fresh);
    this.live.clear();
    if (t) this.pictures.built(t, fresh);
    if (fresh) {
      Object.assign(this.stats, { loss: '–', test: '–', lr: '–', throughput: '–', eta: '–' }); // nothing stale
      $('log').textContent = '';
      this.runs.begin(this.session.cfg, hashFromConfig(this.session.cfg), describeData(this.session.data));
      this.replay(history);
    }
    $('model').textContent = t ? `${modelSummary(this.session.cfg)} · ${t.plan.paramFloats.toLocaleString('en')} parameter floats (padded) · ` +
      `${t.stepsPerEpoch} steps per epoch` : `${describeModel(this.session.cfg)} · ${e.stepsPerEpoch} steps per epoch`;
    this.stats.data = describeData(this.session.data);
    $('kernel-choice').textContent = !t ? 'The sparse autoencoder runs its own kernels (shaders/sae_*.wgsl).'
      : this.session.kernel === AUTO_KERNEL
        ? `Matmul variants chosen by timing each product on this adapter (forward / input gradient / weight gradient): ${kernelSummary(t.kernels.choices)}.`
        : `Matmul variant ${t.kernels.variantName} for every product.`;
    this.progress(this.session.progress());
    this.onBuilt();
  }

  /** The SAE dashboard follows a sparse autoencoder's trainer (its card shows), or hides for another model. */
  followSae(t: SaeTrainer | null): void {
    $('sae').hidden = t === null;
    if (t) this.sae.built(t);
    else this.sae.destroy();
  }

  progress(p: Progress): void {
    this.progressView.show(p, this.session.runState);
    this.stats.epoch = `${Math.min(p.epoch + 1, p.epochs)} / ${p.epochs}`;
    this.stats.step = `${p.globalStep} (${p.stepInEpoch}/${p.stepsPerEpoch} in epoch)`;
    this.stats.throughput = p.samplesPerSec > 0 ? Math.round(p.samplesPerSec).toLocaleString('en') : '–';
    this.stats.eta = this.session.runState === 'running' ? formatSeconds(p.etaSeconds) : '–';
  }

  steps(p: StepPoints): void {
    this.charts.steps(p.firstStep, p.records, this.session.cfg);
    p.records.forEach((r, i) => this.live.set(p.firstStep + i, r));
    const last = p.records[p.records.length - 1];
    if (last) {
      this.stats.loss = fmt(last.loss);
      this.stats.lr = last.lr.toExponential(4);
    }
  }

  /** Curves, log lines and run-list rows of epochs trained before (a loaded checkpoint's history). */
  private replay(history: EpochRow[]): void {
    const cfg = this.session.cfg;
    let step = 0;
    for (const row of history) {
      this.charts.steps(step, row.steps, cfg);
      step += row.steps.length;
      this.charts.epoch(row, cfg);
      this.runs.epoch(row, row.samples_per_s ?? 0, cfg, hashFromConfig(cfg));
      $('log').textContent += `${epochLine(row, cfg)}\n`;
    }
  }

  epoch(r: EpochResult & { cfg: TrainConfig }): void {
    const { metrics: m, snapshot: s, cfg, row } = r;
    // The epoch's own records are authoritative; the live copies of the same GPU memory must agree exactly.
    const records = m.steps.slice(r.firstRecord);
    records.forEach((rec, i) => {
      const seen = this.live.get(r.stepBase + r.firstRecord + i);
      if (seen && JSON.stringify(seen) !== JSON.stringify(rec)) {
        this.error(`live metrics disagree with the epoch's records at step ${r.stepBase + r.firstRecord + i}: ${JSON.stringify(seen)} vs ${JSON.stringify(rec)}`);
      }
    });
    this.live.clear();
    this.charts.steps(r.stepBase + r.firstRecord, records, cfg);
    this.charts.epoch(m, cfg);
    const figures = saeFigures(m);
    if (figures) this.sae.epoch(figures).catch((e: Error) => this.error(`SAE dashboard: ${e.message}`));
    if (s) this.evaluated({ metrics: m, snapshot: s, cfg, after: m.epoch + 1 });
    this.runs.epoch(row, row.samples_per_s ?? 0, cfg, hashFromConfig(cfg));
    $('log').textContent += `${epochLine(row, cfg)}\n`;
  }

  /** Pictures and test figures of an evaluation after `after` epochs: each epoch's, and a loaded checkpoint's. */
  evaluated(r: { metrics: EpochMetrics; snapshot: Snapshot; cfg: TrainConfig; after: number }): void {
    const { metrics: m, cfg } = r;
    this.stats.test = `${cfg.loss} ${fmt(m.test_loss)}${cfg.loss === 'mse' ? '' : ` · mse ${fmt(m.test_mse)}`}`;
    this.pictures.epoch(r.snapshot, m, cfg, this.session.trainer, r.after);
  }

  /** A view option changed: redraw from what is already here. */
  redrawViews(): void {
    this.charts.smoothing = this.view.smoothing;
    this.charts.redraw();
    this.pictures.drawFeatures();
  }

  state(s: RunState): void {
    this.stats.state = s;
    this.progressView.show(this.session.progress(), s);
    if (s !== 'running') this.stats.eta = '–';
    this.onState(s);
  }

  notice(message: string): void {
    this.notices.notice(message);
  }

  error(message: string): void {
    this.notices.error(message);
  }
}
