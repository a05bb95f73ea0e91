// SAE hyperparameters for tests: a TopK SAE without AuxK or penalties, with the given fields replaced.
import type { SaeHyper } from '../../src/ref/sae.ts';

export const hyper = (o: Partial<SaeHyper>): SaeHyper =>
  ({ kind: 'topk', k: 3, kAux: 0, auxWeight: 0, deadAfter: 1, l0Weight: 0, bandwidth: 0.05, l1Weight: 0, ...o });
