// Host-side packing of every WGSL uniform struct, each in one place with its byte size asserted against the
// struct declared in shaders/ (field order and comments live there).
import type { CorruptionKind, LossKind, SparsityKind } from '../model/config.ts';
import { ACT_CODES, type Activation } from '../model/plan.ts';

type Field = ['u32' | 'f32', number];

function pack(struct: string, bytes: number, fields: Field[]): ArrayBuffer {
  if (fields.length * 4 !== bytes) throw new Error(`uniform ${struct}: ${fields.length * 4} bytes packed, WGSL struct has ${bytes}`);
  const buf = new ArrayBuffer(bytes);
  const view = new DataView(buf);
  fields.forEach(([type, v], i) => {
    if (type === 'u32') view.setUint32(i * 4, v >>> 0, true);
    else view.setFloat32(i * 4, v, true);
  });
  return buf;
}

const act = (a: Activation): Field => ['u32', ACT_CODES[a.kind]];
const alpha = (a: Activation): Field => ['f32', a.alpha];
const q = (n: number) => Math.ceil(n / 4);

/** Step (common.wgsl): a 64-byte header and MAX_MODELS per-model entries at the start of each 512-byte slot. */
export const MAX_MODELS = 16;
export const STEP_HEADER = 64; // bytes before models[]: model m's seed is at STEP_HEADER + 16·m, its lr 4 bytes on
export const STEP_BYTES = STEP_HEADER + 16 * MAX_MODELS;
export const STEP_SLOT = 512;
/** `capacity`, `param4`, `state4`: the model strides of a batched trainer (0 where only model 0 runs); `models`:
 * each model's seed and learning rate (default: one model with `seed` and `lr`). */
export interface StepValues {
  rows: number; step: number; seed: number; batchStart: number; lr: number; bc1: number; bc2: number; training: boolean; record: number;
  corrupt?: boolean; capacity?: number; param4?: number; state4?: number; models?: { seed: number; lr: number }[];
}

export function writeStep(target: ArrayBuffer, slot: number, s: StepValues): void {
  const models = s.models ?? [{ seed: s.seed, lr: s.lr }];
  if (models.length > MAX_MODELS) throw new Error(`a trainer batches at most ${MAX_MODELS} models, got ${models.length}`);
  const perModel: Field[] = Array.from({ length: MAX_MODELS }, (_, m) => models[m]).flatMap((e) =>
    [['u32', e?.seed ?? 0], ['f32', e?.lr ?? 0], ['u32', 0], ['u32', 0]] as Field[]);
  const bytes = pack('Step', STEP_BYTES, [['u32', s.rows], ['u32', s.step], ['u32', s.seed], ['u32', s.batchStart],
    ['f32', s.lr], ['f32', s.bc1], ['f32', s.bc2], ['u32', s.training ? 1 : 0], ['u32', s.record], ['u32', s.corrupt ? 1 : 0],
    ['u32', s.capacity ?? 0], ['u32', s.param4 ?? 0], ['u32', s.state4 ?? 0], ['u32', 0], ['u32', 0], ['u32', 0], ...perModel]);
  new Uint8Array(target, slot * STEP_SLOT, STEP_BYTES).set(new Uint8Array(bytes));
}

/** A per-model uniform (Loss, Sparsity, Corrupt, Metrics): one struct per model, MAX_MODELS of them (the rest zero),
 * indexed in WGSL by the dispatch's model index. */
export function perModel(structs: ArrayBuffer[]): ArrayBuffer {
  if (structs.length < 1 || structs.length > MAX_MODELS) throw new Error(`perModel: ${structs.length} models, need 1 to ${MAX_MODELS}`);
  const size = structs[0].byteLength;
  const out = new Uint8Array(size * MAX_MODELS);
  structs.forEach((b, m) => out.set(new Uint8Array(b), m * size));
  return out.buffer;
}

/** Options of a dense product beyond the layer itself (Jacobian products, BCE logits). */
export interface DenseOptions { writePre?: boolean; bias?: boolean; fixedRows?: number; rowMult?: number; xOff?: number }

