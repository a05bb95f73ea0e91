// The image grids of src/viz/grid.ts on 2D canvases: one image pixel is one canvas pixel; CSS scales them up, pixelated.
import { featureGrid, reconstructionGrid, type GrayImage, type ImageShape } from '../viz/grid.ts';
import type { Snapshot } from '../train/snapshot.ts';

/** Resize `canvas` to the picture and paint it, gray to RGBA. */
export function paintGray(canvas: HTMLCanvasElement, img: GrayImage): void {
  canvas.width = img.width;
  canvas.height = img.height;
  const data = new ImageData(img.width, img.height);
  img.pixels.forEach((v, p) => {
    data.data[4 * p] = data.data[4 * p + 1] = data.data[4 * p + 2] = v;
    data.data[4 * p + 3] = 255;
  });
  canvas.getContext('2d')!.putImageData(data, 0, 0);
}

export function drawReconstructions(canvas: HTMLCanvasElement, s: Snapshot, shape: ImageShape): void {
  paintGray(canvas, reconstructionGrid(s, shape));
}

export function drawFeatures(canvas: HTMLCanvasElement, images: Float64Array, units: number, shape: ImageShape): void {
  paintGray(canvas, featureGrid(images, units, shape));
}
