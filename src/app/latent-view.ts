// The latent-space card: every test image's code projected on its two principal components (recomputed each
// epoch), coloured by label, with the image under the pointer; an interpolation strip between two chosen test
// images (decoded on the CPU from the epoch's parameter copy); and sliders that edit the first image's code along
// its most variable units and decode it live.
import type { Plan } from '../model/plan.ts';
import { decode } from '../viz/features.ts';
import { blankImage, paintTiles, type ImageShape } from '../viz/grid.ts';
import type { Projection } from '../viz/pca.ts';
import type { PcaRequest } from './pca-worker.ts';
import { el, swatch } from './dom.ts';
import { paintGray } from './pictures.ts';

export const LABEL_COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#79706e'];
const STRIP = 9; // images in the interpolation strip, ends included
const SLIDERS = 8;

export interface LatentInput {
  codes: Float32Array; count: number; z: number; stride: number; // (count, stride) codes of the test split
  labels: Uint8Array | null; images: Uint8Array; shape: ImageShape; // the test split
  plan: Plan; params: Float32Array; state: Float32Array; eps: number; epoch: number;
}


export class LatentView {
  private input: LatentInput | null = null;
  private proj: Projection | null = null;
  private readonly plot = el('canvas', { id: 'latent-plot', className: 'plot latent-plot', tabIndex: 0 });
  private readonly tip = el('div', { className: 'latent-tip' });
  private readonly tipImage = el('canvas', { width: 28, height: 28 });
  private readonly tipText = el('span');
  private readonly caption = el('p', { className: 'caption' });
  private readonly swatches = el('div', { className: 'legend-swatches' });
  private readonly from = el('input', { type: 'number', min: '1', value: '1' });
  private readonly to = el('input', { type: 'number', min: '1', value: '2' });
  private readonly strip = el('canvas', { id: 'latent-strip', className: 'pixels latent-strip', width: 1, height: 1 });
  private readonly edited = el('canvas', { id: 'latent-edit', className: 'pixels latent-edit', width: 28, height: 28 });
  private readonly sliders = el('div', { className: 'sliders' });
  private code: Float64Array | null = null; // the hand-edited code

  constructor(private readonly root: HTMLElement) {
    this.plot.setAttribute('role', 'img');
    this.plot.setAttribute('aria-label', 'test codes on their two principal components');
    this.from.setAttribute('aria-label', 'interpolate from test image number');
    this.to.setAttribute('aria-label', 'interpolate to test image number');
    this.from.dataset.latent = 'from';
    this.to.dataset.latent = 'to';
    this.strip.setAttribute('role', 'img');
    this.strip.setAttribute('aria-label', 'decoded interpolation between the two test images');
    this.edited.setAttribute('role', 'img');
    this.edited.setAttribute('aria-label', 'decoded edited code');
    this.from.onchange = () => { this.resetCode(); this.drawStrip(); };
    this.to.onchange = () => this.drawStrip();
    this.plot.onmousemove = (e) => this.hover(e);
    this.plot.onmouseleave = () => { this.tip.style.display = 'none'; };
    this.plot.onclick = (e) => this.pick(e);
    this.tip.append(this.tipImage, this.tipText);
    new ResizeObserver(() => this.drawPlot()).observe(root);
  }

  private worker: Worker | null = null;
  private requests = 0;

  /** The principal components of `input`'s codes, computed in a worker so the page never stalls on them. */
  private project(input: LatentInput): Promise<Projection> {
    this.worker ??= new Worker(new URL('./pca-worker.ts', import.meta.url), { type: 'module' });
    const worker = this.worker;
    const id = ++this.requests;
    const codes = Float32Array.from(input.codes as ArrayLike<number>);
    return new Promise((resolve, reject) => {
      const reply = (e: MessageEvent<{ id: number; proj?: Projection; error?: string }>) => {
        if (e.data.id !== id) return;
        worker.removeEventListener('message', reply);
        if (e.data.proj) resolve(e.data.proj);
        else reject(new Error(e.data.error ?? 'the PCA worker failed'));
      };
      worker.addEventListener('message', reply);
      worker.postMessage({ id, codes, count: input.count, z: input.z, stride: input.stride } satisfies PcaRequest, [codes.buffer]);
    });
  }

  show(input: LatentInput): void {
    this.input = input;
    this.project(input).then((proj) => { if (this.input === input) this.draw(input, proj); },
      (e: Error) => { if (this.input === input) this.caption.textContent = `latent view: ${e.message}`; });
  }

