// SAE initial parameters (docs/sae.md): decoder rows random unit directions, the encoder their transpose (tied init),
// b_enc = 0, b_dec = the mean or the geometric median of the training vectors (src/sae/median.ts), and θ: JumpReLU's
// `thresholdInit`, BatchTopK's estimate 0 (as SAELens's topk_threshold starts).
import type { Matrix } from '../data/npy.ts';
import { CounterStream } from '../model/rng.ts';
import type { SaeKind } from '../ref/sae-kinds.ts';
import type { SaeParams } from '../ref/sae.ts';
import { geometricMedian } from './median.ts';

export interface SaeInitOptions { kind: SaeKind; bDecInit: 'mean' | 'median'; thresholdInit: number }
const TOPK_INIT: SaeInitOptions = { kind: 'topk', bDecInit: 'mean', thresholdInit: 0 };

export function initSae(dIn: number, dSae: number, seed: number, train: Matrix | null, o: SaeInitOptions = TOPK_INIT): SaeParams {
  const s = new CounterStream(seed, 0x5ae, 1);
  const Wdec = new Float64Array(dSae * dIn);
  for (let j = 0; j < dSae; j++) {
    let norm = 0;
    for (let i = 0; i < dIn; i++) {
      const u = 1 - s.nextUniform();
      const v = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * s.nextUniform());
      Wdec[j * dIn + i] = v;
      norm += v * v;
    }
    for (let i = 0; i < dIn; i++) Wdec[j * dIn + i] /= Math.sqrt(norm);
  }
  const Wenc = new Float64Array(dIn * dSae);
  for (let j = 0; j < dSae; j++) for (let i = 0; i < dIn; i++) Wenc[i * dSae + j] = Wdec[j * dIn + i];
  const bdec = new Float64Array(dIn);
  if (train && o.bDecInit === 'median') bdec.set(geometricMedian(train));
  else if (train) {
    for (let n = 0; n < train.rows; n++) for (let i = 0; i < dIn; i++) bdec[i] += train.values[n * dIn + i];
    for (let i = 0; i < dIn; i++) bdec[i] /= train.rows;
  }
  const threshold = new Float64Array(dSae).fill(o.kind === 'jumprelu' ? o.thresholdInit : 0);
  return { dIn, dSae, Wenc, benc: new Float64Array(dSae), Wdec, bdec, threshold };
}
