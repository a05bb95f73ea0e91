// The CLI's files for src/io/outputs.ts: its outputs, and the inputs they must not overwrite.
import { join } from 'node:path';
import { runDataPaths } from '../data/run-data.ts';
import { checkOutputs, type CheckedOutput } from '../io/outputs.ts';
import type { CliOptions } from './args.ts';

type CliFiles = Pick<CliOptions, 'save' | 'metrics' | 'recon' | 'features' | 'data' | 'init' | 'resume' | 'exportSaelens' | 'exportActivations'>;

/** Every output checked against the others and the inputs before anything is read or trained; keyed by flag. */
export function checkCliOutputs(o: CliFiles): Map<string, CheckedOutput> {
  const outputs = ([['--save', o.save], ['--metrics', o.metrics], ['--recon', o.recon], ['--features', o.features],
    ['--export-saelens', o.exportSaelens && join(o.exportSaelens, 'sae_weights.safetensors')],
    ['--export-saelens (cfg.json)', o.exportSaelens && join(o.exportSaelens, 'cfg.json')],
    ['--export-activations', o.exportActivations && join(o.exportActivations, 'train.npy')],
    ['--export-activations (test.npy)', o.exportActivations && join(o.exportActivations, 'test.npy')]] as const)
    .filter(([, path]) => path !== null).map(([flag, path]) => ({ flag, path: path!, mayReplace: flag === '--save' ? ['--resume', '--init'] : [] }));
  const inputs = [...runDataPaths(o.data).map((path) => ({ flag: '--data', path })),
    ...(o.init ? [{ flag: '--init', path: o.init }] : []), ...(o.resume ? [{ flag: '--resume', path: o.resume }] : [])];
  return checkOutputs(outputs, inputs);
}

