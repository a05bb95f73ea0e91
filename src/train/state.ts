// TrainState: the whole state of a run as CPU copies — what a rollback snapshot, a checkpoint, the page's copy for
// a rebuild and a device-loss rebuild all hold. captureState and restoreState are its only readers and writers of a
// Trainer's slabs and position.
import type { Plan } from '../model/plan.ts';
import { MATMUL_VARIANTS, type MatmulChoices, type Product } from './kernels.ts';
import type { EpochRow } from './metrics.ts';
import type { Trainer } from './trainer.ts';

export interface TrainState {
  params: Float32Array; // (paramFloats) parameter slab
  state: Float32Array; // (bufferFloats) running statistics
  m: Float32Array; // (paramFloats) optimizer moments (Adam's first, or SGD's momentum)
  v: Float32Array; // (paramFloats) Adam's second moments
  counters?: Uint32Array; // (d_sae) a sparse autoencoder's dead-latent counters: samples since each latent fired
  epoch: number; // epochs completed
  globalStep: number; // steps taken: with the seed, the counter RNG's position (masks and noise hash (seed, step, …))
  stepInEpoch: number; // steps of the open epoch already taken (0 at an epoch boundary); the shuffle is (seed, epoch)
  lrScale: number; // the divergence guard's factor on the schedule
  kernels: MatmulChoices; // matmul variant per product: another summation order would change the bits
  history: EpochRow[]; // every finished epoch's metrics, oldest first
}

/** Every dense product's variant, spelled out, so a rebuilt trainer runs exactly the same kernels (the first layer
 * has no input gradient, so none is named for it). */
export function resolvedChoices(t: Trainer): MatmulChoices {
  const out: MatmulChoices = {};
  t.plan.ops.forEach((op, i) => {
    if (op.kind !== 'dense') return;
    const products: Product[] = i === 0 ? ['forward', 'backwardWeight'] : ['forward', 'backwardInput', 'backwardWeight'];
    out[op.name] = Object.fromEntries(products.map((p) => [p, t.kernels.dense(op.name, p).variant]));
  });
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

/** The first non-finite value of a state's slabs, named, or null. */
export function nonFiniteIn(s: Pick<TrainState, 'params' | 'state' | 'm' | 'v'>): string | null {
  for (const [name, a] of [['parameters', s.params], ['running statistics', s.state], ['optimizer moments', s.m], ['optimizer second moments', s.v]] as const) {
    const bad = a.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) return `the ${name} hold ${a[bad]} at float ${bad}`;
  }
  return null;
}

/** Read `t`'s state at a step boundary (waits for the GPU); `stepInEpoch` and `history` are the driver's. */
export async function captureState(t: Trainer, stepInEpoch: number, history: readonly EpochRow[]): Promise<TrainState> {
  return (await captureStates(t, stepInEpoch, [history]))[0];
}

/** The state of each of `t`'s batched models (`histories[i]`: model i's), in model order; only the models given
 * histories are read into states. */
export async function captureStates(t: Trainer, stepInEpoch: number, histories: readonly (readonly EpochRow[])[]): Promise<TrainState[]> {
  const slabs = await t.readModelSlabs();
  const copy = (a: Float32Array) => Float32Array.from(a);
  const kernels = resolvedChoices(t);
  return histories.map((history, i) => {
    const s = slabs[i];
    return { params: copy(s.params), state: copy(s.state), m: copy(s.m), v: copy(s.v), epoch: t.epoch, globalStep: t.globalStep,
      stepInEpoch, lrScale: t.lrScales[i], kernels, history: [...history] };
  });
}

/** Put `s` into `t` (a trainer for the same plan): slabs, position and learning-rate scale. */
export function restoreState(t: Trainer, s: TrainState): void {
  restoreStates(t, [s]);
}

/** Put `states[i]` into `t`'s model i (one state per batched model, all at one position). */
export function restoreStates(t: Trainer, states: readonly TrainState[]): void {
  if (states.length !== t.models.length) throw new Error(`restoreStates: ${states.length} states for ${t.models.length} models`);
  states.forEach((s, i) => t.writeSlabs(s, i));
  const [s] = states;
  t.setPosition({ epoch: s.epoch, globalStep: s.globalStep, lrScale: s.lrScale, lrScales: states.map((x) => x.lrScale) });
}

/** A state for `plan` at the start of a run, from given weights (the rest zero). */
export function freshPosition(): Pick<TrainState, 'epoch' | 'globalStep' | 'stepInEpoch' | 'lrScale' | 'history'> {
  return { epoch: 0, globalStep: 0, stepInEpoch: 0, lrScale: 1, history: [] };
}
