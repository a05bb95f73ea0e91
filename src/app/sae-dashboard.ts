// The SAE feature dashboard: live figures (L0, dead latents, FVU) each epoch; a grid of decoder atoms, sortable by
// firing density; and for the chosen latent its atom large, its firing density on the log10 histogram of all latents,
// and its top-activating held-out samples with their activations. It takes plain data (src/sae/inspect.ts's
// SaeInspection, the held-out vectors, the metrics), so it is tested without a trainer; src/app/sae-feed.ts feeds it.
import { NO_SAMPLE, type SaeInspection } from '../sae/inspect.ts';
import type { ImageShape } from '../viz/grid.ts';
import { el } from './dom.ts';
import {
  densityBins, densityFloor, drawDensityHistogram, gridMove, imageShapeFor, paintAtom, paintSample, percent, sortLatents, SORTS, trendPoints, type SortKey,
} from './sae-paint.ts';
import './sae-dashboard.css';

export interface SaeFeatures {
  epoch: number; // epochs trained
  inspection: SaeInspection;
  sample(i: number): ArrayLike<number>; // held-out vector i (d_in values; pixels in [0, 1] for images)
}

export interface SaeFigures { epoch: number; l0: number; deadFraction: number; fvu: number; explainedVariance: number; k?: number; dSae: number }

const TREND = { w: 120, h: 22 };
const PAGE = 256; // atoms drawn at once; "show more" adds a page

export class SaeDashboard {
  private data: SaeFeatures | null = null;
  private shape: ImageShape | null = null;
  private order: number[] = [];
  private shown = PAGE;
  private selected = 0;
  private readonly figures = el('dl', { className: 'sae-figures' });
  private readonly sort = el('select', { className: 'sae-sort' });
  private readonly grid = el('div', { className: 'sae-grid' });
  private readonly more = el('button', { type: 'button', className: 'sae-more', hidden: true });
  private readonly gridCaption = el('p', { className: 'caption' });
  private readonly detail = el('div', { className: 'sae-detail' });
  private redrawHistogram = () => {};
  private readonly history: SaeFigures[] = [];

  constructor(root: HTMLElement) {
    for (const [key, label] of Object.entries(SORTS)) this.sort.append(el('option', { value: key, textContent: label }));
    this.sort.setAttribute('aria-label', 'sort the atoms by');
    this.sort.onchange = () => { this.shown = PAGE; this.layout(); };
    this.grid.setAttribute('role', 'group');
    this.grid.onkeydown = (e) => this.key(e);
    this.more.onclick = () => { this.shown += PAGE; this.layout(); };
    const head = el('div', { className: 'card-head' }, el('h2', { id: 'h-sae', textContent: 'SAE features' }),
      el('label', { className: 'card-tools' }, 'sort ', this.sort));
    root.setAttribute('aria-labelledby', 'h-sae');
    root.replaceChildren(head, this.figures, el('div', { className: 'sae-body' },
      el('div', { className: 'sae-atoms' }, this.grid, this.more, this.gridCaption), this.detail));
    this.clear();
    new ResizeObserver(() => this.redrawHistogram()).observe(this.detail);
  }

  /** A new model: nothing to show until its first epoch. */
  clear(): void {
    this.data = null;
    this.selected = 0;
    this.history.length = 0;
    this.figures.replaceChildren();
    this.grid.replaceChildren(el('p', { className: 'empty', textContent:
      'After each epoch: every latent\'s decoder atom (its row of W_dec), sortable by how often it fires on the held-out split.' }));
    this.grid.setAttribute('aria-label', 'decoder atoms');
    this.more.hidden = true;
    this.gridCaption.textContent = '';
    this.redrawHistogram = () => {};
    this.detail.replaceChildren(el('p', { className: 'empty', textContent: 'Choose an atom to see its firing density and its top-activating held-out samples.' }));
  }

  /** The epoch's held-out figures (live: each epoch). */
  metrics(m: SaeFigures): void {
    if (this.history.length && this.history[this.history.length - 1].epoch >= m.epoch) this.history.length = 0; // rolled back or restarted
    this.history.push(m);
    const dead = Math.round(m.deadFraction * m.dSae);
    const item = (key: keyof SaeFigures | 'epoch', name: string, value: string, note: string) => {
      const pair = el('div', {}, el('dt', { textContent: name }), el('dd', {}, el('span', { className: 'value', textContent: value }),
        el('span', { className: 'note', textContent: note })));
      if (key !== 'epoch' && this.history.length > 1) pair.append(trend(this.history.map((h) => h[key] as number)));
      pair.dataset.figure = key === 'deadFraction' ? 'dead' : key;
      return pair;
    };
    this.figures.replaceChildren(item('epoch', 'epoch', String(m.epoch), 'figures on the held-out split'),
      item('l0', 'L0', m.l0.toFixed(2), `active latents per sample${m.k === undefined ? '' : ` (k = ${m.k})`}`),
      item('deadFraction', 'dead latents', `${dead.toLocaleString('en')} / ${m.dSae.toLocaleString('en')}`, `${percent(m.deadFraction)} silent through the dead window`),
      item('fvu', 'FVU', m.fvu.toFixed(4), `explained variance ${(100 * m.explainedVariance).toFixed(1)}%`));
  }

