// The pictures of a model: reconstructions, learned features, code activity and the latent space, drawn from an
// evaluation's snapshot: each epoch's, or a loaded checkpoint's evaluation before it trains here.
import type { TrainConfig } from '../model/config.ts';
import type { EpochMetrics, Trainer } from '../train/trainer.ts';
import { LatentProbe } from '../train/latent.ts';
import { decoderBasis, featureDirections, inactiveCode, meanActivity, meanCode } from '../viz/features.ts';
import type { ImageShape } from '../viz/grid.ts';
import type { Snapshot } from '../train/snapshot.ts';
import { drawActivity, drawLifetime } from './histogram.ts';
import { LatentView } from './latent-view.ts';
import { FEATURE_VIEWS, type ViewOptions } from './panel.ts';
import { drawFeatures, drawReconstructions } from './pictures.ts';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const EMPTY: Record<string, string> = {
  'recon-caption': 'Test images beside their reconstructions appear after the first epoch.',
  'features-caption': 'What each code unit adds to the decoded image appears after the first epoch.',
  'activity-caption': "A histogram of each code unit's mean activity ρ̂ appears after the first epoch.",
};

export class ModelViews {
  private last: { snapshot: Snapshot; cfg: TrainConfig; epoch: number; metrics: EpochMetrics | null } | null = null;
  private probe: LatentProbe | null = null;
  private readonly latent = new LatentView($('latent'));
  // The test split's codes cost an evaluation pass: read them only while the latent card is on screen, and when it
  // comes into view read those of the latest epoch.
  private latentShown = false;
  private latentPending: (() => void) | null = null;

  constructor(private readonly view: ViewOptions, private readonly shape: () => ImageShape, private readonly error: (m: string) => void) {
    new ResizeObserver(() => this.drawActivity()).observe($('activity').parentElement!);
    new IntersectionObserver(([entry]) => {
      this.latentShown = entry.isIntersecting;
      if (this.latentShown && this.latentPending) { const read = this.latentPending; this.latentPending = null; read(); }
    }, { rootMargin: '200px' }).observe($('latent'));
  }

  /** A new trainer: a probe for its codes; with new weights, the pictures say what will appear (a loaded checkpoint's
   * evaluation arrives right after, through epoch()). */
  built(t: Trainer, fresh: boolean): void {
    this.probe?.destroy();
    this.probe = new LatentProbe(t);
    if (fresh) {
      this.last = null;
      for (const [id, text] of Object.entries(EMPTY)) $(id).textContent = text;
      for (const id of ['recon', 'features', 'activity', 'lifetime']) {
        const c = $<HTMLCanvasElement>(id);
        c.getContext('2d')!.clearRect(0, 0, c.width, c.height);
      }
    }
  }

  /** An evaluation's pictures after `after` epochs: at each epoch's end (after = m.epoch + 1), or of a loaded model
   * (its evaluation before it trains here: after = the epochs it trained). */
  epoch(s: Snapshot, m: EpochMetrics, cfg: TrainConfig, t: Trainer | null, after = m.epoch + 1): void {
    drawReconstructions($('recon'), s, this.shape());
    const loaded = after === m.epoch ? ` through the loaded model (trained ${after} epoch${after === 1 ? '' : 's'})` : '';
    $('recon-caption').textContent = `test images ${s.firstTestIndex + 1}–${s.firstTestIndex + Math.min(16, s.rows)} after epoch ${after},${loaded} ` +
      `evaluation mode: input${s.corrupted ? ' | corrupted input' : ''} | output`;
    this.last = { snapshot: s, cfg, epoch: after - 1, metrics: m };
    this.drawFeatures();
    this.drawActivity();
    if (t) this.readLatent(t, s, cfg, after - 1, loaded !== ''); // a loaded model's codes at once: one read
  }

  private readLatent(t: Trainer, s: Snapshot, cfg: TrainConfig, epoch: number, now = false): void {
    const probe = this.probe;
    if (!probe || probe.trainer !== t) return;
    if (!this.latentShown && !now) { this.latentPending = () => this.readLatent(t, s, cfg, epoch); return; }
    probe.read().then((codes) => {
      if (this.probe !== probe) return; // replaced meanwhile
      const test = t.data.test;
      this.latent.show({ codes, count: probe.count, z: probe.z, stride: probe.stride, labels: test.labels, images: test.images, shape: this.shape(),
        plan: s.plan, params: s.params, state: s.state, eps: cfg.batchNorm.eps, epoch });
    }, async (e: Error) => {
      // A lost device fails its pending reads before its `lost` promise settles: give that a moment to arrive.
      const lost = await Promise.race([t.gpu.device.lost.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 1000))]);
      if (this.probe === probe && !lost) this.error(`latent view: ${e.message}`);
    });
  }

  drawFeatures(): void {
    if (!this.last) return;
    const { snapshot: s, cfg, epoch } = this.last;
    const eps = cfg.batchNorm.eps;
    const z = s.plan.widths[s.plan.codeIndex];
    const [inactive, mean] = FEATURE_VIEWS;
    const basis = this.view.features === inactive ? featureDirections(s.plan, s.params, s.state, eps, inactiveCode(s.plan))
      : this.view.features === mean ? featureDirections(s.plan, s.params, s.state, eps, meanCode(s.plan, s.code, s.rows))
        : decoderBasis(s.plan, s.params, s.state, eps);
    drawFeatures($('features'), basis.images, basis.units, this.shape());
    const what = this.view.features === inactive
      ? `decoder(b with unit j on) − decoder(b), b = the all-inactive code (${s.plan.codeActivation.kind === 'tanh' ? '−1 for a tanh code' : '0'})`
      : this.view.features === mean ? 'decoder(b with unit j on) − decoder(b), b = the mean code of the test batch'
        : 'decoder(e_j), the raw one-hot decoding (other units at 0)';
    $('features-caption').textContent = `${what}, for ${basis.units === z ? 'each of the' : 'the first'} ${basis.units} code units j; ` +
      `evaluation mode, each tile stretched to its own range (after epoch ${epoch + 1}).`;
  }

  private drawActivity(): void {
    if (!this.last?.metrics) return;
    const { snapshot: s, metrics, cfg } = this.last;
    drawActivity($('activity'), $('activity-caption'), meanActivity(s.plan, s.code, s.rows), s.rows, metrics, cfg);
    drawLifetime($('lifetime'), metrics.lifetime_sparsity);
  }
}
