// Image grids on 2D canvases: the reconstruction grid of a fixed test batch (input | corrupted | output) and the
// learned-feature grid (the decoder basis). One image pixel is one canvas pixel; CSS scales them up, pixelated.
import { pad4 } from '../model/plan.ts';
import type { Snapshot } from './snapshot.ts';

export interface ImageShape { rows: number; cols: number }

/** Draw `count` images from `src` (image i at i·stride) into a grid of `gridCols` columns, `gap` pixels apart.
 * `range`: 'unit' clamps [0, 1] to black..white; 'tile' stretches each image's own min..max. */
export function drawTiles(ctx: CanvasRenderingContext2D, src: ArrayLike<number>, count: number, stride: number, shape: ImageShape,
  gridCols: number, origin: { x: number; y: number }, range: 'unit' | 'tile', gap = 1): void {
  const { rows, cols } = shape;
  const img = ctx.createImageData(cols, rows);
  for (let i = 0; i < count; i++) {
    let lo = 0;
    let hi = 1;
    if (range === 'tile') {
      lo = Infinity;
      hi = -Infinity;
      for (let p = 0; p < rows * cols; p++) { const v = src[i * stride + p]; lo = Math.min(lo, v); hi = Math.max(hi, v); }
      if (!(hi > lo)) hi = lo + 1;
    }
    for (let p = 0; p < rows * cols; p++) {
      const v = Math.round(Math.min(1, Math.max(0, (src[i * stride + p] - lo) / (hi - lo))) * 255);
      img.data[4 * p] = img.data[4 * p + 1] = img.data[4 * p + 2] = v;
      img.data[4 * p + 3] = 255;
    }
    const gx = i % gridCols;
    const gy = Math.floor(i / gridCols);
    ctx.putImageData(img, origin.x + gx * (cols + gap), origin.y + gy * (rows + gap));
  }
}

export const RECON_COLUMNS = 8;
export const RECON_SAMPLES = 16;

/** Reconstruction grid: groups of RECON_COLUMNS samples, each group a row of inputs, of corrupted inputs (when
 * denoising) and of outputs; the same test images every epoch. */
export function drawReconstructions(canvas: HTMLCanvasElement, s: Snapshot, shape: ImageShape): void {
  const n = Math.min(RECON_SAMPLES, s.rows);
  const stride = pad4(s.plan.inputDim);
  const rowsPer = s.corrupted ? 3 : 2;
  const groups = Math.ceil(n / RECON_COLUMNS);
  const cell = { w: shape.cols + 1, h: shape.rows + 1 };
  const groupGap = 4;
  canvas.width = RECON_COLUMNS * cell.w - 1;
  canvas.height = groups * (rowsPer * cell.h + groupGap) - groupGap - 1;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  for (let g = 0; g < groups; g++) {
    const first = g * RECON_COLUMNS;
    const count = Math.min(RECON_COLUMNS, n - first);
    const y0 = g * (rowsPer * cell.h + groupGap);
    const layers = s.corrupted ? [s.input, s.corrupted, s.output] : [s.input, s.output];
    layers.forEach((src, k) => drawTiles(ctx, src.subarray(first * stride), count, stride, shape, RECON_COLUMNS, { x: 0, y: y0 + k * cell.h }, 'unit'));
  }
}

/** Feature grid: one tile per code unit, each stretched to its own range so faint structure shows. */
export function drawFeatures(canvas: HTMLCanvasElement, images: Float64Array, units: number, shape: ImageShape): void {
  const gridCols = Math.ceil(Math.sqrt(units));
  const gridRows = Math.ceil(units / gridCols);
  canvas.width = gridCols * (shape.cols + 1) - 1;
  canvas.height = gridRows * (shape.rows + 1) - 1;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  drawTiles(ctx, images, units, shape.rows * shape.cols, shape, gridCols, { x: 0, y: 0 }, 'tile');
}