  /** An inspection of the current parameters: redraws the grid (keeping the chosen latent and the focus) and detail. */
  show(d: SaeFeatures): void {
    const hadFocus = this.grid.contains(document.activeElement);
    if (this.data?.inspection.dSae !== d.inspection.dSae) this.selected = 0;
    this.data = d;
    this.shape = imageShapeFor(d.inspection.dIn);
    this.layout();
    this.select(this.selected, hadFocus);
  }

  private layout(): void {
    const d = this.data;
    if (!d) return;
    const ins = d.inspection;
    this.order = sortLatents(ins.density, this.sort.value as SortKey);
    const count = Math.min(this.shown, ins.dSae);
    this.grid.replaceChildren(...this.order.slice(0, count).map((j) => this.tile(j)));
    this.grid.classList.toggle('bars', !this.shape);
    this.grid.setAttribute('aria-label', `decoder atoms of ${ins.dSae} latents, sorted by ${SORTS[this.sort.value as SortKey]}; arrow keys move`);
    this.more.hidden = count >= ins.dSae;
    this.more.textContent = `show ${Math.min(PAGE, ins.dSae - count)} more of ${ins.dSae.toLocaleString('en')}`;
    const dead = ins.sinceFired.filter((c) => c >= ins.deadAfter).length;
    this.gridCaption.textContent = `${count === ins.dSae ? 'All' : `${count} of`} ${ins.dSae.toLocaleString('en')} decoder atoms after epoch ${d.epoch}, ` +
      `${this.shape ? 'each a 28×28 image' : 'each a bar per input dimension'} scaled to its largest |weight| (blue negative, red positive); ` +
      `the strip under each is its log10 firing density on ${ins.samples.toLocaleString('en')} held-out samples. ${dead} dead (outlined red).`;
    this.markSelected(false);
  }

  private tile(j: number): HTMLButtonElement {
    const ins = this.data!.inspection;
    const canvas = el('canvas', { className: 'sae-atom-canvas' });
    paintAtom(canvas, ins.atoms.subarray(j * ins.dIn, (j + 1) * ins.dIn), this.shape);
    const meter = el('span', { className: 'sae-density' });
    const lo = densityFloor(ins.samples);
    meter.style.width = `${ins.density[j] > 0 ? Math.max(4, 100 * (1 - Math.log10(ins.density[j]) / lo)) : 0}%`;
    const dead = ins.sinceFired[j] >= ins.deadAfter;
    const b = el('button', { type: 'button', className: `sae-atom${dead ? ' dead' : ''}`, tabIndex: -1 }, canvas, meter,
      el('span', { className: 'sae-index', textContent: String(j) }));
    b.dataset.latent = String(j);
    b.setAttribute('aria-label', `latent ${j}: fires on ${percent(ins.density[j])} of held-out samples${dead ? ', dead' : ''}`);
    b.onclick = () => this.select(j, false);
    return b;
  }

  private tiles(): HTMLButtonElement[] {
    return [...this.grid.querySelectorAll<HTMLButtonElement>('button.sae-atom')];
  }

  private key(e: KeyboardEvent): void {
    const tiles = this.tiles();
    const at = tiles.indexOf(document.activeElement as HTMLButtonElement);
    if (at < 0) return;
    const top = tiles[0].offsetTop;
    const cols = Math.max(1, tiles.findIndex((t) => t.offsetTop !== top) < 0 ? tiles.length : tiles.findIndex((t) => t.offsetTop !== top));
    const to = gridMove(at, e.key, tiles.length, cols);
    if (to === null) return;
    e.preventDefault();
    this.select(Number(tiles[to].dataset.latent), true);
  }

  /** Choose latent `j`: one tab stop on its tile (roving tabindex), its detail drawn; `focus` moves the focus there. */
  private select(j: number, focus: boolean): void {
    const d = this.data;
    if (!d) return;
    this.selected = j;
    this.markSelected(focus);
    this.drawDetail(d, j);
  }

  private markSelected(focus: boolean): void {
    const tiles = this.tiles();
    const current = tiles.find((t) => Number(t.dataset.latent) === this.selected) ?? tiles[0];
    for (const t of tiles) {
      t.tabIndex = t === current ? 0 : -1;
      if (t === current) t.setAttribute('aria-current', 'true');
      else t.removeAttribute('aria-current');
    }
    if (focus) current?.focus();
  }

