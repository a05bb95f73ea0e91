// Float64 reference of a whole training step: the config's layer lists walked as ops, forward and
// backward side by side, Adam on top. Parameter names are the PyTorch nn.Sequential state_dict names.

import type { ActivationKind, LayerSpec, ModelConfig, TrainConfig } from '../model/config.ts';
import { activationBackward, activationForward, DEFAULT_LEAKY_ALPHA } from './activation.ts';
import { denseBackward, denseForward } from './dense.ts';
import { dropoutBackward, dropoutForward, dropoutMask } from './dropout.ts';
import { lossBackward, lossForward, mseForward } from './loss.ts';
import { corruptBatch } from './corrupt.ts';
import { batchNormBackward, batchNormEval, batchNormForward, batchNormRunningUpdate } from './norm.ts';
import type { BatchNormCache } from './norm.ts';
import { adamUpdate } from './optimizer.ts';
import type { AdamHyper } from './optimizer.ts';
import { refContractive, type EncoderTrace } from './contractive.ts';
import type { RefOp } from './ops.ts';

export type { RefOp } from './ops.ts';
import { klSparsityBackward, klSparsityForward, l1SparsityBackward, l1SparsityForward } from './sparsity.ts';

export type ParamMap = Map<string, Float64Array>;

export interface RefPlan {
  ops: RefOp[];
  codeOp: number; // index of the last encoder op: its output is the code z
  codeDim: number; // Z
  tanhCode: boolean; // the code activation is tanh, so activity = (z + 1)/2
}

function opFn(spec: Extract<LayerSpec, { kind: 'activation' }>): { fn: ActivationKind; alpha: number } {
  return { fn: spec.fn, alpha: spec.alpha ?? DEFAULT_LEAKY_ALPHA };
}

/** Linear + directly following activation fuse into one dense op (within a half); the rest are their own op. */
export function refPlan(model: ModelConfig): RefPlan {
  const ops: RefOp[] = [];
  let width = model.inputDim;
  let codeOp = -1;
  let codeDim = 0;
  let tanhCode = false;
  const halves: [string, LayerSpec[]][] = [['encoder', model.encoder], ['decoder', model.decoder]];
  let layerBase = 0;
  for (const [half, specs] of halves) {
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i];
      const name = `${half}.${i}`;
      if (spec.kind === 'linear') {
        const next = specs[i + 1];
        const act = next?.kind === 'activation' ? opFn(next) : { fn: 'identity' as const, alpha: 0 };
        ops.push({ kind: 'dense', name, nIn: width, nOut: spec.units, ...act });
        width = spec.units;
        if (next?.kind === 'activation') i++;
      } else if (spec.kind === 'activation') {
        ops.push({ kind: 'activation', width, ...opFn(spec) });
      } else if (spec.kind === 'batchnorm') {
        ops.push({ kind: 'batchnorm', name, width });
      } else {
        ops.push({ kind: 'dropout', layer: layerBase + i, width, p: spec.p });
      }
    }
    if (half === 'encoder') {
      if (ops.length === 0) throw new Error('refPlan: the encoder has no layers');
      const last = ops[ops.length - 1];
      codeOp = ops.length - 1;
      codeDim = width;
      tanhCode = (last.kind === 'dense' || last.kind === 'activation') && last.fn === 'tanh';
    }
    layerBase += specs.length;
  }
  if (width !== model.inputDim) {
    throw new Error(`refPlan: the decoder ends at width ${width}, expected inputDim ${model.inputDim}`);
  }
  return { ops, codeOp, codeDim, tanhCode };
}

/** Every state_dict tensor and its shape: weight (out, in), bias, BN weight/bias/running_mean/running_var. */
export function refParamShapes(model: ModelConfig): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (const op of refPlan(model).ops) {
    if (op.kind === 'dense') {
      shapes.set(`${op.name}.weight`, [op.nOut, op.nIn]);
      shapes.set(`${op.name}.bias`, [op.nOut]);
    } else if (op.kind === 'batchnorm') {
      for (const s of ['weight', 'bias', 'running_mean', 'running_var']) shapes.set(`${op.name}.${s}`, [op.width]);
    }
  }
  return shapes;
}

function param(params: ParamMap, name: string, length: number): Float64Array {
  const p = params.get(name);
  if (!p) throw new Error(`ref model: missing parameter '${name}'`);
  if (p.length !== length) throw new Error(`ref model: '${name}' has ${p.length} values, expected ${length}`);
  return p;
}

export interface RefStepResult {
  loss: number; // recon + weight·sparsity
  recon: number; // the configured reconstruction loss
  mse: number;
  sparsity: number; // the penalty before its weight (KL sum or mean |z|)
  kl: number; // Σ_j KL(ρ‖ρ̂_j), before β; 0 when sparsity.kind is 'none'
  jacobian: number; // mean ‖J_b‖²_F over the batch (computed when cfg.contractive > 0 or asked for), else 0
  jacobianPerSample: Float64Array | null;
  output: Float64Array; // (B, D)
  code: Float64Array; // (B, Z)
  rhoHat: Float64Array; // (Z)
  grads: ParamMap; // trainable tensors only; empty in evaluation
  running: ParamMap; // running_mean/var after this step (unchanged copies in evaluation)
  activations: Float64Array[]; // output of every op of refPlan, in order
}