  private draw(input: LatentInput, proj: Projection): void {
    const first = this.proj === null;
    this.proj = proj;
    for (const box of [this.from, this.to]) box.max = String(input.count);
    if (first) {
      this.root.replaceChildren(el('div', { className: 'latent-wrap' }, this.plot, this.tip), this.swatches, this.caption,
        el('h3', { className: 'caption' }, 'Interpolation: decoder((1 − t)·code(A) + t·code(B))'),
        el('div', { className: 'latent-row' }, el('label', {}, 'A: test # ', this.from), el('label', {}, 'B: test # ', this.to)), this.strip,
        el('h3', { className: 'caption' }, "Edit A's code (its most variable units) and decode it"),
        el('div', { className: 'latent-row' }, this.edited, this.sliders));
    }
    const [v1, v2] = this.proj.variance;
    const share = (v: number) => `${((100 * v) / Math.max(1e-12, this.proj!.totalVariance)).toFixed(0)}%`;
    this.caption.textContent = `${input.count.toLocaleString('en')} test codes after epoch ${input.epoch + 1}, evaluation mode, on principal ` +
      `components 1 (${share(v1)} of the variance) and 2 (${share(v2 ?? 0)}); ${input.labels ? 'colour: label' : 'no labels in this data set'}. ` +
      'Hover for the image, click to choose A (shift-click: B).';
    this.swatches.replaceChildren(...(input.labels ? LABEL_COLORS.map((c, i) => el('span', {}, swatch('', c), String(i))) : []));
    this.resetCode();
    this.drawPlot();
    this.drawStrip();
  }

  private index(box: HTMLInputElement): number {
    const n = this.input?.count ?? 1;
    return Math.min(n, Math.max(1, Math.round(Number(box.value)) || 1)) - 1;
  }

  private codeOf(i: number): Float64Array {
    const { codes, z, stride } = this.input!;
    return Float64Array.from(codes.subarray(i * stride, i * stride + z));
  }

  private decodeRows(codes: Float64Array, rows: number): Float64Array {
    const { plan, params, state, eps } = this.input!;
    return decode(plan, params, state, codes, rows, eps);
  }

  private drawPlot(): void {
    const p = this.proj;
    const input = this.input;
    if (!p || !input) return;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(200, this.root.clientWidth);
    const h = Math.round(Math.min(320, w * 0.7));
    this.plot.style.height = `${h}px`;
    this.plot.width = Math.round(w * dpr);
    this.plot.height = Math.round(h * dpr);
    const ctx = this.plot.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const at = this.scale(w, h);
    for (let i = 0; i < input.count; i++) {
      ctx.fillStyle = input.labels ? LABEL_COLORS[input.labels[i] % 10] : '#4e79a7';
      const [x, y] = at(i);
      ctx.fillRect(x - 1.5, y - 1.5, 3, 3);
    }
    for (const [box, name] of [[this.from, 'A'], [this.to, 'B']] as const) {
      const [x, y] = at(this.index(box));
      ctx.strokeStyle = getComputedStyle(document.documentElement).getPropertyValue('--text');
      ctx.lineWidth = 2;
      ctx.strokeRect(x - 5, y - 5, 10, 10);
      ctx.fillStyle = ctx.strokeStyle;
      ctx.font = '12px system-ui, sans-serif';
      ctx.fillText(name, x + 7, y - 6);
    }
  }

  /** Point i's position in CSS pixels in a w × h plot (8 px margins). */
  private scale(w: number, h: number): (i: number) => [number, number] {
    const xy = this.proj!.xy;
    const n = this.input!.count;
    let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (let i = 0; i < n; i++) { x0 = Math.min(x0, xy[2 * i]); x1 = Math.max(x1, xy[2 * i]); y0 = Math.min(y0, xy[2 * i + 1]); y1 = Math.max(y1, xy[2 * i + 1]); }
    const m = 8;
    const sx = (w - 2 * m) / Math.max(1e-12, x1 - x0);
    const sy = (h - 2 * m) / Math.max(1e-12, y1 - y0);
    return (i) => [m + (xy[2 * i] - x0) * sx, h - m - (xy[2 * i + 1] - y0) * sy];
  }

