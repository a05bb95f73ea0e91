// Feeds the SAE dashboard from a training SaeTrainer: an inspector per trainer, and after each epoch the metrics at
// once (live figures) then the inspection of the new parameters (atoms, densities, top samples).
import type { EpochMetrics } from '../train/metrics.ts';
import type { SaeTrainer } from '../sae/trainer.ts';
import { ranksLatents } from '../ref/sae-kinds.ts';
import { SaeInspector } from '../sae/inspect.ts';
import type { SaeDashboard, SaeFigures } from './sae-dashboard.ts';

type EpochFigures = Omit<SaeFigures, 'k' | 'dSae'>; // SaeTrainer's SaeMetrics have these fields

export class SaeFeed {
  private inspector: Promise<SaeInspector> | null = null;

  constructor(private readonly dashboard: SaeDashboard, private readonly topN = 9) {}

  /** A new trainer (new model or rebuilt): the dashboard empties until its first epoch. */
  built(t: SaeTrainer): void {
    void this.inspector?.then((i) => i.destroy(), () => {});
    this.inspector = SaeInspector.create(t, this.topN);
    this.dashboard.clear();
  }

  /** After an epoch's evaluation; resolves once the dashboard shows the new parameters. */
  async epoch(m: EpochFigures): Promise<void> {
    const pending = this.inspector;
    if (!pending) throw new Error('SaeFeed.epoch before SaeFeed.built: give the feed its trainer first');
    const inspector = await pending;
    const t = inspector.trainer;
    this.dashboard.metrics({ ...m, k: ranksLatents(t.cfg.kind) ? t.cfg.k : undefined, dSae: t.layout.dSae });
    const inspection = await inspector.read();
    if (this.inspector !== pending) return; // replaced meanwhile
    const { values, cols } = t.data.test;
    this.dashboard.show({ epoch: m.epoch, inspection, sample: (i) => values.subarray(i * cols, (i + 1) * cols) });
  }

  destroy(): void {
    void this.inspector?.then((i) => i.destroy(), () => {});
    this.inspector = null;
  }
}

/** The figures of a Run's epoch (EpochMetrics.sae; epochs counted from 1 as SaeMetrics count them), or null for a
 * model that is not a sparse autoencoder. */
export function saeFigures(m: EpochMetrics): EpochFigures | null {
  const s = m.sae;
  return s && { epoch: m.epoch + 1, l0: s.l0, deadFraction: s.dead_fraction, fvu: s.fvu, explainedVariance: s.explained_variance };
}
