// Checkpoints as safetensors with the names and layouts of the equivalent PyTorch nn.Sequential
// (`encoder.0.weight` (out, in), BatchNorm running stats and num_batches_tracked), the optimizer state under
// `optimizer.*`, and in __metadata__ the config, the run position (step, epoch, step in epoch, RNG state, the
// divergence guard's learning-rate scale, matmul kernels), the metrics history and a SHA-256 of the tensor bytes:
// a TrainState, whole. A sparse autoencoder's file has SAELens's tensor names (src/sae/plan.ts) and its dead-latent
// counters. Platform-neutral: the page saves the same file.
import type { TrainConfig } from '../model/config.ts';
import { packTensor, unpackTensor } from '../model/init.ts';
import type { Plan } from '../model/plan.ts';
import { tensorPlan } from '../sae/plan.ts';
import { validateConfig } from '../model/validate.ts';
import { decodeSafetensors, encodeSafetensors, type TensorEntry } from '../io/safetensors.ts';
import type { MatmulChoices } from './kernels.ts';
import type { EpochRow } from './metrics.ts';
import { checkChoices, type TrainState } from './state.ts';

export const CHECKPOINT_FORMAT = 'webgpu-autoencoder/1';
const VARIANCES = /(\.running_var|\.exp_avg_sq)$/; // tensors whose elements are non-negative by construction
const COUNTERS = 'dead_latent_counters'; // an SAE's (d_sae) samples since each latent fired, I64

/** The counter RNG's whole state: masks and noise are a hash of (seed, step, layer, element), shuffles of (seed, epoch). */
export interface RngState { kind: 'pcg-counter'; seed: number; step: number; shuffle_epoch: number }

export interface CheckpointMeta {
  config: TrainConfig | undefined; step: number; epoch: number; seed: number; dataSha256: string | undefined;
  rng: RngState | undefined; lrScale: number; tensorsSha256: string | undefined; kernels: MatmulChoices | undefined;
  stepInEpoch: number | null; // null: not recorded (older files): the caller derives it from step, epoch and its batches
  history: EpochRow[];
}

const hex = (b: ArrayBuffer) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
/** SHA-256 through WebCrypto (Node ≥ 20 and secure browser contexts). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

/** SHA-256 of every metadata field but the two hashes, in key order: an edited config, step or seed changes it. */
async function metadataSha256(metadata: Record<string, string>): Promise<string> {
  const fields = Object.keys(metadata).filter((k) => k !== 'tensors_sha256' && k !== 'metadata_sha256').sort().map((k) => [k, metadata[k]]);
  return sha256Hex(new TextEncoder().encode(JSON.stringify(fields)));
}

/** The data buffer of a safetensors file: everything after the 8-byte length and the header. */
function dataRegion(file: Uint8Array): Uint8Array {
  const n = Number(new DataView(file.buffer, file.byteOffset, 8).getBigUint64(0, true));
  return file.subarray(8 + n);
}

/** History rows in a file keep every metric but the wall-clock ones, which differ from run to run on the same
 * machine: the same command then writes the same bytes. */
const withoutTimings = (r: EpochRow): EpochRow => ({ ...r, samples_per_s: null, gflops: null, seconds: null });

/** `extra`: more metadata (an SAE's normalisation factor). */
export async function encodeCheckpoint(plan: Plan, cfg: TrainConfig, s: TrainState, dataSha256: string, extra: Record<string, string> = {}): Promise<Uint8Array> {
  const tensors: TensorEntry[] = [];
  for (const t of plan.params) tensors.push({ name: t.name, dtype: 'F32', shape: t.shape, data: unpackTensor(s.params, t) });
  for (const t of plan.buffers) tensors.push({ name: t.name, dtype: 'F32', shape: t.shape, data: unpackTensor(s.state, t) });
  for (const op of plan.ops) {
    if (op.kind === 'batchnorm') tensors.push({ name: `${op.name}.num_batches_tracked`, dtype: 'I64', shape: [], data: BigInt64Array.of(BigInt(s.globalStep)) });
  }
  {
    for (const t of plan.params) {
      tensors.push({ name: `optimizer.${t.name}.exp_avg`, dtype: 'F32', shape: t.shape, data: unpackTensor(s.m, t) });
      tensors.push({ name: `optimizer.${t.name}.exp_avg_sq`, dtype: 'F32', shape: t.shape, data: unpackTensor(s.v, t) });
    }
  }
  if (s.counters) tensors.push({ name: COUNTERS, dtype: 'I64', shape: [s.counters.length], data: BigInt64Array.from(s.counters, (c) => BigInt(c)) });
  const rng: RngState = { kind: 'pcg-counter', seed: cfg.seed, step: s.globalStep, shuffle_epoch: s.epoch };
  const metadata: Record<string, string> = {
    ...extra,
    format: CHECKPOINT_FORMAT,
    config: JSON.stringify(cfg),
    step: String(s.globalStep),
    epoch: String(s.epoch),
    step_in_epoch: String(s.stepInEpoch),
    seed: String(cfg.seed),
    rng: JSON.stringify(rng),
    lr_scale: String(s.lrScale),
    data_sha256: dataSha256,
    matmul: JSON.stringify(s.kernels),
    history: JSON.stringify(s.history.map(withoutTimings)),
  };
  // The data buffer does not depend on the header, so its hash can go into the header of the final file.
  const tensorsSha256 = await sha256Hex(dataRegion(encodeSafetensors(tensors, metadata)));
  return encodeSafetensors(tensors, { ...metadata, tensors_sha256: tensorsSha256, metadata_sha256: await metadataSha256(metadata) });
}

