// Strict reader and writer for NumPy .npy files holding one (N, d) float32 or float16 matrix, C order, little-endian:
// the activations exported from another model for the sparse autoencoders (docs/sae.md). Platform-neutral.

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** Cap on a vector file: 4 GiB would not fit one GPU binding anyway; this stops garbage and bombs early. */
export const MAX_NPY_BYTES = 2 ** 31;

export interface Matrix {
  rows: number;
  cols: number;
  values: Float32Array; // (rows, cols) row-major
}

const DTYPES: Record<string, number> = { '<f4': 4, '<f2': 2, '|f4': 4, '|f2': 2 };

/** float16 bits → float32 value (subnormals, infinities and NaN included). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** The header dict, checked key by key: exactly 'descr', 'fortran_order' and 'shape', as numpy.save writes them. */
function parseHeader(text: string, what: string): { descr: string; rows: number; cols: number } {
  const m = /^\{\s*'descr'\s*:\s*'([^']*)'\s*,\s*'fortran_order'\s*:\s*(True|False)\s*,\s*'shape'\s*:\s*\(([^)]*)\)\s*,?\s*\}\s*$/.exec(text);
  if (!m) throw new Error(`${what}: the .npy header ${JSON.stringify(text.slice(0, 120))} is not the dict numpy.save writes ` +
    `({'descr': …, 'fortran_order': …, 'shape': (…)}); write the file with numpy.save`);
  const [, descr, fortran, shapeText] = m;
  if (!(descr in DTYPES)) {
    const hint = descr.startsWith('>') ? ' (big-endian: convert with a.astype("<f4"))' : ' (convert with a.astype(np.float32))';
    throw new Error(`${what}: dtype ${descr} is not supported; need float32 ('<f4') or float16 ('<f2')${hint}`);
  }
  if (fortran === 'True') throw new Error(`${what}: the array is in Fortran order; save np.ascontiguousarray(a) instead`);
  const dims = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (dims.length !== 2 || !dims.every((d) => /^[0-9]+$/.test(d))) {
    throw new Error(`${what}: shape (${shapeText}) is not 2-D; need (N, d_in), one vector per row (reshape to (-1, d_in))`);
  }
  const [rows, cols] = dims.map(Number);
  if (rows < 1 || cols < 1) throw new Error(`${what}: shape (${rows}, ${cols}) is empty; need at least one row and one column`);
  return { descr, rows, cols };
}

/** Parses one .npy file; `what` names it in every error. */
export function parseNpy(bytes: Uint8Array, what: string): Matrix {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new Error(`${what}: not a .npy file (it does not start with \\x93NUMPY); write it with numpy.save`);
  }
  const major = bytes[6];
  if (major < 1 || major > 3) throw new Error(`${what}: .npy format version ${major}.${bytes[7]} is unknown (1, 2 and 3 are read)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw new Error(`${what}: truncated inside the .npy preamble`);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes + headerLen;
  if (start > bytes.length) throw new Error(`${what}: the header claims ${headerLen} bytes but the file has ${bytes.length}; it is truncated`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lenBytes, start));
  const { descr, rows, cols } = parseHeader(header, what);
  const size = DTYPES[descr];
  const expected = rows * cols * size;
  if (bytes.length - start !== expected) {
    throw new Error(`${what}: shape (${rows}, ${cols}) of ${descr} needs ${expected} data bytes but the file has ${bytes.length - start}; ` +
      'it is truncated or has trailing data');
  }
  const values = new Float32Array(rows * cols);
  const data = new DataView(bytes.buffer, bytes.byteOffset + start, expected);
  if (size === 4) for (let i = 0; i < values.length; i++) values[i] = data.getFloat32(4 * i, true);
  else for (let i = 0; i < values.length; i++) values[i] = halfToFloat(data.getUint16(2 * i, true));
  const bad = values.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new Error(`${what}: row ${Math.floor(bad / cols)} column ${bad % cols} is ${values[bad]}; remove non-finite vectors first`);
  return { rows, cols, values };
}

/** A float32 (rows, cols) .npy file, version 1.0, header padded to 64 bytes as numpy.save does. */
export function writeNpy(m: Matrix): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${m.rows}, ${m.cols}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const out = new Uint8Array(10 + header.length + m.values.byteLength);
  out.set(MAGIC);
  out[6] = 1;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(m.values.buffer, m.values.byteOffset, m.values.byteLength), 10 + header.length);
  return out;
}
