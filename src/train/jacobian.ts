// The contractive penalty λ·mean_b ‖J_b‖²_F on the GPU, exact, for any encoder stack that starts with a linear
// layer (shaders/jacobian.wgsl explains the row-wise scheme). Three dispatch lists:
//   rows     — J rows per sample from the code back to the first layer, K = W₀W₀ᵀ, T = t·K, ‖J_b‖² (and, in
//              training, the adjoint seed 2λ/B·T); recorded after the forward pass, also in evaluation.
//   adjoint  — training: the adjoint walk back up to the code, writing the penalty's weight/γ gradients into a
//              separate slab and its second-order terms (through σ'') into per-level buffers.
//   injections — after the ordinary backward writes the gradient at a level, add that level's second-order term;
//              `addGrads` finally adds the penalty's weight gradients to the gradient slab.
// BatchNorm statistics are constants inside J (the batch's in training, the running ones in evaluation).
import type { TrainConfig } from '../model/config.ts';
import { pad4, producerActivation, type Activation, type Plan } from '../model/plan.ts';
import { groups, type Alloc, type Bind, type Dispatch, type Slabs } from './bind.ts';
import type { KernelSet } from './kernels.ts';
import * as U from './uniforms.ts';
import { jacobianProblem } from './fit.ts';

const IDENTITY: Activation = { kind: 'identity', alpha: 0 };
const SECOND_ORDER = new Set(['sigmoid', 'tanh']); // activations with σ'' ≠ 0

export interface JacobianGraph {
  jac: GPUBuffer; // (B) ‖J_b‖²_F of the last measured batch
  rows: Dispatch[];
  adjoint: Dispatch[];
  injections: Map<number, Dispatch>; // level k → add its second-order term into grads[k] (k = code: the code gradient)
  addGrads: Dispatch | null;
}

export interface JacobianInputs {
  acts: GPUBuffer[]; input: GPUBuffer; grads: (GPUBuffer | null)[]; codeGrad: GPUBuffer; stats: (GPUBuffer | null)[]; scratch: GPUBuffer;
}

/** Why an encoder stack cannot have the penalty, or null. */
export function contractiveUnsupported(plan: Plan): string | null {
  if (plan.ops[0].kind !== 'dense') return 'the contractive penalty needs the encoder to start with a linear layer';
  for (let i = 1; i < plan.codeIndex; i++) {
    const op = plan.ops[i];
    if (op.kind === 'activation' && producerActivation(plan, i).kind !== 'identity') {
      return `${op.name}: an activation directly after an activated linear layer is not supported with the contractive penalty; fold them into one`;
    }
  }
  return null;
}