/** Integer metadata field: absent → `fallback`; present but not a non-negative integer → an error naming it. */
function intField(metadata: Record<string, string>, key: string, what: string, fallback: number): number {
  const v = metadata[key];
  if (v === undefined) return fallback;
  if (!/^\d{1,15}$/.test(v)) throw new Error(`${what}: metadata "${key}" is ${JSON.stringify(v.slice(0, 40))}, expected a non-negative integer`);
  return Number(v);
}

/** The config in a checkpoint's metadata, validated by the shared schema; undefined when the file has none. */
export function checkpointConfig(metadata: Record<string, string>, what: string): TrainConfig | undefined {
  if (metadata.config === undefined) return undefined;
  let cfg: TrainConfig;
  try { cfg = JSON.parse(metadata.config) as TrainConfig; } catch { throw new Error(`${what}: metadata "config" is not valid JSON`); }
  if (typeof cfg !== 'object' || cfg === null) throw new Error(`${what}: metadata "config" is not a JSON object`);
  const problems = validateConfig(cfg);
  if (problems.length > 0) throw new Error(`${what}: the config in its metadata is not usable:\n  ${problems.join('\n  ')}`);
  return cfg;
}

function readMeta(metadata: Record<string, string>, what: string, plan: Plan): CheckpointMeta {
  const config = checkpointConfig(metadata, what);
  let rng: RngState | undefined;
  if (metadata.rng !== undefined) {
    try { rng = JSON.parse(metadata.rng) as RngState; } catch { throw new Error(`${what}: metadata "rng" is not valid JSON`); }
    if (rng?.kind !== 'pcg-counter' || ![rng.seed, rng.step, rng.shuffle_epoch].every((x) => Number.isSafeInteger(x) && x >= 0)) {
      throw new Error(`${what}: metadata "rng" ${metadata.rng.slice(0, 80)} is not {kind: "pcg-counter", seed, step, shuffle_epoch}`);
    }
  }
  const lrScale = metadata.lr_scale === undefined ? 1 : Number(metadata.lr_scale);
  if (!(lrScale > 0 && lrScale <= 1)) throw new Error(`${what}: metadata "lr_scale" is ${JSON.stringify(metadata.lr_scale)}, expected a number in (0, 1]`);
  const tensorsSha256 = metadata.tensors_sha256;
  if (tensorsSha256 !== undefined && !/^[0-9a-f]{64}$/.test(tensorsSha256)) throw new Error(`${what}: metadata "tensors_sha256" is not 64 hex digits`);
  const step = intField(metadata, 'step', what, 0);
  const epoch = intField(metadata, 'epoch', what, 0);
  const seed = intField(metadata, 'seed', what, config?.seed ?? 0);
  if (rng && (rng.step !== step || rng.shuffle_epoch !== epoch || rng.seed !== seed)) {
    throw new Error(`${what}: metadata "rng" (seed ${rng.seed}, step ${rng.step}, epoch ${rng.shuffle_epoch}) disagrees with seed ${seed}, step ${step}, epoch ${epoch}`);
  }
  if (config && config.seed !== seed) throw new Error(`${what}: metadata "seed" ${seed} disagrees with the config's seed ${config.seed}`);
  let kernels: MatmulChoices | undefined;
  if (metadata.matmul !== undefined) {
    try { kernels = JSON.parse(metadata.matmul) as MatmulChoices; } catch { throw new Error(`${what}: metadata "matmul" is not valid JSON`); }
    // Checked against the checkpoint's own model: --init into another architecture should list its tensors instead.
    kernels = checkChoices(kernels, config ? tensorPlan(config) : plan, what);
  }
  const stepInEpoch = metadata.step_in_epoch === undefined ? null : intField(metadata, 'step_in_epoch', what, 0);
  return { config, step, epoch, seed, dataSha256: metadata.data_sha256, rng, lrScale, tensorsSha256, kernels, stepInEpoch, history: readHistory(metadata, what) };
}

