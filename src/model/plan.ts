// Config → layer plan: the ops in execution order, feature widths padded to vec4, and the offsets of every
// parameter, running statistic and gradient in their slabs, under PyTorch nn.Sequential names.
import type { ActivationKind, LayerSpec, ModelConfig } from './config.ts';

export const ACT_CODES: Record<ActivationKind, number> = { identity: 0, relu: 1, leaky_relu: 2, tanh: 3, sigmoid: 4 };

/** A tensor inside a slab: logical PyTorch shape, padded storage (rows × stride floats) at a vec4 offset. */
export interface SlabTensor {
  name: string; // 'encoder.0.weight'
  shape: number[]; // PyTorch shape: [out, in] or [F]
  rows: number; // stored rows (padded to 4 for weights)
  stride: number; // floats per stored row (padded to 4)
  offset: number; // in floats, multiple of 4
}

export interface Activation { kind: ActivationKind; alpha: number }

export type Op =
  | { kind: 'dense'; layer: number; name: string; in: number; out: number; act: Activation; weight: SlabTensor; bias: SlabTensor }
  | { kind: 'batchnorm'; layer: number; name: string; f: number; gamma: SlabTensor; beta: SlabTensor; runningMean: SlabTensor; runningVar: SlabTensor }
  | { kind: 'dropout'; layer: number; name: string; f: number; p: number }
  | { kind: 'activation'; layer: number; name: string; f: number; act: Activation };

export interface Plan {
  inputDim: number;
  ops: Op[];
  widths: number[]; // widths[i] = features of activation tensor i (0 = input, i+1 = output of op i)
  codeIndex: number; // activation tensor that is the code (output of the last encoder op)
  codeActivation: Activation; // the code's activation (identity if none)
  params: SlabTensor[]; // trainable, in slab order
  buffers: SlabTensor[]; // running statistics, in slab order
  paramFloats: number; // slab sizes in floats
  bufferFloats: number;
}

/** PyTorch's LeakyReLU default slope, used when a layer gives none. */
export const DEFAULT_LEAKY_ALPHA = 0.01;
const alphaOf = (fn: ActivationKind, alpha?: number) => alpha ?? (fn === 'leaky_relu' ? DEFAULT_LEAKY_ALPHA : 0);

export const pad4 = (n: number): number => Math.ceil(n / 4) * 4;

/** Widest linear layer any door accepts (hidden width, code size, a layer of a custom list). */
export const MAX_UNITS = 16384;

function checkLayer(spec: LayerSpec, where: string): void {
  const bad = (msg: string) => { throw new Error(`${where}: ${msg}`); };
  switch (spec.kind) {
    case 'linear':
      if (!Number.isInteger(spec.units) || spec.units < 1 || spec.units > MAX_UNITS) bad(`linear units must be an integer from 1 to ${MAX_UNITS}, got ${spec.units}`);
      break;
    case 'activation':
      if (!(spec.fn in ACT_CODES)) bad(`unknown activation "${spec.fn}" (use ${Object.keys(ACT_CODES).join(', ')})`);
      if (spec.alpha !== undefined && !(spec.alpha >= 0 && spec.alpha < 1)) bad(`LeakyReLU alpha must be in [0, 1), got ${spec.alpha}`);
      break;
    case 'dropout':
      if (!(spec.p >= 0 && spec.p < 1)) bad(`dropout p must be in [0, 1), got ${spec.p}`);
      break;
    case 'batchnorm':
      break;
    default:
      bad(`unknown layer kind ${JSON.stringify((spec as { kind: unknown }).kind)}`);
  }
}

