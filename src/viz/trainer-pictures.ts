// The two pictures of a trained model, read from a Trainer right after its evaluation pass (nothing submitted in
// between): the reconstruction grid of the last test batch and the decoder-basis feature grid.
import type { Trainer } from '../train/trainer.ts';
import { decoderBasis } from './features.ts';
import { featureGrid, reconstructionGrid, type GrayImage } from './grid.ts';
import { takeSnapshot } from '../train/snapshot.ts';

/** `maxUnits`: features of the first code units only (a wide code makes a large grid). */
export async function trainerPictures(t: Trainer, relativeFeatures = false, maxUnits = 256): Promise<{ recon: GrayImage; features: GrayImage }> {
  const s = await takeSnapshot(t);
  const shape = { rows: t.data.test.rows, cols: t.data.test.cols };
  const basis = decoderBasis(s.plan, s.params, s.state, t.cfg.batchNorm.eps, relativeFeatures, maxUnits);
  return { recon: reconstructionGrid(s, shape), features: featureGrid(basis.images, basis.units, shape) };
}
