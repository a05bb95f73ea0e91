// The training step as data: every activation/gradient buffer and every bind group, made once for a plan and
// batch size, and the ordered dispatch lists (forward, loss, backward, update) that Trainer records.
import { storageBuffer, uniformBuffer, type Kernel } from '../gpu/kernels.ts';
import type { TrainConfig } from '../model/config.ts';
import { pad4, producerActivation, type Activation, type Plan } from '../model/plan.ts';
import type { KernelSet } from './kernels.ts';
import * as U from './uniforms.ts';

export interface Dispatch { kernel: Kernel; group: GPUBindGroup; workgroups: number; label: string }

export interface Slabs { params: GPUBuffer; grads: GPUBuffer; state: GPUBuffer; m: GPUBuffer; v: GPUBuffer }

export interface Graph {
  acts: GPUBuffer[]; // acts[i]: (B, pad4(widths[i])); acts[0] is the input batch
  forward: Dispatch[]; // ops in order, then the code's sparsity statistics, then the loss
  metricsTrain: Dispatch;
  metricsEval: Dispatch;
  backward: Dispatch[];
  update: Dispatch;
  gather(images: GPUBuffer, order: GPUBuffer, count: number): Dispatch;
  metrics: GPUBuffer; // sums and per-step records (reduce.wgsl)
  sparsity: GPUBuffer; // (3, Z4): ρ̂, KL_j, dKL
}

const IDENTITY: Activation = { kind: 'identity', alpha: 0 };
const groups = (threads: number, wg: number) => Math.max(1, Math.ceil(threads / wg));