export function buildPlan(model: ModelConfig): Plan {
  if (!Number.isInteger(model.inputDim) || model.inputDim < 1) throw new Error(`inputDim must be a positive integer, got ${model.inputDim}`);
  const ops: Op[] = [];
  const widths = [model.inputDim];
  const params: SlabTensor[] = [];
  const buffers: SlabTensor[] = [];
  let paramFloats = 0;
  let bufferFloats = 0;
  const addParam = (name: string, shape: number[], rows: number, stride: number): SlabTensor => {
    const t = { name, shape, rows, stride, offset: paramFloats };
    paramFloats += rows * stride;
    params.push(t);
    return t;
  };
  const addBuffer = (name: string, f: number): SlabTensor => {
    const t = { name, shape: [f], rows: 1, stride: pad4(f), offset: bufferFloats };
    bufferFloats += pad4(f);
    buffers.push(t);
    return t;
  };
  let layer = 0;
  let codeIndex = 0;
  let codeActivation: Activation = { kind: 'identity', alpha: 0 };
  for (const [half, list] of [['encoder', model.encoder], ['decoder', model.decoder]] as const) {
    if (list.length === 0) throw new Error(`${half}: the layer list is empty`);
    for (let i = 0; i < list.length; i++, layer++) {
      const spec = list[i];
      const name = `${half}.${i}`;
      checkLayer(spec, name);
      const f = widths[widths.length - 1];
      if (spec.kind === 'linear') {
        const next = list[i + 1];
        const act: Activation = next?.kind === 'activation' ? { kind: next.fn, alpha: alphaOf(next.fn, next.alpha) } : { kind: 'identity', alpha: 0 };
        const weight = addParam(`${name}.weight`, [spec.units, f], pad4(spec.units), pad4(f));
        const bias = addParam(`${name}.bias`, [spec.units], 1, pad4(spec.units));
        ops.push({ kind: 'dense', layer, name, in: f, out: spec.units, act, weight, bias });
        widths.push(spec.units);
        if (next?.kind === 'activation') { i++; layer++; } // fused: the activation keeps its index in the names
      } else if (spec.kind === 'batchnorm') {
        ops.push({ kind: 'batchnorm', layer, name, f,
          gamma: addParam(`${name}.weight`, [f], 1, pad4(f)), beta: addParam(`${name}.bias`, [f], 1, pad4(f)),
          runningMean: addBuffer(`${name}.running_mean`, f), runningVar: addBuffer(`${name}.running_var`, f) });
        widths.push(f);
      } else if (spec.kind === 'dropout') {
        ops.push({ kind: 'dropout', layer, name, f, p: spec.p });
        widths.push(f);
      } else {
        ops.push({ kind: 'activation', layer, name, f, act: { kind: spec.fn, alpha: alphaOf(spec.fn, spec.alpha) } });
        widths.push(f);
      }
    }
    if (half === 'encoder') {
      codeIndex = ops.length;
      const last = ops[ops.length - 1];
      codeActivation = last.kind === 'dense' || last.kind === 'activation' ? last.act : { kind: 'identity', alpha: 0 };
    }
  }
  if (widths[widths.length - 1] !== model.inputDim) {
    throw new Error(`decoder ends with ${widths[widths.length - 1]} features but the input has ${model.inputDim}: make its last linear layer ${model.inputDim} units`);
  }
  if (!ops.some((op) => op.kind === 'dense')) throw new Error('the model has no linear layer');
  return { inputDim: model.inputDim, ops, widths, codeIndex, codeActivation, params, buffers, paramFloats, bufferFloats };
}

/** Activation whose derivative the backward of op i must apply to the gradient it writes for its input. */
export function producerActivation(plan: Plan, i: number): Activation {
  const prev = plan.ops[i - 1];
  return prev?.kind === 'dense' ? prev.act : { kind: 'identity', alpha: 0 };
}

/** Same parameter and buffer tensors (names and shapes): weights, running statistics and optimizer state carry over. */
export function sameTensors(a: ModelConfig, b: ModelConfig): boolean {
  const shapes = (m: ModelConfig) => JSON.stringify([...buildPlan(m).params, ...buildPlan(m).buffers].map((t) => [t.name, t.shape]));
  return shapes(a) === shapes(b);
}
