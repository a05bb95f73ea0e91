// safetensors read/write, byte-compatible with huggingface/safetensors: u64 LE header length, JSON header
// padded with spaces to 8 bytes, then the tensors tiling the byte buffer. Platform-neutral (browser and Node).

/** Element size and the writer's sort rank (the Rust `Dtype` enum order: U8 < I32 < F32 < F64 < I64). */
const DTYPES = {
  U8: { size: 1, rank: 0, view: (b: ArrayBuffer) => new Uint8Array(b) },
  I32: { size: 4, rank: 1, view: (b: ArrayBuffer) => new Int32Array(b) },
  F32: { size: 4, rank: 2, view: (b: ArrayBuffer) => new Float32Array(b) },
  F64: { size: 8, rank: 3, view: (b: ArrayBuffer) => new Float64Array(b) },
  I64: { size: 8, rank: 4, view: (b: ArrayBuffer) => new BigInt64Array(b) },
} as const;

export type Dtype = keyof typeof DTYPES;
export type TensorData = Uint8Array | Int32Array | Float32Array | Float64Array | BigInt64Array;

export interface TensorEntry {
  name: string;
  dtype: Dtype;
  shape: number[]; // [] for a scalar
  data: ArrayBufferView; // the matching typed array (BigInt64Array for I64), or raw little-endian bytes
}

export interface DecodedTensor {
  dtype: Dtype;
  shape: number[];
  bytes: Uint8Array; // a fresh copy starting at offset 0, so `data` is aligned
  data: TensorData; // typed view over `bytes`
}

/** The reference reader's cap on the JSON header. */
export const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';
const ALIGN = 8;
const DTYPE_NAMES = Object.keys(DTYPES).join(', ');

const isDtype = (d: unknown): d is Dtype => typeof d === 'string' && Object.hasOwn(DTYPES, d);
export const dtypeSize = (dtype: Dtype): number => DTYPES[dtype].size;
const numel = (shape: number[]): number => shape.reduce((a, d) => a * d, 1);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function requireLittleEndian(): void {
  const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  if (!little) throw new Error('safetensors: this platform is big-endian; typed arrays would be byte-swapped');
}

/** Rust orders `String`s by UTF-8 bytes, i.e. by code point; JS `<` compares UTF-16 units. */
function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return (x.done ? 0 : 1) - (y.done ? 0 : 1);
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

function checkEntry(t: TensorEntry, seen: Set<string>): void {
  const where = `safetensors: tensor ${JSON.stringify(t.name)}`;
  if (t.name === METADATA_KEY) throw new Error(`${where}: the name is reserved for the metadata`);
  if (seen.has(t.name)) throw new Error(`${where}: duplicate name`);
  seen.add(t.name);
  if (!isDtype(t.dtype)) throw new Error(`${where}: dtype ${JSON.stringify(t.dtype)} is not one of ${DTYPE_NAMES}`);
  if (!t.shape.every(isCount)) throw new Error(`${where}: shape [${t.shape}] has a negative or non-integer entry`);
  const want = numel(t.shape) * dtypeSize(t.dtype);
  if (t.data.byteLength !== want) {
    throw new Error(`${where}: ${t.data.byteLength} data bytes, but ${t.dtype} shape [${t.shape}] needs ${want}`);
  }
  const expected = DTYPES[t.dtype].view(new ArrayBuffer(0)).constructor;
  if (!(t.data instanceof expected) && !(t.data instanceof Uint8Array)) {
    throw new Error(`${where}: ${t.dtype} data given as ${t.data.constructor.name}, expected ${expected.name} or raw bytes`);
  }
}

/**
 * Serializes like the reference writer: tensors sorted by dtype rank descending, then by name; the header lists
 * `__metadata__` first (omitted when empty, as Python's default `metadata=None`) and the tensors in file order.
 * Metadata keys are sorted (the reference iterates a HashMap, so its order is unspecified).
 */
