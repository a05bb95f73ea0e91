// A sparse autoencoder's tensors as a Plan (src/model/plan.ts): SAELens's names and shapes — W_enc (d_in, d_sae),
// b_enc, W_dec (d_sae, d_in), b_dec, and threshold (d_sae) when the layout has one — at their offsets in the
// parameter slab, so checkpoints, --init and exports read and write them like any model's tensors.
import { saeModel, type TrainConfig } from '../model/config.ts';
import { buildPlan, type Plan, type SlabTensor } from '../model/plan.ts';
import { saeLayout, type SaeLayout } from './kernels.ts';

export function saeTensors(l: SaeLayout): SlabTensor[] {
  const view = (name: string, offset: number, shape: number[]): SlabTensor => ({ name, shape, rows: shape.length === 2 ? shape[0] : 1, stride: shape.at(-1)!, offset });
  const { dIn, dSae } = l;
  const threshold = (l as SaeLayout & { threshold?: number }).threshold; // the JumpReLU layout's θ offset, where it has one
  return [view('W_enc', l.wEnc, [dIn, dSae]), view('b_enc', l.bEnc, [dSae]), view('W_dec', l.wDec, [dSae, dIn]), view('b_dec', l.bDec, [dIn]),
    ...(threshold === undefined ? [] : [view('threshold', threshold, [dSae])])];
}

/** The Plan of `cfg`'s tensors: the MLP's, or for an SAE its SAELens tensors over its MLP shape's widths. */
export function tensorPlan(cfg: TrainConfig): Plan {
  if (!cfg.sae) return buildPlan(cfg.model);
  const dIn = cfg.model.inputDim;
  const l = saeLayout(dIn, cfg.sae.dSae);
  return { ...buildPlan(saeModel(dIn, cfg.sae.dSae)), ops: [], params: saeTensors(l), buffers: [], paramFloats: l.floats, bufferFloats: 0 };
}

/** How to read starting weights for `cfg` from a file whose tensors are `names`: SAELens's TopK and standard SAEs have
 * no θ, so then the plan leaves it out and `finish` gives it its starting value (JumpReLU: --threshold-init; the
 * BatchTopK estimate and the kinds without one: 0). */
export function weightsPlan(cfg: TrainConfig, names: ReadonlySet<string>): { plan: Plan; finish(params: Float32Array): void } {
  const plan = tensorPlan(cfg);
  const theta = plan.params.find((t) => t.name === 'threshold');
  if (!cfg.sae || !theta || names.has('threshold')) return { plan, finish: () => {} };
  const start = cfg.sae.kind === 'jumprelu' ? cfg.sae.thresholdInit : 0;
  return { plan: { ...plan, params: plan.params.filter((t) => t !== theta) }, finish: (p) => p.fill(start, theta.offset, theta.offset + theta.shape[0]) };
}