export function buildGraph(device: GPUDevice, k: KernelSet, plan: Plan, cfg: TrainConfig, B: number, slabs: Slabs,
  stepBuffer: GPUBuffer, maxSteps: number): Graph {
  const f4 = (i: number) => pad4(plan.widths[i]) / 4;
  const acts = plan.widths.map((_, i) => storageBuffer(device, `Trainer.acts[${i}]`, B * f4(i) * 16));
  const grads = plan.widths.map((_, i) => (i === 0 ? null : storageBuffer(device, `Trainer.grads[${i}]`, B * f4(i) * 16)));
  const c = plan.codeIndex;
  const codeGrad = storageBuffer(device, 'Trainer.codeGrad', B * f4(c) * 16);
  const sparsity = storageBuffer(device, 'Trainer.sparsity', 3 * f4(c) * 16);
  const rowLoss = storageBuffer(device, 'Trainer.rowLoss', B * 4);
  const metrics = storageBuffer(device, 'Trainer.metrics', (U.METRIC_RECORDS + 4 * maxSteps) * 4);
  const { RM: fRM, CN: fCN } = k.variant.forward;
  const { RM: iRM, CN: iCN } = k.variant.backwardInput;
  const { RM: wRM, CN: wCN } = k.variant.backwardWeight;

  const bind = (label: string, kernel: Kernel, uniform: ArrayBuffer, buffers: GPUBuffer[], workgroups: number): Dispatch => {
    const u = uniformBuffer(device, `${label}.uniform`, uniform);
    const group = device.createBindGroup({
      label,
      layout: kernel.layout,
      entries: [{ binding: 0, resource: { buffer: stepBuffer, size: U.STEP_BYTES } }, { binding: 1, resource: { buffer: u } },
        ...buffers.map((buffer, i) => ({ binding: i + 2, resource: { buffer } }))],
    });
    return { kernel, group, workgroups, label };
  };

  const forward: Dispatch[] = [];
  const backwardOf: Dispatch[][] = plan.ops.map(() => []);
  plan.ops.forEach((op, i) => {
    const backward = backwardOf[i];
    const x = acts[i];
    const y = acts[i + 1];
    // The gradient at this op's output: the code's comes from the sparsity kernel, which adds the KL term.
    const dy = i + 1 === c ? codeGrad : grads[i + 1]!;
    const dx = grads[i];
    // The code's consumer leaves the code activation's derivative to the sparsity kernel.
    const inAct = i === c ? IDENTITY : producerActivation(plan, i);
    const wg = 64;
    if (op.kind === 'dense') {
      const n4 = pad4(op.out) / 4;
      const k4 = pad4(op.in) / 4;
      const fwd = U.denseUniform(op.out, op.in, op.weight.offset, op.bias.offset, op.act, inAct);
      forward.push(bind(`${op.name}.denseForward`, k.denseForward, fwd, [x, slabs.params, y], groups(Math.ceil(B / fRM) * Math.ceil(n4 / fCN), wg)));
      backward.push(bind(`${op.name}.denseBackwardWeight`, k.denseBackwardWeight, U.denseGradUniform(op.out, op.in, op.weight.offset, op.bias.offset),
        [dy, x, slabs.grads], groups(Math.ceil(n4 / wRM) * Math.ceil(k4 / wCN), wg)));
      if (dx) backward.push(bind(`${op.name}.denseBackwardInput`, k.denseBackwardInput, fwd, [dy, slabs.params, dx, x], groups(Math.ceil(B / iRM) * Math.ceil(k4 / iCN), wg)));
    } else if (op.kind === 'batchnorm') {
      const stats = storageBuffer(device, `${op.name}.stats`, 2 * f4(i) * 16);
      const u = U.normUniform(op.f, op.gamma.offset, op.beta.offset, op.runningMean.offset, op.runningVar.offset, cfg.batchNorm.eps, cfg.batchNorm.momentum, inAct);
      forward.push(bind(`${op.name}.batchNormForward`, k.normForward, u, [x, slabs.params, stats, y, slabs.state], groups(f4(i), 16)));
      if (dx) backward.push(bind(`${op.name}.batchNormBackward`, k.normBackward, u, [x, slabs.params, stats, dy, dx, slabs.grads], groups(f4(i), 16)));
      else throw new Error(`${op.name}: BatchNorm directly on the input is not supported; put a linear layer first`);
    } else if (op.kind === 'dropout') {
      forward.push(bind(`${op.name}.dropoutForward`, k.dropoutForward, U.dropoutUniform(op.f, op.layer, op.p, inAct), [x, y], groups(B * f4(i), wg)));
      if (dx) backward.push(bind(`${op.name}.dropoutBackward`, k.dropoutBackward, U.dropoutUniform(op.f, op.layer, op.p, inAct), [dy, dx, x], groups(B * f4(i), wg)));
    } else {
      const u = U.activationUniform(op.f, op.act, inAct);
      forward.push(bind(`${op.name}.activationForward`, k.activationForward, u, [x, y], groups(B * f4(i), wg)));
      if (dx) backward.push(bind(`${op.name}.activationBackward`, k.activationBackward, u, [dy, dx, y, x], groups(B * f4(i), wg)));
    }
  });

  // Sparsity statistics run in every mode (they give the activity metric); the weight is 0 when off.
  const z = plan.widths[c];
  const weight = cfg.sparsity.kind === 'kl' ? cfg.sparsity.weight : 0;
  const codeOp = plan.ops[c - 1];
  const codeGradAct = codeOp.kind === 'dense' ? codeOp.act : IDENTITY;
  const spU = U.sparsityUniform(z, cfg.sparsity.rho, weight, plan.codeActivation, codeGradAct);
  forward.push(bind('Trainer.klSparsityForward', k.klForward, spU, [acts[c], sparsity], groups(f4(c), 64)));
  // Backward runs the ops in reverse; the sparsity gradient joins the decoder's before the encoder's backward.
  backwardOf[c].push(bind('Trainer.klSparsityBackward', k.klBackward, spU, [acts[c], sparsity, grads[c]!, codeGrad], groups(B * f4(c), 64)));
  const backward = backwardOf.reverse().flat();

  const last = plan.ops[plan.ops.length - 1];
  const outAct = last.kind === 'dense' ? last.act : IDENTITY;
  const n = plan.widths.length - 1;
  forward.push(bind('Trainer.mseLoss', k.mseLoss, U.lossUniform(plan.inputDim, outAct), [acts[n], acts[0], grads[n]!, rowLoss], groups(B, 64)));
  const metricsTrain = bind('Trainer.metricsTrain', k.metrics, U.metricsUniform(plan.inputDim, z, weight, U.TRAIN_SUMS, true), [rowLoss, sparsity, metrics], 1);
  const metricsEval = bind('Trainer.metricsEval', k.metrics, U.metricsUniform(plan.inputDim, z, weight, U.EVAL_SUMS, false), [rowLoss, sparsity, metrics], 1);

  const opt = cfg.optimizer;
  const update = bind(`Trainer.${opt.kind}Update`, opt.kind === 'sgd' ? k.sgd : k.adam, U.optimizerUniform(plan.paramFloats, opt.beta1, opt.beta2, opt.eps, opt.momentum),
    [slabs.params, slabs.grads, slabs.m, slabs.v], groups(plan.paramFloats / 4, 64));

  const gather = (images: GPUBuffer, order: GPUBuffer, count: number) =>
    bind('Trainer.gatherBatch', k.gather, U.gatherUniform(plan.inputDim, count), [images, order, acts[0]], groups(B * f4(0), 64));
  return { acts, forward, metricsTrain, metricsEval, backward, update, gather, metrics, sparsity };
}