/** The metrics history: absent in older files (empty), else an array of epoch rows in order. */
function readHistory(metadata: Record<string, string>, what: string): EpochRow[] {
  if (metadata.history === undefined) return [];
  let h: unknown;
  try { h = JSON.parse(metadata.history); } catch { throw new Error(`${what}: metadata "history" is not valid JSON`); }
  if (!Array.isArray(h) || !h.every((r, i) => typeof r === 'object' && r !== null && (r as EpochRow).epoch === i && Array.isArray((r as EpochRow).steps))) {
    throw new Error(`${what}: metadata "history" is not a list of epoch rows numbered from 0`);
  }
  return h as EpochRow[];
}

/** What a caller insists on: `full` for an exact resume (hash, config, RNG state and optimizer state present). */
export interface DecodeOptions { full?: boolean }

/** Read and verify a checkpoint into slabs laid out for `plan`. Checks, each failing with the tensor or field named:
 * the safetensors structure, the SHA-256 of the tensor bytes, the metadata, every tensor's presence, dtype and shape
 * (against `plan` and against the config in the metadata), and that no tensor holds NaN or Inf. */
export async function decodeCheckpoint(bytes: Uint8Array, plan: Plan, what: string, opts: DecodeOptions = {}):
  Promise<{ params: Float32Array; state: Float32Array; m: Float32Array | null; v: Float32Array | null; counters: Uint32Array | null; meta: CheckpointMeta }> {
  const { tensors, metadata } = decodeSafetensors(bytes, what);
  const recorded = metadata.metadata_sha256;
  if (recorded !== undefined) {
    const actual = await metadataSha256(metadata);
    if (actual !== recorded) {
      throw new Error(`${what}: the metadata's SHA-256 is ${actual.slice(0, 16)}…, but the file records ${String(recorded).slice(0, 16)}…; ` +
        'its config, step, epoch or seed was edited after it was written (change settings with flags, not in the file)');
    }
  }
  const meta = readMeta(metadata, what, plan);
  if (meta.tensorsSha256 !== undefined) {
    const actual = await sha256Hex(dataRegion(bytes));
    if (actual !== meta.tensorsSha256) {
      throw new Error(`${what}: the tensor data's SHA-256 is ${actual.slice(0, 16)}…, but the metadata records ${meta.tensorsSha256.slice(0, 16)}…; ` +
        'the file was corrupted or edited after it was written');
    }
  }
  if (opts.full) {
    const missing = [['tensors_sha256', meta.tensorsSha256], ['metadata_sha256', recorded], ['config', meta.config], ['rng', meta.rng]].filter(([, v]) => v === undefined).map(([k]) => k);
    if (missing.length > 0) throw new Error(`${what}: cannot resume exactly: metadata lacks ${missing.join(', ')} (was it written by this program's --save?)`);
  }
  const problems: string[] = []; // does not fit this model
  const damaged: string[] = []; // impossible values
  if (meta.config) {
    const declared = tensorPlan(meta.config);
    for (const t of [...declared.params, ...declared.buffers]) {
      const found = tensors.get(t.name);
      if (found && JSON.stringify(found.shape) !== JSON.stringify(t.shape)) {
        problems.push(`${t.name}: shape ${JSON.stringify(found.shape)}, but the config in the metadata says ${JSON.stringify(t.shape)}`);
      }
    }
  }
  const take = (name: string, shape: number[]): Float32Array | null => {
    const t = tensors.get(name);
    if (!t) { problems.push(`missing tensor ${name} ${JSON.stringify(shape)}`); return null; }
    if (t.dtype !== 'F32') { problems.push(`${name}: dtype ${t.dtype}, expected F32`); return null; }
    if (JSON.stringify(t.shape) !== JSON.stringify(shape)) { problems.push(`${name}: shape ${JSON.stringify(t.shape)}, this model needs ${JSON.stringify(shape)}`); return null; }
    const data = t.data as Float32Array;
    // Values no training can produce: the file was damaged or edited, whatever its hashes say.
    const bad = data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) { damaged.push(`${name}: element ${bad} is ${data[bad]}`); return null; }
    const negative = VARIANCES.test(name) ? data.findIndex((x) => x < 0) : -1;
    if (negative >= 0) { damaged.push(`${name}: element ${negative} is ${data[negative]}, but a variance or second moment cannot be negative`); return null; }
    return data;
  };
  const params = new Float32Array(plan.paramFloats);
  const state = new Float32Array(plan.bufferFloats);
  for (const t of plan.params) { const d = take(t.name, t.shape); if (d) packTensor(params, t, d); }
  for (const t of plan.buffers) { const d = take(t.name, t.shape); if (d) packTensor(state, t, d); }
  for (const op of plan.ops) {
    const t = op.kind === 'batchnorm' ? tensors.get(`${op.name}.num_batches_tracked`) : undefined;
    if (t && (t.dtype !== 'I64' || t.shape.length !== 0)) problems.push(`${op.name}.num_batches_tracked: ${t.dtype} ${JSON.stringify(t.shape)}, expected an I64 scalar`);
    else if (t && (t.data as BigInt64Array)[0] < 0n) damaged.push(`${op.name}.num_batches_tracked is ${(t.data as BigInt64Array)[0]}, but a count cannot be negative`);
  }
  let m: Float32Array | null = null;
  let v: Float32Array | null = null;
  if (opts.full || plan.params.some((t) => tensors.has(`optimizer.${t.name}.exp_avg`))) {
    m = new Float32Array(plan.paramFloats);
    v = new Float32Array(plan.paramFloats);
    for (const t of plan.params) {
      const a = take(`optimizer.${t.name}.exp_avg`, t.shape);
      const b = take(`optimizer.${t.name}.exp_avg_sq`, t.shape);
      if (a) packTensor(m, t, a);
      if (b) packTensor(v, t, b);
    }
  }
  const counters = readCounters(tensors.get(COUNTERS), plan, opts.full === true, problems, damaged);
  if (damaged.length > 0) {
    throw new Error(`${what} holds values no trained model can have:\n  ${damaged.slice(0, 12).join('\n  ')}${damaged.length > 12 ? `\n  … and ${damaged.length - 12} more` : ''}\n` +
      'The file is damaged; use an earlier checkpoint (a run that diverged saves its last good state, not these values).');
  }
  if (problems.length > 0) {
    const layers = (p: Plan) => [p.inputDim, ...p.ops.flatMap((op) => (op.kind === 'dense' ? [op.out] : []))].join('-');
    const shapes = meta.config ? ` (its layers are ${layers(tensorPlan(meta.config))}, this model's ${layers(plan)})` : '';
    throw new Error(`${what} does not fit this model${shapes}:\n  ${problems.slice(0, 12).join('\n  ')}${problems.length > 12 ? `\n  … and ${problems.length - 12} more` : ''}\n` +
      'Use the same --preset, --hidden and --latent (architecture) the checkpoint was trained with.');
  }
  return { params, state, m, v, counters, meta };
}

