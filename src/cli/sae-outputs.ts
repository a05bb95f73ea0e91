// The command line's words and files for sparse autoencoders: the data line (which split is held out) and the
// --export-saelens jobs (cfg.json and sae_weights.safetensors, written like every other output).
import type { CheckedOutput } from '../io/outputs.ts';
import type { TrainConfig } from '../model/config.ts';
import { saelensFiles } from '../sae/export.ts';
import type { SaeEngine } from '../sae/engine.ts';
import { isVectors, type RunData } from '../train/engines.ts';
import type { TrainState } from '../train/state.ts';

export function dataLine(data: RunData, cfg: TrainConfig): string[] {
  const sha = `sha256 ${data.sha256.slice(0, 16)}…`;
  if (isVectors(data)) {
    return [`data ${data.name}: ${data.train.rows} train / ${data.test.rows} test vectors of ${data.dim} dimensions, ${sha}` +
      (data.dictionary ? `, true dictionary of ${data.dictionary.rows} features (MMCS)` : ''), `held out: ${data.heldOut}`];
  }
  const { train, test } = data;
  return [`data ${data.name}: ${train.count} train / ${test.count} test images of ${train.rows}x${train.cols}` +
    `${cfg.sae ? ` (as ${train.rows * train.cols}-d vectors, pixels/255)` : ''}, ${sha}`];
}

/** The two files of --export-saelens from the state `s` (the last good epoch). */
export function saelensJobs(sae: SaeEngine, s: TrainState, dataName: string, outs: Map<string, CheckedOutput>):
  { out: CheckedOutput; produce: () => Promise<Uint8Array> }[] {
  const files = () => saelensFiles(s.params, sae.trainer.layout, { k: sae.cfg.sae!.k, kind: sae.cfg.sae!.kind }, dataName, sae.scale);
  return [{ out: outs.get('--export-saelens')!, produce: async () => files()['sae_weights.safetensors'] },
    { out: outs.get('--export-saelens (cfg.json)')!, produce: async () => new TextEncoder().encode(files()['cfg.json']) }];
}