export function encodeSafetensors(tensors: TensorEntry[], metadata: Record<string, string>): Uint8Array {
  requireLittleEndian();
  const seen = new Set<string>();
  for (const t of tensors) checkEntry(t, seen);
  const sorted = [...tensors].sort(
    (a, b) => DTYPES[b.dtype].rank - DTYPES[a.dtype].rank || compareCodePoints(a.name, b.name),
  );
  const fields: string[] = [];
  const metaKeys = Object.keys(metadata).sort(compareCodePoints);
  if (metaKeys.length > 0) {
    const pairs = metaKeys.map((k) => {
      const v = metadata[k];
      if (typeof v !== 'string') {
        throw new Error(`safetensors: metadata ${JSON.stringify(k)} is a ${typeof v}, expected a string`);
      }
      return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
    });
    fields.push(`"${METADATA_KEY}":{${pairs.join(',')}}`);
  }
  let offset = 0;
  for (const t of sorted) {
    const end = offset + t.data.byteLength;
    const info = `{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${end}]}`;
    fields.push(`${JSON.stringify(t.name)}:${info}`);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${fields.join(',')}}`);
  const headerLength = Math.ceil(json.length / ALIGN) * ALIGN; // padded with spaces so the data is 8-byte aligned
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const t of sorted) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

/** The top-level keys of a valid JSON object text, in order and with repeats, which `JSON.parse` collapses. */
function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(json.slice(i, j + 1)) as string);
      expectKey = false;
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = c === '{' && depth === 1;
    } else if (c === '}' || c === ']') {
      depth--;
    } else if (c === ',') {
      expectKey = depth === 1;
    }
  }
  return keys;
}

function parseHeader(bytes: Uint8Array, what: string): { header: Record<string, unknown>; dataStart: number } {
  if (bytes.length < 8) {
    throw new Error(`${what}: only ${bytes.length} bytes, too short for the 8-byte header length; the file is truncated`);
  }
  const declared = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES)) {
    throw new Error(`${what}: header length ${declared} is above the ${MAX_HEADER_BYTES}-byte cap; corrupt or not safetensors`);
  }
  const n = Number(declared);
  if (8 + n > bytes.length) {
    throw new Error(`${what}: header length ${n} runs past the end of the ${bytes.length}-byte file; the file is truncated`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw new Error(`${what}: the header is not valid UTF-8`);
  }
  if (!text.startsWith('{')) throw new Error(`${what}: the header does not start with '{'; not a safetensors file`);
  let header: Record<string, unknown>; // valid JSON starting with '{' is an object
  try {
    header = JSON.parse(text);
  } catch (err) {
    throw new Error(`${what}: the header is not valid JSON (${(err as Error).message})`);
  }
  const seen = new Set<string>();
  for (const key of topLevelKeys(text)) {
    if (seen.has(key)) throw new Error(`${what}: the header names ${JSON.stringify(key)} more than once (duplicate tensor)`);
    seen.add(key);
  }
  return { header, dataStart: 8 + n };
}

function parseMetadata(value: unknown, what: string): Record<string, string> {
  if (value === null || value === undefined) return {}; // the reference reads `null` as no metadata
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what}: ${METADATA_KEY} is not a JSON object`);
  const entries = Object.entries(value);
  for (const [k, v] of entries) {
    if (typeof v !== 'string') {
      throw new Error(`${what}: ${METADATA_KEY} value ${JSON.stringify(k)} is ${JSON.stringify(v)}, expected a string`);
    }
  }
  return Object.fromEntries(entries) as Record<string, string>; // fromEntries keeps a '__proto__' key as data
}

interface TensorInfo { name: string; dtype: Dtype; shape: number[]; begin: number; end: number }

function parseTensorInfo(name: string, value: unknown, dataLength: number, what: string): TensorInfo {
  const where = `${what}: tensor ${JSON.stringify(name)}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${where}: entry is not a JSON object`);
  }
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (!isDtype(dtype)) throw new Error(`${where}: dtype ${JSON.stringify(dtype)} is not one of ${DTYPE_NAMES}`);
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw new Error(`${where}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
    throw new Error(`${where}: data_offsets ${JSON.stringify(offsets)} are not two increasing non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  const want = numel(shape) * dtypeSize(dtype);
  if (!Number.isSafeInteger(want)) throw new Error(`${where}: ${dtype} shape [${shape}] overflows the byte count`);
  if (end - begin !== want) {
    throw new Error(
      `${where}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes but ${dtype} shape [${shape}] needs ${want}`,
    );
  }
  if (end > dataLength) {
    throw new Error(
      `${where}: data_offsets [${begin}, ${end}] run past the ${dataLength}-byte data buffer; the file is truncated`,
    );
  }
  return { name, dtype, shape, begin, end };
}

/** The reference requires the tensors' byte ranges to tile the data buffer exactly: no overlap, hole or tail. */
function checkTiling(infos: TensorInfo[], dataLength: number, what: string): void {
  let cursor = 0;
  let previous: TensorInfo | undefined;
  const describe = (t: TensorInfo): string => `tensor ${JSON.stringify(t.name)} bytes [${t.begin}, ${t.end})`;
  for (const t of infos) {
    if (t.begin < cursor) throw new Error(`${what}: ${describe(t)} overlap ${describe(previous!)}`);
    if (t.begin > cursor) {
      const after = previous ? `after tensor ${JSON.stringify(previous.name)}` : 'at the start';
      throw new Error(
        `${what}: hole in the data buffer: bytes [${cursor}, ${t.begin}) ${after} belong to no tensor ` +
          `(next is ${JSON.stringify(t.name)})`,
      );
    }
    cursor = t.end;
    previous = t;
  }
  if (cursor !== dataLength) {
    throw new Error(
      `${what}: ${dataLength - cursor} trailing bytes after the last tensor ` +
        `(the data buffer is ${dataLength} bytes, the tensors cover ${cursor})`,
    );
  }
}

/** Parses and fully validates a safetensors file; `what` names the file in every error. Tensors come in file order. */
export function decodeSafetensors(
  bytes: Uint8Array,
  what: string,
): { tensors: Map<string, DecodedTensor>; metadata: Record<string, string> } {
  requireLittleEndian();
  const { header, dataStart } = parseHeader(bytes, what);
  const dataLength = bytes.length - dataStart;
  let metadata: Record<string, string> = {};
  const infos: TensorInfo[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) metadata = parseMetadata(value, what);
    else infos.push(parseTensorInfo(name, value, dataLength, what));
  }
  infos.sort((a, b) => a.begin - b.begin || a.end - b.end);
  checkTiling(infos, dataLength, what);
  const tensors = new Map<string, DecodedTensor>();
  for (const t of infos) {
    // new Uint8Array(view) always copies; Node's Buffer.slice would return a view into the whole file.
    const copy = new Uint8Array(bytes.subarray(dataStart + t.begin, dataStart + t.end));
    tensors.set(t.name, { dtype: t.dtype, shape: t.shape, bytes: copy, data: DTYPES[t.dtype].view(copy.buffer) });
  }
  return { tensors, metadata };
}
