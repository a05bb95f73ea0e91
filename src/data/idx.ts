// Strict reader for MNIST-format IDX files (u8 images 0x00000803, u8 labels 0x00000801), optionally gzip'd.
// Platform-neutral: gunzip goes through the web DecompressionStream, present in Node 20 and browsers.

import { concatBytes } from '../io/bytes.ts';

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;
/** Cap on any decompressed or declared IDX size: full MNIST is 47 MB, so 1 GiB only stops bombs and garbage. */
export const MAX_DECOMPRESSED_BYTES = 1 << 30;

export interface Idx {
  dims: number[];
  data: Uint8Array; // the payload after the header, row-major
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
const hex32 = (v: number): string => '0x' + v.toString(16).padStart(8, '0');
const isGzipMagic = (bytes: Uint8Array): boolean => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/** Parses one IDX file; `what` names the file in every error. */
export function parseIdx(bytes: Uint8Array, what: string, cap = MAX_DECOMPRESSED_BYTES): Idx {
  if (bytes.length < 8) {
    throw new Error(
      `${what}: only ${bytes.length} bytes, too short for an IDX header (at least 8); ` +
        `the file is empty or truncated, re-download it`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== IDX_IMAGES_MAGIC && magic !== IDX_LABELS_MAGIC) {
    const hint = isGzipMagic(bytes)
      ? ' (it starts with 1f 8b: is this a gzip file without the .gz name? rename it to end in .gz)'
      : ' (expected an MNIST-format u8 IDX file such as train-images-idx3-ubyte)';
    throw new Error(
      `${what}: bad IDX magic ${hex32(magic)} (bytes ${hex(bytes.subarray(0, 4))}), expected ` +
        `${hex32(IDX_IMAGES_MAGIC)} for images or ${hex32(IDX_LABELS_MAGIC)} for labels${hint}`,
    );
  }
  const ndims = magic & 0xff; // the low byte of the magic is the number of dimensions
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new Error(`${what}: ${bytes.length} bytes, too short for a ${ndims}-dimension IDX header (${headerBytes}); the file is truncated`);
  }
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  if (dims.includes(0)) {
    throw new Error(`${what}: dims ${dims.join('×')} include a 0; the file holds no data or its header is corrupt`);
  }
  const size = dims.reduce((a, d) => a * d, 1); // exact up to 2^53; anything past the cap is rejected below
  if (size > cap) {
    throw new Error(
      `${what}: declared dims ${dims.join('×')} = ${size} bytes exceed the cap of ${cap} bytes; ` +
        `the header is corrupt or this is not an MNIST-sized file`,
    );
  }
  const actual = bytes.length - headerBytes;
  if (actual !== size) {
    const problem = actual < size ? `truncated: ${size - actual} bytes missing` : `${actual - size} trailing bytes`;
    throw new Error(
      `${what}: header declares dims ${dims.join('×')} = ${size} data bytes but the file has ${actual} ` +
        `after the ${headerBytes}-byte header (${problem}); re-download or regenerate the file`,
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** Gunzips with a streaming cap, so a gzip bomb is stopped after `cap` output bytes, not after it fills memory. */
export async function gunzipCapped(bytes: Uint8Array, cap: number, what: string): Promise<Uint8Array> {
  // DecompressionStream takes no SharedArrayBuffer views; copy only in that rare case.
  const chunk = bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : bytes.slice();
  const input = new ReadableStream<Uint8Array<ArrayBuffer>>({
    start(controller) {
      controller.enqueue(chunk);
      controller.close();
    },
  });
  const reader = input.pipeThrough(new DecompressionStream('gzip')).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let step: ReadableStreamReadResult<Uint8Array>;
    try {
      step = await reader.read();
    } catch (err) {
      throw new Error(`${what}: corrupt gzip data (${(err as Error).message}); re-download the file`);
    }
    if (step.done) break;
    total += step.value.length;
    if (total > cap) {
      await reader.cancel().catch(() => {}); // the error below is the one that matters
      throw new Error(
        `${what}: decompressed size exceeds the cap of ${cap} bytes; refusing to inflate further ` +
          `(a gzip bomb or not an MNIST-sized file)`,
      );
    }
    chunks.push(step.value);
  }
  return concatBytes(chunks, total);
}

/** Reads one IDX file's bytes as named `name`: gunzips when named .gz or gzip-shaped, then parses. */
export async function readIdxBytes(bytes: Uint8Array, name: string, cap = MAX_DECOMPRESSED_BYTES): Promise<Idx> {
  const gzName = name.toLowerCase().endsWith('.gz');
  if (gzName && !isGzipMagic(bytes)) {
    throw new Error(
      `${name}: named .gz but does not start with the gzip magic 1f 8b (found ${hex(bytes.subarray(0, 4)) || 'nothing'}); ` +
        `if it is a raw IDX file, drop the .gz from its name`,
    );
  }
  const raw = gzName || isGzipMagic(bytes) ? await gunzipCapped(bytes, cap, name) : bytes;
  return parseIdx(raw, name, cap);
}
