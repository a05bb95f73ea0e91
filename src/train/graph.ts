// The training step as data: every activation/gradient buffer and every bind group, made once for a plan and
// batch size, and the ordered dispatch lists (corrupt, forward, loss, backward, update) that Trainer records.
// Several models of one plan train as one batch (docs/design.md "Batched sweeps"): every buffer holds one slice per
// model, the dispatches' z extent is the model count, and the per-model settings sit in per-model uniforms.
import type { TrainConfig } from '../model/config.ts';
import { pad4, producerActivation, type Activation, type Plan } from '../model/plan.ts';
import { BufferOwner, groups, makeBinder, type Dispatch, type Slabs } from './bind.ts';
import type { KernelSet } from './kernels.ts';
import { buildJacobian, contractiveUnsupported, type JacobianGraph } from './jacobian.ts';
import * as U from './uniforms.ts';
import { EVAL_NOISY_SUMS, EVAL_SUMS, METRIC_RECORDS, RECORD_SIZE, TRAIN_SUMS } from './metrics.ts';

export type { Dispatch, Slabs } from './bind.ts';

export interface Graph {
  acts: GPUBuffer[]; // acts[i]: (models, B, pad4(widths[i])); acts[0] is the clean input batch
  input: GPUBuffer; // what the encoder reads: acts[0], or the corrupted copy when denoising
  corrupt: Dispatch | null; // clean → corrupted (or a copy when the Step slot says not to corrupt)
  forward: Dispatch[]; // ops in order, the code's sparsity statistics, the loss
  metricsTrain: Dispatch;
  metricsEval: Dispatch; // evaluation on clean inputs
  jacobian: JacobianGraph | null; // ‖J‖²_F rows (and in training with λ > 0 the adjoint); null when not built
  metricsEvalJacobian: Dispatch | null; // evaluation on clean inputs after jacobian.rows: with encoder sensitivity
  metricsEvalNoisy: Dispatch; // evaluation on corrupted inputs (denoising)
  backward: Dispatch[];
  update: Dispatch;
  step: Dispatch[]; // a whole training step after the batch gather: corrupt, forward, penalty, metrics, backward, update
  gather(images: GPUBuffer, order: GPUBuffer, count: number, orderStride?: number): Dispatch;
  metrics: GPUBuffer; // (models, metricsFloats): sums and per-step records (reduce.wgsl)
  metricsFloats: number; // floats of one model's slice of `metrics`
  units: GPUBuffer; // (models, pad4(Z)) active evaluation samples per code unit
  sparsity: GPUBuffer; // (models, 4, Z4): ρ̂, penalty_j, dKL, active count
  destroy(): void; // every buffer the graph made (not the slabs or the step buffer it was given)
}

const IDENTITY: Activation = { kind: 'identity', alpha: 0 };

/** `jacobian`: 'train' builds the contractive penalty (λ > 0), 'measure' only the ‖J‖²_F evaluation, 'none' neither.
 * `models`: the configs of the batched models (same plan; `cfg` is the first); the slabs hold one slice each. */