/** Dense (dense.wgsl). Offsets in floats are converted to vec4s here. */
export function denseUniform(n: number, k: number, wOff: number, bOff: number, a: Activation, inAct: Activation, o: DenseOptions = {}): ArrayBuffer {
  return pack('Dense', 64, [['u32', n], ['u32', k], ['u32', q(n)], ['u32', q(k)], ['u32', wOff / 4], ['u32', bOff / 4],
    act(a), alpha(a), act(inAct), alpha(inAct), ['u32', o.writePre ? 1 : 0], ['u32', o.bias === false ? 0 : 1],
    ['u32', o.fixedRows ?? 0], ['u32', o.rowMult ?? 1], ['u32', (o.xOff ?? 0) / 4], ['u32', 0]]);
}

/** DenseGrad (dense_grad.wgsl). */
export function denseGradUniform(n: number, k: number, wOff: number, bOff: number, o: { fixedRows?: number; rowMult?: number; bias?: boolean } = {}): ArrayBuffer {
  return pack('DenseGrad', 32, [['u32', q(n)], ['u32', q(k)], ['u32', wOff / 4], ['u32', bOff / 4],
    ['u32', o.fixedRows ?? 0], ['u32', o.rowMult ?? 1], ['u32', o.bias === false ? 0 : 1], ['u32', 0]]);
}

/** Norm (norm.wgsl, norm_grad.wgsl). `drop`: a dropout right after the BatchNorm, fused into both kernels. */
export function normUniform(f: number, gOff: number, bOff: number, rmOff: number, rvOff: number, eps: number, momentum: number, inAct: Activation,
  drop?: { f: number; layer: number; p: number }): ArrayBuffer {
  return pack('Norm', 64, [['u32', q(f)], ['u32', gOff / 4], ['u32', bOff / 4], ['u32', rmOff / 4], ['u32', rvOff / 4],
    ['f32', eps], ['f32', momentum], act(inAct), alpha(inAct), ['u32', drop?.f ?? 0], ['u32', drop?.layer ?? 0], ['f32', drop?.p ?? 0],
    ['f32', drop ? Math.fround(1 / (1 - drop.p)) : 0], ['u32', 0], ['u32', 0], ['u32', 0]]);
}

/** Dropout (dropout.wgsl). */
export function dropoutUniform(f: number, layer: number, p: number, inAct: Activation): ArrayBuffer {
  return pack('Dropout', 32, [['u32', f], ['u32', q(f)], ['u32', layer], ['f32', p], ['f32', Math.fround(1 / (1 - p))],
    act(inAct), alpha(inAct), ['u32', 0]]);
}

/** Activation (activation.wgsl). */
export function activationUniform(f: number, a: Activation, inAct: Activation): ArrayBuffer {
  return pack('Activation', 32, [['u32', q(f)], act(a), alpha(a), act(inAct), alpha(inAct), ['u32', f], ['u32', 0], ['u32', 0]]);
}

export const LOSS_CODES: Record<LossKind, number> = { mse: 0, bce: 1, mae: 2 };
export const SPARSITY_CODES: Record<SparsityKind, number> = { none: 0, l1: 1, kl: 2 };
export const CORRUPT_CODES: Record<CorruptionKind, number> = { none: 0, gaussian: 1, salt_pepper: 2, masking: 3, block: 4 };

/** Loss (loss.wgsl). */
export function lossUniform(d: number, outAct: Activation, kind: LossKind): ArrayBuffer {
  return pack('Loss', 32, [['u32', d], ['u32', q(d)], act(outAct), alpha(outAct), ['u32', LOSS_CODES[kind]], ['u32', 0], ['u32', 0], ['u32', 0]]);
}

/** Sparsity (sparsity.wgsl). */
export function sparsityUniform(z: number, kind: SparsityKind, rho: number, weight: number, code: Activation, gradAct: Activation): ArrayBuffer {
  return pack('Sparsity', 32, [['u32', z], ['u32', q(z)], ['f32', rho], ['f32', weight], act(code), act(gradAct), alpha(gradAct), ['u32', SPARSITY_CODES[kind]]]);
}