export function refForwardBackward(
  cfg: TrainConfig, params: ParamMap,
  x: Float64Array, // (B, D)
  B: number, step: number, training: boolean,
  image: { width: number; height: number; corrupt: boolean; step?: number; noisy?: Float64Array } = { width: cfg.model.inputDim, height: 1, corrupt: training },
  opts: { jacobian?: boolean; frozenInvStd?: Map<string, Float64Array> } = {},
): RefStepResult {
  const plan = refPlan(cfg.model);
  const D = cfg.model.inputDim;
  if (x.length !== B * D) throw new Error(`ref model: x has ${x.length} values, expected ${B}×${D}`);
  const { eps, momentum } = cfg.batchNorm;
  const activations: Float64Array[] = [];
  const caches: (BatchNormCache | Float64Array | null)[] = []; // BN cache or dropout mask per op
  const running: ParamMap = new Map();
  // Denoising: the encoder reads the corrupted batch; the loss is always against the clean one.
  // (`noisy` supplies the corrupted batch directly, e.g. the GPU's, to compare everything downstream of it.)
  const input = image.noisy ?? (image.corrupt ? corruptBatch(x, B, D, cfg.corruption.kind, cfg.corruption.level, cfg.seed, image.step ?? step, image.width, image.height) : x);
  let h = input;
  for (const op of plan.ops) {
    let cache: BatchNormCache | Float64Array | null = null;
    if (op.kind === 'dense') {
      const W = param(params, `${op.name}.weight`, op.nOut * op.nIn);
      const b = param(params, `${op.name}.bias`, op.nOut);
      h = denseForward(h, W, b, B, op.nIn, op.nOut, op.fn, op.alpha);
    } else if (op.kind === 'activation') {
      h = activationForward(h, op.fn, op.alpha);
    } else if (op.kind === 'batchnorm') {
      const F = op.width;
      const gamma = param(params, `${op.name}.weight`, F);
      const beta = param(params, `${op.name}.bias`, F);
      const rm = param(params, `${op.name}.running_mean`, F);
      const rv = param(params, `${op.name}.running_var`, F);
      if (training) {
        const c = batchNormForward(h, gamma, beta, B, F, eps);
        const upd = batchNormRunningUpdate(rm, rv, c.mean, c.variance, B, momentum);
        running.set(`${op.name}.running_mean`, upd.runningMean);
        running.set(`${op.name}.running_var`, upd.runningVar);
        cache = c;
        h = c.y;
      } else {
        running.set(`${op.name}.running_mean`, rm.slice());
        running.set(`${op.name}.running_var`, rv.slice());
        h = batchNormEval(h, gamma, beta, rm, rv, B, F, eps);
      }
    } else if (training) {
      const mask = dropoutMask(cfg.seed, step, op.layer, B, op.width, op.p);
      cache = mask;
      h = dropoutForward(h, mask);
    }
    activations.push(h);
    caches.push(cache);
  }

  const output = h; // (B, D)
  const h0 = input;
  const code = activations[plan.codeOp]; // (B, Z)
  const Z = plan.codeDim;
  const sp = cfg.sparsity;
  const mse = mseForward(output, x);
  const recon = lossForward(cfg.loss, output, x);
  const { value, rhoHat } = klSparsityForward(code, B, Z, sp.rho, plan.tanhCode);
  const kl = sp.kind === 'kl' ? value : 0;
  const sparsity = sp.kind === 'kl' ? value : sp.kind === 'l1' ? l1SparsityForward(code) : 0;
  const lambda = cfg.contractive;
  const contractive = lambda > 0 || opts.jacobian
    ? refContractive(encoderTrace(plan, params, activations, caches, D, training, eps, opts.frozenInvStd), B, lambda, training && lambda > 0,
      cfg.contractiveSamples > 0 ? { P: cfg.contractiveSamples, seed: cfg.seed, step } : undefined)
    : null;
  const jacobian = contractive?.mean ?? 0;
  const loss = recon + (sp.kind === 'none' ? 0 : sp.weight * sparsity) + lambda * jacobian;
  const grads: ParamMap = new Map();
  const jacobianPerSample = contractive?.perSample ?? null;
  if (!training) return { loss, recon, mse, sparsity, kl, jacobian, jacobianPerSample, output, code, rhoHat, grads, running, activations };
  const extra = (target: Float64Array, add: Float64Array | null | undefined) => { if (add) for (let e = 0; e < add.length; e++) target[e] += add[e]; };

  let dh = lossBackward(cfg.loss, output, x); // (B, D), then the gradient wrt each op's output walking back
  for (let i = plan.ops.length - 1; i >= 0; i--) {
    const op = plan.ops[i];
    if (i === plan.codeOp && sp.kind !== 'none') {
      const dsp = sp.kind === 'kl' ? klSparsityBackward(rhoHat, B, Z, sp.rho, plan.tanhCode) : l1SparsityBackward(code); // (B, Z)
      for (let e = 0; e < dh.length; e++) dh[e] += sp.weight * dsp[e];
    }
    const input = i > 0 ? activations[i - 1] : h0;
    if (op.kind === 'dense') {
      const W = param(params, `${op.name}.weight`, op.nOut * op.nIn);
      const dz = activationBackward(dh, activations[i], op.fn, op.alpha);
      extra(dz, contractive?.dPre[i]);
      const g = denseBackward(dz, input, W, B, op.nIn, op.nOut);
      extra(g.dW, contractive?.dW[i]);
      grads.set(`${op.name}.weight`, g.dW);
      grads.set(`${op.name}.bias`, g.db);
      dh = g.dx;
    } else if (op.kind === 'activation') {
      dh = activationBackward(dh, activations[i], op.fn, op.alpha);
      extra(dh, contractive?.dPre[i]);
    } else if (op.kind === 'batchnorm') {
      const gamma = param(params, `${op.name}.weight`, op.width);
      const g = batchNormBackward(dh, caches[i] as BatchNormCache, gamma, B, op.width);
      extra(g.dgamma, contractive?.dGamma[i]);
      grads.set(`${op.name}.weight`, g.dgamma);
      grads.set(`${op.name}.bias`, g.dbeta);
      dh = g.dx;
    } else {
      dh = dropoutBackward(dh, caches[i] as Float64Array);
    }
  }
  return { loss, recon, mse, sparsity, kl, jacobian, jacobianPerSample, output, code, rhoHat, grads, running, activations };
}

