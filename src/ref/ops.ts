// The ops of the float64 reference's walk through a model, shared by the whole-model reference and the
// contractive penalty's (kept apart so neither imports the other's module).
import type { ActivationKind } from '../model/config.ts';

/** One op of the walk; `name` is the state_dict prefix, e.g. 'encoder.0'; `layer` indexes [...encoder, ...decoder]. */
export type RefOp =
  | { kind: 'dense'; name: string; nIn: number; nOut: number; fn: ActivationKind; alpha: number }
  | { kind: 'activation'; width: number; fn: ActivationKind; alpha: number }
  | { kind: 'batchnorm'; name: string; width: number }
  | { kind: 'dropout'; layer: number; width: number; p: number };