/** An SAE's dead-latent counters (an exact resume needs them): (d_sae) I64 in [0, 2³²). */
function readCounters(t: { dtype: string; shape: number[]; data: unknown } | undefined, plan: Plan, full: boolean, problems: string[], damaged: string[]): Uint32Array | null {
  const dSae = plan.params.find((p) => p.name === 'b_enc')?.shape[0];
  if (dSae === undefined) return null;
  if (!t) { if (full) problems.push(`missing tensor ${COUNTERS} [${dSae}]`); return null; }
  if (t.dtype !== 'I64' || JSON.stringify(t.shape) !== JSON.stringify([dSae])) { problems.push(`${COUNTERS}: ${t.dtype} ${JSON.stringify(t.shape)}, expected I64 [${dSae}]`); return null; }
  const data = t.data as BigInt64Array;
  const bad = data.findIndex((c) => c < 0n || c > 0xffffffffn);
  if (bad >= 0) { damaged.push(`${COUNTERS}: element ${bad} is ${data[bad]}, but a counter is in [0, 2^32)`); return null; }
  return Uint32Array.from(data, (c) => Number(c));
}

/** The TrainState a checkpoint holds, for a trainer with `stepsPerEpoch`; missing optimizer state starts at zero. */
export function checkpointState(ck: Awaited<ReturnType<typeof decodeCheckpoint>>, stepsPerEpoch: number): TrainState {
  const { meta } = ck;
  const derived = meta.step - meta.epoch * stepsPerEpoch;
  const stepInEpoch = meta.stepInEpoch ?? (derived > 0 && derived < stepsPerEpoch ? derived : 0);
  const zeros = () => new Float32Array(ck.params.length);
  return { params: ck.params, state: ck.state, m: ck.m ?? zeros(), v: ck.v ?? zeros(), ...(ck.counters ? { counters: ck.counters } : {}),
    epoch: meta.epoch, globalStep: meta.step, stepInEpoch, lrScale: meta.lrScale, kernels: meta.kernels ?? {}, history: meta.history };
}
