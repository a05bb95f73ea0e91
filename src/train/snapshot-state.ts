// The whole trainable state of a run at an epoch boundary, as CPU copies: the last good state the divergence guard
// rolls back to, what a rebuilt device continues from, and what checkpoints are written from.
import type { Plan } from '../model/plan.ts';
import { MATMUL_VARIANTS, type MatmulChoices, type Product } from './kernels.ts';
import type { Trainer } from './trainer.ts';

export interface RunSnapshot {
  params: Float32Array; // (paramFloats) parameter slab
  state: Float32Array; // (bufferFloats) running statistics
  m: Float32Array; // (paramFloats) optimizer moments
  v: Float32Array;
  epoch: number; // epochs completed
  globalStep: number; // steps taken: with the seed, the counter RNG's whole state
  lrScale: number; // the divergence guard's factor on the schedule
  kernels: MatmulChoices; // matmul variant per product: another summation order would change the bits
}

/** Every dense product's variant, spelled out, so a rebuilt trainer runs exactly the same kernels. */
export function resolvedChoices(t: Trainer): MatmulChoices {
  const out: MatmulChoices = {};
  for (const op of t.plan.ops) {
    if (op.kind !== 'dense') continue;
    out[op.name] = Object.fromEntries((['forward', 'backwardInput', 'backwardWeight'] as Product[]).map((p) => [p, t.kernels.dense(op.name, p).variant]));
  }
  return out;
}

/** Checks per-product choices from a file against the plan and the known variants; returns them or throws. */
export function checkChoices(choices: unknown, plan: Plan, what: string): MatmulChoices {
  const dense = plan.ops.filter((op) => op.kind === 'dense').map((op) => op.name);
  if (typeof choices !== 'object' || choices === null) throw new Error(`${what}: metadata "matmul" is not an object`);
  for (const [layer, c] of Object.entries(choices)) {
    if (!dense.includes(layer)) throw new Error(`${what}: metadata "matmul" names ${layer}, which is not a dense layer of this model`);
    for (const [p, v] of Object.entries(c as Record<string, unknown>)) {
      if (!['forward', 'backwardInput', 'backwardWeight'].includes(p) || typeof v !== 'string' || !(v in MATMUL_VARIANTS)) {
        throw new Error(`${what}: metadata "matmul" ${layer}.${p} = ${JSON.stringify(v)} is not a product and a known variant`);
      }
    }
  }
  return choices as MatmulChoices;
}

/** Read the trainer's state (waits for the GPU). Throws naming the slab when any value is NaN or Inf: such a state
 * is never kept as "good". */
export async function captureSnapshot(t: Trainer): Promise<RunSnapshot> {
  const s = await t.readSlabs();
  for (const [name, a] of [['parameters', s.params], ['running statistics', s.state], ['optimizer moments', s.m], ['optimizer second moments', s.v]] as const) {
    const bad = a.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new Error(`the ${name} hold ${a[bad]} at float ${bad} after epoch ${t.epoch}`);
  }
  const copy = (a: Float32Array) => Float32Array.from(a);
  return { params: copy(s.params), state: copy(s.state), m: copy(s.m), v: copy(s.v), epoch: t.epoch, globalStep: t.globalStep,
    lrScale: t.lrScale, kernels: resolvedChoices(t) };
}

/** Put `s` back into `t` (same plan): slabs, position and learning-rate scale. */
export function restoreSnapshot(t: Trainer, s: RunSnapshot): void {
  t.writeSlabs(s);
  t.epoch = s.epoch;
  t.globalStep = s.globalStep;
  t.lrScale = s.lrScale;
}