  private drawDetail(d: SaeFeatures, j: number): void {
    const ins = d.inspection;
    const dead = ins.sinceFired[j] >= ins.deadAfter;
    const hist = el('canvas', { className: 'plot sae-hist' });
    hist.setAttribute('role', 'img');
    hist.setAttribute('aria-label', `log10 firing densities of all ${ins.dSae} latents, latent ${j} marked`);
    this.detail.replaceChildren(el('h3', { textContent: `Latent ${j}` }, dead ? el('span', { className: 'sae-badge', textContent: 'dead' }) : ''),
      el('div', { className: 'sae-detail-row' }, atomFigure(ins, j, this.shape), el('div', { className: 'sae-density-box' }, densityText(ins, j), hist)),
      el('h4', { textContent: `Top ${Math.min(ins.topN, ins.fired[j])} activating held-out samples` }), topSamples(d, j, this.shape));
    const bins = densityBins(ins.density, ins.samples);
    this.redrawHistogram = () => drawDensityHistogram(hist, bins, ins.density[j]);
    this.redrawHistogram();
  }
}

const counted = (n: number) => n.toLocaleString('en');

/** Latent j's atom large, with its colour bar and its norm. */
function atomFigure(ins: SaeInspection, j: number, shape: ImageShape | null): HTMLElement {
  const row = ins.atoms.subarray(j * ins.dIn, (j + 1) * ins.dIn);
  const big = el('canvas', { className: 'sae-atom-large' });
  big.setAttribute('role', 'img');
  const m = paintAtom(big, row, shape);
  big.setAttribute('aria-label', `decoder atom of latent ${j}, weights from −${m.toPrecision(3)} (blue) to +${m.toPrecision(3)} (red)`);
  const legend = el('div', { className: 'sae-colorbar' }, el('span', { textContent: `−${m.toPrecision(2)}` }), el('i'),
    el('span', { textContent: `+${m.toPrecision(2)}` }));
  const norm = Math.hypot(...row);
  return el('figure', { className: 'sae-atom-figure' }, big, legend,
    el('figcaption', { className: 'caption', textContent: `W_dec row ${j}, norm ${norm.toPrecision(3)}` }));
}

/** How often latent j fires on the held-out split, and when it last fired in training. */
function densityText(ins: SaeInspection, j: number): HTMLElement {
  const dead = ins.sinceFired[j] >= ins.deadAfter;
  const fires = ins.fired[j] > 0
    ? `fires on ${percent(ins.density[j])} of held-out samples (${counted(ins.fired[j])} of ${counted(ins.samples)}), ` +
      `log10 density ${Math.log10(ins.density[j]).toFixed(2).replace('-', '−')}`
    : `fired on none of the ${counted(ins.samples)} held-out samples`;
  const p = el('p', { className: 'sae-density-text' }, fires, el('br'),
    `${dead ? 'dead: ' : ''}last fired ${counted(ins.sinceFired[j])} training samples ago (dead after ${counted(ins.deadAfter)})`);
  p.dataset.density = String(ins.density[j]);
  return p;
}

/** Latent j's top-activating held-out samples, highest first, each with its activation and index. */
function topSamples(d: SaeFeatures, j: number, shape: ImageShape | null): HTMLElement {
  const ins = d.inspection;
  const top = el('div', { className: 'sae-top' });
  for (let t = 0; t < ins.topN; t++) {
    const i = ins.topIndex[j * ins.topN + t];
    if (i === NO_SAMPLE) break;
    const c = el('canvas', { className: 'sae-sample' });
    paintSample(c, d.sample(i), shape);
    c.setAttribute('role', 'img');
    const v = ins.topValue[j * ins.topN + t];
    c.setAttribute('aria-label', `held-out sample ${i}, activation ${v.toPrecision(3)}`);
    top.append(el('figure', {}, c, el('figcaption', {}, el('span', { className: 'act', textContent: v.toPrecision(3) }),
      el('span', { textContent: ` #${i}` }))));
  }
  if (!top.childElementCount) top.append(el('p', { className: 'empty', textContent: 'No held-out sample activates this latent.' }));
  return top;
}

/** A figure's values over the epochs as a small line (decorative: the value beside it says the same). */
function trend(values: number[]): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${TREND.w} ${TREND.h}`);
  svg.setAttribute('class', 'sae-trend');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('preserveAspectRatio', 'none');
  const line = document.createElementNS(ns, 'polyline');
  line.setAttribute('points', trendPoints(values, TREND.w, TREND.h));
  svg.append(line);
  return svg;
}
