// Grayscale pictures as PNG files through fast-png (8-bit, one channel), and back for tests and tools.
import { decode, encode } from 'fast-png';
import type { GrayImage } from './grid.ts';

export function encodeGrayPng(img: GrayImage): Uint8Array {
  return encode({ width: img.width, height: img.height, data: img.pixels, depth: 8, channels: 1 });
}

/** Decode a PNG written by encodeGrayPng; other layouts are refused rather than converted. */
export function decodeGrayPng(bytes: Uint8Array): GrayImage {
  const png = decode(bytes);
  if (png.channels !== 1 || png.depth !== 8) throw new Error(`expected an 8-bit grayscale PNG, got ${png.channels} channel(s) of ${png.depth} bits`);
  return { width: png.width, height: png.height, pixels: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
}

/** `img` enlarged `n` times by pixel replication (integer scales keep every pixel sharp). */
export function scaleGray(img: GrayImage, n: number): GrayImage {
  if (n === 1) return img;
  const width = img.width * n;
  const out = new Uint8Array(width * img.height * n);
  for (let y = 0; y < img.height * n; y++) {
    const row = Math.floor(y / n) * img.width;
    for (let x = 0; x < width; x++) out[y * width + x] = img.pixels[row + Math.floor(x / n)];
  }
  return { width, height: img.height * n, pixels: out };
}