/** Corrupt (corrupt.wgsl). */
export function corruptUniform(d: number, kind: CorruptionKind, level: number, width: number, height: number): ArrayBuffer {
  return pack('Corrupt', 32, [['u32', d], ['u32', q(d)], ['u32', CORRUPT_CODES[kind]], ['f32', level], ['u32', width], ['u32', height], ['u32', 0], ['u32', 0]]);
}

/** Metrics (reduce.wgsl); the buffer's layout is src/train/metrics.ts's. */
/** `modelBase`, `unitsBase`: where this model's slice of the metrics and units buffers starts (floats). */
export interface MetricsOptions { base: number; records: boolean; units: boolean; weight: number; contractive: number; modelBase?: number; unitsBase?: number }
export function metricsUniform(d: number, z: number, o: MetricsOptions): ArrayBuffer {
  return pack('Metrics', 48, [['u32', d], ['u32', q(z)], ['u32', z], ['f32', o.weight], ['u32', o.base], ['u32', o.records ? 1 : 0],
    ['u32', o.units ? 1 : 0], ['f32', o.contractive], ['u32', o.modelBase ?? 0], ['u32', o.unitsBase ?? 0], ['u32', 0], ['u32', 0]]);
}

/** Optimizer (optimizer.wgsl). */
export function optimizerUniform(floats: number, beta1: number, beta2: number, eps: number, momentum: number): ArrayBuffer {
  return pack('Optimizer', 32, [['u32', q(floats)], ['f32', beta1], ['f32', beta2], ['f32', eps], ['f32', momentum], ['u32', 0], ['u32', 0], ['u32', 0]]);
}

/** Jac (jacobian.wgsl): one struct for the Jacobian pass's kernels; unused fields stay zero. */
export interface JacOptions {
  f?: number; zr?: number; z?: number; kind?: 'none' | 'batchnorm' | 'dropout' | 'activation'; mode?: 'exact' | 'projections';
  act?: Activation; inAct?: Activation;
  layer?: number; p?: number; scale?: number; off?: number; off2?: number; eps?: number; count?: number;
}
const JAC_KINDS = { none: 0, batchnorm: 1, dropout: 2, activation: 3 } as const;
const IDENTITY_ACT: Activation = { kind: 'identity', alpha: 0 };
export function jacUniform(o: JacOptions): ArrayBuffer {
  const a = o.act ?? IDENTITY_ACT;
  const ia = o.inAct ?? IDENTITY_ACT;
  return pack('Jac', 64, [['u32', q(o.f ?? 0)], ['u32', o.zr ?? 0], ['u32', o.z ?? 0], ['u32', o.mode === 'projections' ? 1 : JAC_KINDS[o.kind ?? 'none']], act(a), alpha(a),
    act(ia), alpha(ia), ['u32', o.f ?? 0], ['u32', o.layer ?? 0], ['f32', o.p ?? 0], ['f32', o.scale ?? 0], ['u32', o.off ?? 0],
    ['u32', o.off2 ?? 0], ['f32', o.eps ?? 0], ['u32', o.count ?? 0]]);
}

/** Jac for `accumulate`: dst[dst + i] (+)= α·src[src + i] over `count` vec4s (× the batch's rows when
 * batchShaped); perRow divides α by the rows; assign overwrites. Offsets in floats. */
export function accumulateUniform(o: { count: number; dst?: number; src?: number; alpha: number; perRow?: boolean; assign?: boolean; batchShaped?: boolean }): ArrayBuffer {
  return pack('Jac', 64, [['u32', 0], ['u32', 0], ['u32', 0], ['u32', o.batchShaped ? 1 : 0], ['u32', o.assign ? 1 : 0], ['f32', 0],
    ['u32', o.perRow ? 1 : 0], ['f32', 0], ['u32', 0], ['u32', 0], ['f32', 0], ['f32', o.alpha], ['u32', (o.dst ?? 0) / 4],
    ['u32', (o.src ?? 0) / 4], ['f32', 0], ['u32', o.count]]);
}

/** Gather (data.wgsl). `orderStride`: entries of the order buffer per model (0: every model reads the same order). */
export function gatherUniform(pixels: number, count: number, orderStride = 0): ArrayBuffer {
  return pack('Gather', 16, [['u32', q(pixels)], ['u32', count], ['u32', orderStride], ['u32', 0]]);
}
