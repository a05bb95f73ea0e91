// Sharpness of reconstructions, for seed 001's "MSE is blurry, BCE is sharper": the images' gradient energy (squared
// finite differences between neighbouring pixels) of the reconstructions over that of the inputs, on the whole test
// split. 1 = as much edge energy as the inputs; below 1 = blurrier. Codes come from the GPU (LatentProbe's evaluation
// pass), the decoder runs on the CPU in float64 (src/viz/features.ts).
import type { ImageShape } from '../viz/grid.ts';
import { decode } from '../viz/features.ts';
import { LatentProbe } from '../train/latent.ts';
import type { Trainer } from '../train/trainer.ts';

/** Σ over `count` images (image i at i·stride, each value × `scale`) of Σ_(r,c) (x[r,c+1] − x[r,c])² +
 * (x[r+1,c] − x[r,c])²: horizontal and vertical forward differences inside the image, no wrap-around. */
export function gradientEnergySum(images: ArrayLike<number>, count: number, stride: number, shape: ImageShape, scale = 1): number {
  const { rows, cols } = shape;
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const o = i * stride;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const v = images[o + r * cols + c];
        if (c + 1 < cols) { const dx = (images[o + r * cols + c + 1] - v) * scale; sum += dx * dx; }
        if (r + 1 < rows) { const dy = (images[o + (r + 1) * cols + c] - v) * scale; sum += dy * dy; }
      }
    }
  }
  return sum;
}

/** The sharpness ratio: reconstructions' gradient energy over the inputs' (u8 pixels, /255), summed over all images. */
export function sharpnessRatio(recon: ArrayLike<number>, reconStride: number, inputs: Uint8Array, count: number, shape: ImageShape): number {
  return gradientEnergySum(recon, count, reconStride, shape) / inputEnergy(inputs, count, shape);
}

function inputEnergy(inputs: Uint8Array, count: number, shape: ImageShape): number {
  const e = gradientEnergySum(inputs, count, shape.rows * shape.cols, shape, 1 / 255);
  if (!(e > 0)) throw new Error('sharpness: the input images are flat (zero gradient energy); the ratio is undefined');
  return e;
}

/** A trained model's clean reconstructions of the whole test split, (count, rows·cols) in evaluation mode: codes
 * from the GPU (LatentProbe), the decoder in float64 on the CPU. */
export async function reconstructTest(t: Trainer): Promise<Float64Array> {
  const probe = new LatentProbe(t);
  let codes: Float32Array;
  try { codes = await probe.read(); } finally { probe.destroy(); }
  const { params, state } = await t.readSlabs();
  const { count } = t.data.test;
  const z = probe.z;
  const code = new Float64Array(count * z);
  for (let i = 0; i < count; i++) for (let j = 0; j < z; j++) code[i * z + j] = codes[i * probe.stride + j];
  return decode(t.plan, params, state, code, count, t.cfg.batchNorm.eps);
}

/** The sharpness ratio of a trained model's clean reconstructions of the whole test split. */
export async function testSharpness(t: Trainer): Promise<number> {
  const test = t.data.test;
  return sharpnessRatio(await reconstructTest(t), test.rows * test.cols, test.images, test.count, { rows: test.rows, cols: test.cols });
}