/** What the contractive reference needs of a forward pass over the encoder (ops 0..codeOp). `frozenInvStd`
 * replaces BatchNorm's 1/σ inside J (by op name), so finite differences can hold the statistics constant there. */
export function encoderTrace(plan: RefPlan, params: ParamMap, activations: Float64Array[], caches: (BatchNormCache | Float64Array | null)[],
  D: number, training: boolean, eps: number, frozenInvStd?: Map<string, Float64Array>): EncoderTrace {
  const ops = plan.ops.slice(0, plan.codeOp + 1);
  const invStd = ops.map((op, l) => {
    if (op.kind !== 'batchnorm') return null;
    const frozen = frozenInvStd?.get(op.name);
    if (frozen) return frozen;
    if (training) return (caches[l] as BatchNormCache).invStd;
    const rv = param(params, `${op.name}.running_var`, op.width);
    return rv.map((v) => 1 / Math.sqrt(v + eps));
  });
  return {
    ops, inputDim: D, outputs: activations.slice(0, ops.length),
    weights: ops.map((op) => (op.kind === 'dense' ? param(params, `${op.name}.weight`, op.nOut * op.nIn) : null)),
    bnInvStd: invStd,
    bnScale: ops.map((op, l) => (op.kind === 'batchnorm' ? param(params, `${op.name}.weight`, op.width).map((g, f) => g * invStd[l]![f]) : null)),
    masks: ops.map((op, l) => (op.kind === 'dropout' && training ? (caches[l] as Float64Array) : null)),
  };
}

/** Adam over every tensor in grads, in place; missing moment tensors start at zero. */
export function refAdamStep(
  params: ParamMap, grads: ParamMap, m: ParamMap, v: ParamMap, t: number, lr: number, opt: AdamHyper,
): void {
  for (const [name, g] of grads) {
    const p = param(params, name, g.length);
    if (!m.has(name)) m.set(name, new Float64Array(g.length));
    if (!v.has(name)) v.set(name, new Float64Array(g.length));
    adamUpdate(p, g, param(m, name, g.length), param(v, name, g.length), t, lr, opt);
  }
}

/** One training step: forward/backward at `step`, Adam with t = step + 1, running stats written into params. */
export function refTrainStep(
  cfg: TrainConfig, params: ParamMap, adamM: ParamMap, adamV: ParamMap,
  x: Float64Array, // (B, D)
  B: number, step: number, lr: number,
  image?: { width: number; height: number; corrupt: boolean; noisy?: Float64Array },
): { loss: number; recon: number; mse: number; sparsity: number; kl: number; jacobian: number } {
  const r = refForwardBackward(cfg, params, x, B, step, true, image);
  refAdamStep(params, r.grads, adamM, adamV, step + 1, lr, cfg.optimizer);
  for (const [name, value] of r.running) param(params, name, value.length).set(value);
  return { loss: r.loss, recon: r.recon, mse: r.mse, sparsity: r.sparsity, kl: r.kl, jacobian: r.jacobian };
}