  private nearest(e: MouseEvent): number | null {
    if (!this.proj || !this.input) return null;
    const r = this.plot.getBoundingClientRect();
    const at = this.scale(r.width, r.height);
    let best = -1;
    let bestD = 64; // within 8 px
    for (let i = 0; i < this.input.count; i++) {
      const [x, y] = at(i);
      const d = (x - (e.clientX - r.left)) ** 2 + (y - (e.clientY - r.top)) ** 2;
      if (d < bestD) { bestD = d; best = i; }
    }
    return best < 0 ? null : best;
  }

  private hover(e: MouseEvent): void {
    const i = this.nearest(e);
    if (i === null) { this.tip.style.display = 'none'; return; }
    const { images, shape, labels } = this.input!;
    const px = shape.rows * shape.cols;
    const img = blankImage(shape.cols, shape.rows);
    paintTiles(img, Float64Array.from(images.subarray(i * px, (i + 1) * px), (v) => v / 255), 1, px, shape, 1, { x: 0, y: 0 }, 'unit', 0);
    paintGray(this.tipImage, img);
    this.tipText.textContent = `#${i + 1}${labels ? ` · label ${labels[i]}` : ''}`;
    const r = this.plot.getBoundingClientRect();
    this.tip.style.display = 'block';
    this.tip.style.left = `${Math.min(r.width - 70, e.clientX - r.left + 12)}px`;
    this.tip.style.top = `${Math.max(0, e.clientY - r.top - 70)}px`;
  }

  private pick(e: MouseEvent): void {
    const i = this.nearest(e);
    if (i === null) return;
    (e.shiftKey ? this.to : this.from).value = String(i + 1);
    if (!e.shiftKey) this.resetCode();
    this.drawPlot();
    this.drawStrip();
  }

  private drawStrip(): void {
    if (!this.input) return;
    const { z, shape } = this.input;
    const a = this.codeOf(this.index(this.from));
    const b = this.codeOf(this.index(this.to));
    const codes = new Float64Array(STRIP * z);
    for (let s = 0; s < STRIP; s++) for (let j = 0; j < z; j++) codes[s * z + j] = a[j] + ((b[j] - a[j]) * s) / (STRIP - 1);
    const out = this.decodeRows(codes, STRIP);
    const img = blankImage(STRIP * (shape.cols + 1) - 1, shape.rows);
    paintTiles(img, out, STRIP, this.input.plan.inputDim, shape, STRIP, { x: 0, y: 0 }, 'unit');
    paintGray(this.strip, img);
    this.drawPlot();
  }

  /** Sliders for A's code along the units that vary most over the test split, each over that unit's range. */
  private resetCode(): void {
    if (!this.input) return;
    const { codes, count, z, stride } = this.input;
    const lo = new Float64Array(z).fill(Infinity);
    const hi = new Float64Array(z).fill(-Infinity);
    const sum = new Float64Array(z);
    const sq = new Float64Array(z);
    for (let i = 0; i < count; i++) for (let j = 0; j < z; j++) {
      const v = codes[i * stride + j];
      lo[j] = Math.min(lo[j], v); hi[j] = Math.max(hi[j], v); sum[j] += v; sq[j] += v * v;
    }
    const variance = (j: number) => sq[j] / count - (sum[j] / count) ** 2;
    const units = Array.from({ length: z }, (_, j) => j).sort((x, y) => variance(y) - variance(x)).slice(0, SLIDERS);
    this.code = this.codeOf(this.index(this.from));
    const code = this.code;
    this.sliders.replaceChildren(...units.flatMap((j) => {
      const out = el('output', {}, code[j].toFixed(2));
      const range = el('input', { type: 'range', min: String(lo[j]), max: String(hi[j]), step: String((hi[j] - lo[j]) / 100 || 0.01), value: String(code[j]) });
      range.setAttribute('aria-label', `code unit ${j}`);
      range.oninput = () => { code[j] = Number(range.value); out.textContent = code[j].toFixed(2); this.drawEdited(); };
      return [el('span', {}, `unit ${j}`), range, out];
    }));
    this.drawEdited();
  }

  private drawEdited(): void {
    if (!this.input || !this.code) return;
    const { shape } = this.input;
    const img = blankImage(shape.cols, shape.rows);
    paintTiles(img, this.decodeRows(this.code, 1), 1, this.input.plan.inputDim, shape, 1, { x: 0, y: 0 }, 'unit', 0);
    paintGray(this.edited, img);
  }
}
