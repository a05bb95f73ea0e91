// Test page for the SAE feature dashboard: trains an SAE (TopK by default, ?kind= for the others) on the embedded
// digits (pixels / 255 as 784-d vectors) with SaeTrainer directly and feeds the dashboard through SaeFeed after each
// epoch, as the page's session will. Settings come from the query (?dSae=64&k=8&epochs=2&train=2000&test=500);
// tests/app-sae-dashboard.test.ts drives it.
import '../../src/app/style.css';
import { loadDigits } from '../../src/app/data.ts';
import { Notices } from '../../src/app/notices.ts';
import { SaeDashboard } from '../../src/app/sae-dashboard.ts';
import { SaeFeed } from '../../src/app/sae-feed.ts';
import { vectorsFromImages } from '../../src/data/image-vectors.ts';
import type { Matrix } from '../../src/data/npy.ts';
import type { SaeKind } from '../../src/ref/sae-kinds.ts';
import { acquireBrowserGpu } from '../../src/gpu/browser.ts';
import { SaeTrainer, type SaeConfig, type SaeMetrics } from '../../src/sae/trainer.ts';

declare global {
  interface Window { __sae?: { metrics: SaeMetrics[]; cfg: SaeConfig } }
}

const $ = (id: string) => document.getElementById(id) as HTMLElement;
const q = new URLSearchParams(location.search);
const num = (key: string, fallback: number) => Number(q.get(key) ?? fallback);

/** The first `n` rows. */
const first = (m: Matrix, n: number): Matrix => ({ rows: Math.min(n, m.rows), cols: m.cols, values: m.values.subarray(0, Math.min(n, m.rows) * m.cols) });

async function main(): Promise<void> {
  const gpu = await acquireBrowserGpu(['core', 'compatibility']);
  $('adapter').textContent = `${gpu.adapter.name} · ${gpu.adapter.featureLevel} feature level`;
  const all = vectorsFromImages(await loadDigits());
  const train = first(all.train, num('train', 2000)), test = first(all.test, num('test', 500));
  const data = { ...all, train, test, heldOut: `test split: the first ${test.rows} test digits` };
  const k = num('k', 8);
  const kind = (q.get('kind') ?? 'topk') as SaeKind;
  const cfg: SaeConfig = { kind, dSae: num('dSae', 64), k, kAux: 2 * k, auxWeight: 1 / 32, deadAfter: num('deadAfter', 1000), batch: num('batch', 128),
    epochs: num('epochs', 2), lr: num('lr', 2e-3), beta1: 0.9, beta2: 0.999, eps: 1e-7, seed: num('seed', 0), l0Weight: num('l0Weight', 1e-3),
    bandwidth: 0.05, l1Weight: num('l1Weight', 1e-3), thresholdInit: 0.01, bDecInit: 'mean' };
  $('model').textContent = `${kind} SAE · d_in ${data.dim} · d_sae ${cfg.dSae} · k ${k} · ${train.rows} train / ${test.rows} held-out digits`;
  const trainer = await SaeTrainer.create(gpu, cfg, data);
  const feed = new SaeFeed(new SaeDashboard($('sae')));
  feed.built(trainer);
  const metrics: SaeMetrics[] = [];
  window.__sae = { metrics, cfg };
  for (let e = 0; e < cfg.epochs; e++) {
    $('progress').textContent = `training epoch ${e + 1} / ${cfg.epochs}…`;
    const m = await trainer.trainEpoch();
    metrics.push(m);
    await feed.epoch(m);
    $('progress').textContent = `epoch ${e + 1} / ${cfg.epochs} done: L0 ${m.l0.toFixed(2)}, FVU ${m.fvu.toFixed(4)}`;
  }
  document.body.dataset.done = 'true';
}

main().catch((e: unknown) => new Notices($('notices')).error(`The test page failed: ${e instanceof Error ? e.message : String(e)}`));
