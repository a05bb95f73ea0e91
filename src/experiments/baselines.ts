// The PCA baseline added to a finished experiment's results, on the CPU (tens of seconds on 60k images): a column
// with each run's code size (the latent search) or one row with the first run's (the loss comparison). Kept out of
// the runner so a report can be rebuilt from results.json and the data alone.
import type { DataSplit } from '../data/dataset.ts';
import type { TrainConfig } from '../model/config.ts';
import type { Experiment } from './definitions.ts';
import { pcaFit, pcaSharpness, pcaTestMse } from './pca-baseline.ts';
import type { ExperimentResult } from './runner.ts';

/** Units of the code layer: the encoder's last linear layer. */
export function codeWidth(cfg: TrainConfig): number {
  const linear = cfg.model.encoder.filter((l) => l.kind === 'linear');
  if (linear.length === 0) throw new Error('codeWidth: the encoder has no linear layer');
  return (linear[linear.length - 1] as { units: number }).units;
}

/** Fill `r` with the PCA baseline `exp` asks for, fitted on `data`'s training split (which must be the run's data). */
export function attachBaselines(exp: Experiment, r: ExperimentResult, data: DataSplit): void {
  if (!exp.pca) return;
  if (data.sha256 !== r.data.sha256 || data.train.count !== r.data.train || data.test.count !== r.data.test) {
    throw new Error(`PCA baseline: the data given (${data.name}, ${data.train.count}/${data.test.count}) is not the data the ` +
      `experiment ran on (${r.data.name}, ${r.data.train}/${r.data.test}); pass the same --data and --subset`);
  }
  const fit = pcaFit(data.train);
  if (exp.pca === 'column') {
    const zs = r.runs.map((run) => codeWidth(run.config));
    const mse = pcaTestMse(fit, data.test, zs);
    r.runs.forEach((run, i) => { run.extras = { ...run.extras, pca_mse: mse.get(zs[i])! }; });
  } else {
    const z = codeWidth(r.runs[0].config);
    r.baselines = [{ label: `PCA-${z} (baseline)`, z, test_mse: pcaTestMse(fit, data.test, [z]).get(z)!,
      sharpness: exp.sharpness ? pcaSharpness(fit, data.test, z) : null }];
  }
}