export function buildJacobian(device: GPUDevice, alloc: Alloc, k: KernelSet, bind: Bind, plan: Plan, cfg: TrainConfig, B: number, slabs: Slabs,
  g: JacobianInputs, adjoint: boolean): JacobianGraph {
  const why = contractiveUnsupported(plan);
  if (why) throw new Error(why);
  const c = plan.codeIndex;
  const Z = plan.widths[c];
  const P = cfg.contractiveSamples; // 0: exact
  const zr = P > 0 ? P : Z; // J rows per sample
  const mode = P > 0 ? 'projections' as const : 'exact' as const;
  const R = B * zr;
  const f4 = (i: number) => pad4(plan.widths[i]) / 4;
  const tooLarge = jacobianProblem(plan, B, P, Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize));
  if (tooLarge) throw new Error(tooLarge);
  const rowsBuffer = (label: string, i: number) => alloc(label, R * f4(i) * 16);
  const lambda = cfg.contractive;
  const jac = alloc('Jacobian.norms', B * 4);
  const J: GPUBuffer[] = [];
  const rows: Dispatch[] = [];

  // Seed at the code: e_z times the code activation's derivative (when it is fused into the code's linear layer).
  const codeOp = plan.ops[c - 1];
  const seedAct = codeOp.kind === 'dense' ? codeOp.act : IDENTITY;
  J[c] = rowsBuffer('Jacobian.rows[code]', c);
  rows.push(bind('Jacobian.seed', k.jacobianSeed, U.jacUniform({ f: Z, zr, z: Z, act: seedAct, mode }), [g.acts[c], J[c]], groups(R * f4(c))));
  // Back through the encoder to the output of the first layer, each op with its own per-sample derivatives.
  const scaleOf = (i: number, own: boolean) => {
    const op = plan.ops[i];
    const inAct = own ? producerActivation(plan, i) : IDENTITY;
    if (op.kind === 'batchnorm') return U.jacUniform({ f: op.f, zr, kind: 'batchnorm', inAct, off: op.gamma.offset / 4, off2: op.runningVar.offset / 4, eps: cfg.batchNorm.eps });
    if (op.kind === 'dropout') return U.jacUniform({ f: op.f, zr, kind: 'dropout', inAct, layer: op.layer, p: op.p, scale: Math.fround(1 / (1 - op.p)) });
    if (op.kind === 'activation') return U.jacUniform({ f: op.f, zr, kind: own ? 'activation' : 'none', act: op.act, inAct });
    throw new Error(`${op.name}: not a diagonal op`);
  };
  for (let i = c - 1; i >= 1; i--) {
    const op = plan.ops[i];
    J[i] = rowsBuffer(`Jacobian.rows[${i}]`, i);
    if (op.kind === 'dense') {
      const bi = k.dense(op.name, 'backwardInput');
      rows.push(bind(`${op.name}.jacobianRows`, bi.kernel, U.denseUniform(op.out, op.in, op.weight.offset, op.bias.offset, IDENTITY, producerActivation(plan, i), { rowMult: zr }),
        [J[i + 1], slabs.params, J[i], g.acts[i]], bi.workgroups(R, f4(i))));
    } else {
      rows.push(bind(`${op.name}.jacobianScale`, k.jacobianScale, scaleOf(i, true),
        [J[i + 1], J[i], g.acts[i], g.acts[i + 1], slabs.params, g.stats[i] ?? g.scratch, slabs.state], groups(R * f4(i))));
    }
  }
  // ‖J_b‖² = Σ_z t K tᵀ with t = J[1] and K = W₀W₀ᵀ (W₀ read in place from the parameter slab).
  const first = plan.ops[0];
  if (first.kind !== 'dense') throw new Error('unreachable');
  const h4 = f4(1);
  const H = plan.widths[1];
  const K = alloc('Jacobian.K', h4 * 4 * h4 * 16);
  const fw = k.dense(first.name, 'forward');
  rows.push(bind('Jacobian.K', fw.kernel, U.denseUniform(H, first.in, first.weight.offset, 0, IDENTITY, IDENTITY, { bias: false, fixedRows: h4 * 4, xOff: first.weight.offset }),
    [slabs.params, slabs.params, K, g.scratch], fw.workgroups(h4 * 4, h4)));
  const T = rowsBuffer('Jacobian.T', 1); // t·K, then the adjoint Ā at level 1 (in place)
  rows.push(bind('Jacobian.T', fw.kernel, U.denseUniform(H, H, 0, 0, IDENTITY, IDENTITY, { bias: false, rowMult: zr }),
    [J[1], K, T, g.scratch], fw.workgroups(R, h4)));
  rows.push(bind('Jacobian.norm', k.jacobianNorm, U.jacUniform({ f: H, zr, scale: lambda, count: adjoint ? 1 : 0, mode }), [J[1], T, jac], B));
  if (!adjoint) return { jac, rows, adjoint: [], injections: new Map(), addGrads: null };

  // ---- adjoint: ∂(λ·mean‖J‖²)/∂· walking from the first layer back up to the code ----
  const cgrads = alloc('Jacobian.grads', plan.paramFloats * 4); // zero where the penalty has no term
  const adj: Dispatch[] = [];
  const injections = new Map<number, Dispatch>();
  // W₀: ∂/∂W₀ of λ/B Σ t K tᵀ = 2λ/B (tᵀt) W₀.
  const G = alloc('Jacobian.G', h4 * 4 * h4 * 16);
  const bw0 = k.dense(first.name, 'backwardWeight');
  adj.push(bind('Jacobian.tt', bw0.kernel, U.denseGradUniform(H, H, 0, 0, { rowMult: zr, bias: false }), [J[1], J[1], G],
    bw0.workgroups(h4, h4)));
  const d4 = pad4(plan.inputDim) / 4;
  const GW = alloc('Jacobian.GW0', h4 * 4 * d4 * 16);
  const bi0 = k.dense(first.name, 'backwardInput');
  adj.push(bind('Jacobian.ttW0', bi0.kernel, U.denseUniform(H, first.in, first.weight.offset, 0, IDENTITY, IDENTITY, { fixedRows: h4 * 4 }),
    [G, slabs.params, GW, g.scratch], bi0.workgroups(h4 * 4, d4)));
  adj.push(bind('Jacobian.dW0', k.accumulate, U.accumulateUniform({ count: h4 * 4 * d4, dst: first.weight.offset, alpha: (2 * lambda) / (P > 0 ? P : 1), perRow: true, assign: true }),
    [GW, cgrads], groups(h4 * 4 * d4)));
  let A = T; // Ā at the current level
  for (let lvl = 1; lvl <= c; lvl++) {
    // The derivative factor that produced J[lvl]: the code's activation, an activation op's own, or the producer's.
    const op = plan.ops[lvl];
    const own = lvl < c && op.kind === 'activation';
    const factor = lvl === c ? seedAct : own && op.kind === 'activation' ? op.act : producerActivation(plan, lvl);
    const y = own ? g.acts[lvl + 1] : g.acts[lvl];
    if (factor.kind !== 'identity') {
      const second = SECOND_ORDER.has(factor.kind);
      const Q = second ? alloc(`Jacobian.q[${lvl}]`, B * f4(lvl) * 16) : g.scratch;
      adj.push(bind(`Jacobian.secondOrder[${lvl}]`, k.jacobianSecondOrder, U.jacUniform({ f: plan.widths[lvl], zr, act: factor, count: second ? 1 : 0 }),
        [A, J[lvl], y, Q], groups(B * f4(lvl))));
      const target = lvl === c ? g.codeGrad : g.grads[lvl]!;
      if (second) injections.set(lvl, bind(`Jacobian.inject[${lvl}]`, k.accumulate, U.accumulateUniform({ count: f4(lvl), batchShaped: true, alpha: 1 }), [Q, target], groups(B * f4(lvl))));
    }
    if (lvl === c) break;
    if (op.kind === 'dense') {
      const next = rowsBuffer(`Jacobian.adjoint[${lvl + 1}]`, lvl + 1);
      const fwd = k.dense(op.name, 'forward');
      adj.push(bind(`${op.name}.jacobianAdjoint`, fwd.kernel, U.denseUniform(op.out, op.in, op.weight.offset, 0, IDENTITY, IDENTITY, { bias: false, rowMult: zr }),
        [A, slabs.params, next, g.scratch], fwd.workgroups(R, f4(lvl + 1))));
      const bw = k.dense(op.name, 'backwardWeight');
      adj.push(bind(`${op.name}.jacobianWeightGrad`, bw.kernel, U.denseGradUniform(op.out, op.in, op.weight.offset, 0, { rowMult: zr, bias: false }),
        [J[lvl + 1], A, cgrads], bw.workgroups(f4(lvl + 1), f4(lvl))));
      A = next;
    } else if (op.kind === 'batchnorm' || op.kind === 'dropout') {
      if (op.kind === 'batchnorm') {
        adj.push(bind(`${op.name}.jacobianGammaGrad`, k.jacobianGammaGrad, U.jacUniform({ f: op.f, zr, off: op.gamma.offset / 4 }),
          [A, J[lvl + 1], g.stats[lvl]!, cgrads], groups(f4(lvl), 16)));
      }
      const next = rowsBuffer(`Jacobian.adjoint[${lvl + 1}]`, lvl + 1);
      adj.push(bind(`${op.name}.jacobianAdjointScale`, k.jacobianScale, scaleOf(lvl, false),
        [A, next, g.acts[lvl], g.acts[lvl + 1], slabs.params, g.stats[lvl] ?? g.scratch, slabs.state], groups(R * f4(lvl))));
      A = next;
    } // activation op: its own factor was applied above; Ā passes through unchanged
  }
  const addGrads = bind('Jacobian.addGrads', k.accumulate, U.accumulateUniform({ count: plan.paramFloats / 4, alpha: 1 }), [cgrads, slabs.grads], groups(plan.paramFloats / 4));
  return { jac, rows, adjoint: adj, injections, addGrads };
}
