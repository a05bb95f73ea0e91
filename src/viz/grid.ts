// Image grids as grayscale u8 pictures, DOM-free: the reconstruction grid of a fixed test batch (input | corrupted |
// output) and the learned-feature grid (the decoder basis). The page paints them on canvases, the CLI writes PNGs.
import { pad4 } from '../model/plan.ts';
import type { Snapshot } from '../train/snapshot.ts';

export interface ImageShape { rows: number; cols: number }
/** One channel, row-major, 0 = black, 255 = white. */
export interface GrayImage { width: number; height: number; pixels: Uint8Array }

const BACKGROUND = 255;
export const RECON_COLUMNS = 8;
export const RECON_SAMPLES = 16;

export function blankImage(width: number, height: number): GrayImage {
  return { width, height, pixels: new Uint8Array(width * height).fill(BACKGROUND) };
}

/** Paint `count` images from `src` (image i at i·stride) as a grid of `gridCols` columns, `gap` pixels apart, with
 * its top-left corner at `origin`. `range`: 'unit' clamps [0, 1] to black..white; 'tile' stretches each image's own
 * min..max. */
export function paintTiles(img: GrayImage, src: ArrayLike<number>, count: number, stride: number, shape: ImageShape,
  gridCols: number, origin: { x: number; y: number }, range: 'unit' | 'tile', gap = 1): void {
  const { rows, cols } = shape;
  for (let i = 0; i < count; i++) {
    let lo = 0;
    let hi = 1;
    if (range === 'tile') {
      lo = Infinity;
      hi = -Infinity;
      for (let p = 0; p < rows * cols; p++) { const v = src[i * stride + p]; lo = Math.min(lo, v); hi = Math.max(hi, v); }
      if (!(hi > lo)) hi = lo + 1;
    }
    const x0 = origin.x + (i % gridCols) * (cols + gap);
    const y0 = origin.y + Math.floor(i / gridCols) * (rows + gap);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const v = (src[i * stride + r * cols + c] - lo) / (hi - lo);
        img.pixels[(y0 + r) * img.width + x0 + c] = Math.round(Math.min(1, Math.max(0, v)) * 255);
      }
    }
  }
}

/** Reconstruction grid: groups of RECON_COLUMNS samples, each group a row of inputs, of corrupted inputs (when
 * denoising) and of outputs; the first `samples` rows of the snapshot's batch. */
export function reconstructionGrid(s: Pick<Snapshot, 'plan' | 'rows' | 'input' | 'corrupted' | 'output'>, shape: ImageShape,
  samples = RECON_SAMPLES): GrayImage {
  const n = Math.min(samples, s.rows);
  const stride = pad4(s.plan.inputDim);
  const layers = s.corrupted ? [s.input, s.corrupted, s.output] : [s.input, s.output];
  const groups = Math.ceil(n / RECON_COLUMNS);
  const cell = { w: shape.cols + 1, h: shape.rows + 1 };
  const groupGap = 4;
  const img = blankImage(RECON_COLUMNS * cell.w - 1, groups * (layers.length * cell.h + groupGap) - groupGap - 1);
  for (let g = 0; g < groups; g++) {
    const first = g * RECON_COLUMNS;
    const count = Math.min(RECON_COLUMNS, n - first);
    const y0 = g * (layers.length * cell.h + groupGap);
    layers.forEach((src, k) => paintTiles(img, src.subarray(first * stride), count, stride, shape, RECON_COLUMNS, { x: 0, y: y0 + k * cell.h }, 'unit'));
  }
  return img;
}

/** Feature grid: one tile per code unit in a near-square grid, each stretched to its own range so faint structure
 * shows. `images` is (units, rows·cols). */
export function featureGrid(images: ArrayLike<number>, units: number, shape: ImageShape): GrayImage {
  const gridCols = Math.ceil(Math.sqrt(units));
  const gridRows = Math.ceil(units / gridCols);
  const img = blankImage(gridCols * (shape.cols + 1) - 1, gridRows * (shape.rows + 1) - 1);
  paintTiles(img, images, units, shape.rows * shape.cols, shape, gridCols, { x: 0, y: 0 }, 'tile');
  return img;
}

/** Place pictures side by side, `gap` background pixels apart, tops aligned (e.g. one grid per experiment run). */
export function besideEachOther(images: GrayImage[], gap = 8): GrayImage {
  const out = blankImage(images.reduce((w, m) => w + m.width, 0) + gap * Math.max(0, images.length - 1), Math.max(0, ...images.map((m) => m.height)));
  let x0 = 0;
  for (const m of images) {
    for (let y = 0; y < m.height; y++) out.pixels.set(m.pixels.subarray(y * m.width, (y + 1) * m.width), y * out.width + x0);
    x0 += m.width + gap;
  }
  return out;
}