export function buildGraph(device: GPUDevice, k: KernelSet, plan: Plan, cfg: TrainConfig, B: number, slabs: Slabs,
  stepBuffer: GPUBuffer, maxSteps: number, image: { width: number; height: number }, jacobian: 'train' | 'measure' | 'none' = 'none',
  models: readonly TrainConfig[] = [cfg]): Graph {
  const M = models.length;
  if (M > 1 && jacobian !== 'none') throw new Error('buildGraph: the Jacobian pass is not batched; build contractive models one at a time');
  const f4 = (i: number) => pad4(plan.widths[i]) / 4;
  const owner = new BufferOwner(device);
  const alloc = (label: string, bytes: number) => owner.alloc(label, M * bytes); // one slice per model
  const batchBuffer = (label: string, i: number) => alloc(label, B * f4(i) * 16);
  const acts = plan.widths.map((_, i) => batchBuffer(`Trainer.acts[${i}]`, i));
  const grads = plan.widths.map((_, i) => (i === 0 ? null : batchBuffer(`Trainer.grads[${i}]`, i)));
  const c = plan.codeIndex;
  const n = plan.widths.length - 1;
  const codeGrad = batchBuffer('Trainer.codeGrad', c);
  const sparsity = alloc('Trainer.sparsity', 4 * f4(c) * 16);
  const rowLoss = alloc('Trainer.rowLoss', B * 8);
  const metricsFloats = METRIC_RECORDS + RECORD_SIZE * maxSteps;
  const metrics = alloc('Trainer.metrics', metricsFloats * 4);
  const units = alloc('Trainer.units', pad4(plan.widths[c]) * 4);
  const noJac = alloc('Trainer.noJacobian', B * 4); // zeros: batches whose ‖J‖²_F is not measured
  const bce = models.some((c) => c.loss === 'bce');
  const logits = bce ? batchBuffer('Trainer.logits', n) : alloc('Trainer.noLogits', 16);
  const denoising = models.some((c) => c.corruption.kind !== 'none');
  const input = denoising ? batchBuffer('Trainer.corrupted', 0) : acts[0];
  const scratch = owner.alloc('Trainer.scratch', 16); // bound where a kernel's optional output is unused
  const bind = makeBinder(device, stepBuffer, owner, M);

  // A dropout right after a BatchNorm runs inside it (norm.wgsl regenerates the mask): 2 dispatches fewer per pair.
  // Not when the contractive penalty is trained: its second-order terms join the backward at the dropout's output
  // gradient, which the fused backward never writes; nor where the BatchNorm's output is the code.
  const fusedDropout = (i: number) => {
    const [bn, next] = [plan.ops[i], plan.ops[i + 1]];
    return bn?.kind === 'batchnorm' && next?.kind === 'dropout' && jacobian !== 'train' && i + 1 !== c ? next : null;
  };
  const forward: Dispatch[] = [];
  const backwardOf: Dispatch[][] = plan.ops.map(() => []);
  const stats: (GPUBuffer | null)[] = plan.ops.map(() => null);
  plan.ops.forEach((op, i) => {
    const backward = backwardOf[i];
    const x = i === 0 ? input : acts[i];
    const y = acts[i + 1];
    // The gradient at this op's output: the code's comes from the sparsity kernel, which adds the penalty's.
    const dy = i + 1 === c ? codeGrad : grads[i + 1]!;
    const dx = grads[i];
    // The code's consumer leaves the code activation's derivative to the sparsity kernel.
    const inAct = i === c ? IDENTITY : producerActivation(plan, i);
    if (op.kind === 'dense') {
      const n4 = pad4(op.out) / 4;
      const k4 = pad4(op.in) / 4;
      const writePre = bce && i === plan.ops.length - 1;
      const fwd = U.denseUniform(op.out, op.in, op.weight.offset, op.bias.offset, op.act, inAct, { writePre });
      const f = k.dense(op.name, 'forward');
      const w = k.dense(op.name, 'backwardWeight');
      const bi = k.dense(op.name, 'backwardInput');
      forward.push(bind(`${op.name}.denseForward`, f.kernel, fwd, [x, slabs.params, y, writePre ? logits : scratch], f.workgroups(B, n4)));
      backward.push(bind(`${op.name}.denseBackwardWeight`, w.kernel, U.denseGradUniform(op.out, op.in, op.weight.offset, op.bias.offset),
        [dy, x, slabs.grads], w.workgroups(n4, k4)));
      if (dx) backward.push(bind(`${op.name}.denseBackwardInput`, bi.kernel, fwd, [dy, slabs.params, dx, x], bi.workgroups(B, k4)));
    } else if (op.kind === 'batchnorm') {
      if (!dx) throw new Error(`${op.name}: BatchNorm directly on the input is not supported; put a linear layer first`);
      const st = (stats[i] = alloc(`${op.name}.stats`, 2 * f4(i) * 16));
      const drop = fusedDropout(i);
      const u = U.normUniform(op.f, op.gamma.offset, op.beta.offset, op.runningMean.offset, op.runningVar.offset, cfg.batchNorm.eps, cfg.batchNorm.momentum, inAct,
        drop ? { f: drop.f, layer: drop.layer, p: drop.p } : undefined);
      const label = drop ? `${op.name}.batchNormDropout` : `${op.name}.batchNorm`;
      forward.push(bind(`${label}Forward`, k.normForward, u, [x, slabs.params, st, y, slabs.state, drop ? acts[i + 2] : scratch], groups(f4(i), 16)));
      // The fused backward takes the gradient at the dropout's output (grads[i + 1] is then never written).
      const dyNorm = drop ? (i + 2 === c ? codeGrad : grads[i + 2]!) : dy;
      backward.push(bind(`${label}Backward`, k.normBackward, u, [x, slabs.params, st, dyNorm, dx, slabs.grads], groups(f4(i), 16)));
    } else if (op.kind === 'dropout') {
      if (fusedDropout(i - 1)) return; // runs inside the BatchNorm before it, both ways
      const u = U.dropoutUniform(op.f, op.layer, op.p, inAct);
      forward.push(bind(`${op.name}.dropoutForward`, k.dropoutForward, u, [x, y], groups(B * f4(i))));
      if (dx) backward.push(bind(`${op.name}.dropoutBackward`, k.dropoutBackward, u, [dy, dx, x], groups(B * f4(i))));
    } else {
      const u = U.activationUniform(op.f, op.act, inAct);
      forward.push(bind(`${op.name}.activationForward`, k.activationForward, u, [x, y], groups(B * f4(i))));
      if (dx) backward.push(bind(`${op.name}.activationBackward`, k.activationBackward, u, [dy, dx, y, x], groups(B * f4(i))));
    }
  });

  // Sparsity statistics run in every mode (they give the activity metrics); the weight is 0 when off.
  const z = plan.widths[c];
  const weightOf = (c: TrainConfig) => (c.sparsity.kind === 'none' ? 0 : c.sparsity.weight);
  const codeOp = plan.ops[c - 1];
  const codeGradAct = codeOp.kind === 'dense' ? codeOp.act : IDENTITY;
  const spU = U.perModel(models.map((m) => U.sparsityUniform(z, m.sparsity.kind, m.sparsity.rho, weightOf(m), plan.codeActivation, codeGradAct)));
  forward.push(bind('Trainer.sparsityForward', k.sparsityForward, spU, [acts[c], sparsity], groups(f4(c))));
  // Backward runs the ops in reverse; the sparsity gradient joins the decoder's before the encoder's backward.
  backwardOf[c].push(bind('Trainer.sparsityBackward', k.sparsityBackward, spU, [acts[c], sparsity, grads[c]!, codeGrad], groups(B * f4(c))));
  // The contractive penalty: its second-order terms join the backward right after the gradient at their level is
  // written (before the op below reads it); its weight gradients are added at the end.
  const jg = jacobian === 'none' || (jacobian === 'measure' && contractiveUnsupported(plan)) ? null
    : buildJacobian(device, alloc, k, bind, plan, cfg, B, slabs, { acts, input, grads, codeGrad, stats, scratch }, jacobian === 'train');
  for (const [level, d] of jg?.injections ?? []) backwardOf[level].push(d);
  const backward = backwardOf.reverse().flat();
  if (jg?.addGrads) backward.push(jg.addGrads);

  const last = plan.ops[plan.ops.length - 1];
  const outAct = last.kind === 'dense' ? last.act : IDENTITY;
  if (bce && !(last.kind === 'dense' && last.act.kind === 'sigmoid')) {
    throw new Error('--loss bce needs the decoder to end in a linear layer followed by a sigmoid (BCE is computed from its logits)');
  }
  const lossU = U.perModel(models.map((m) => U.lossUniform(plan.inputDim, outAct, m.loss)));
  forward.push(bind('Trainer.reconLoss', k.reconLoss, lossU, [acts[n], acts[0], grads[n]!, rowLoss, logits], groups(B)));
  const metricsFor = (label: string, base: number, training: boolean, jac: GPUBuffer) => bind(label, k.metrics,
    U.perModel(models.map((m, i) => U.metricsUniform(plan.inputDim, z, { base, records: training, units: !training && base === EVAL_SUMS,
      weight: weightOf(m), contractive: m.contractive, modelBase: i * metricsFloats, unitsBase: i * pad4(z) }))),
    [rowLoss, sparsity, metrics, units, jac], 1);

  const opt = cfg.optimizer;
  const update = bind(`Trainer.${opt.kind}Update`, opt.kind === 'sgd' ? k.sgd : k.adam, U.optimizerUniform(plan.paramFloats, opt.beta1, opt.beta2, opt.eps, opt.momentum),
    [slabs.params, slabs.grads, slabs.m, slabs.v], groups(plan.paramFloats / 4));
  const corrupt = denoising ? bind('Trainer.corruptBatch', k.corrupt, U.perModel(models.map((m) =>
    U.corruptUniform(plan.inputDim, m.corruption.kind, m.corruption.level, image.width, image.height))), [acts[0], input], groups(B * f4(0))) : null;

  // `orderStride`: entries of `order` per model (each model's own shuffle), or 0 when all read one order.
  const gather = (images: GPUBuffer, order: GPUBuffer, count: number, orderStride = 0) =>
    bind('Trainer.gatherBatch', k.gather, U.gatherUniform(plan.inputDim, count, orderStride), [images, order, acts[0]], groups(B * f4(0)));
  const training = jg?.addGrads ? jg.jac : noJac;
  const metricsTrain = metricsFor('Trainer.metricsTrain', TRAIN_SUMS, true, training);
  const penalty = jacobian === 'train' && jg ? [...jg.rows] : [];
  const step = [...(corrupt ? [corrupt] : []), ...forward, ...penalty, metricsTrain, ...(jg?.adjoint ?? []), ...backward, update];
  return { acts, input, corrupt, forward, metricsTrain, step,
    metricsEval: metricsFor('Trainer.metricsEval', EVAL_SUMS, false, noJac), metricsEvalNoisy: metricsFor('Trainer.metricsEvalNoisy', EVAL_NOISY_SUMS, false, noJac),
    jacobian: jg, metricsEvalJacobian: jg ? metricsFor('Trainer.metricsEvalJacobian', EVAL_SUMS, false, jg.jac) : null,
    backward, update, gather, metrics, metricsFloats, units, sparsity, destroy: () => owner.destroy() };
}
