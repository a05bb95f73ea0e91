// The command line's words and files for sparse autoencoders: the data line (which split is held out), the
// --export-saelens jobs (cfg.json and sae_weights.safetensors) and the --export-activations jobs (an autoencoder's
// hidden activations as vectors for them), written like every other output.
import type { CheckedOutput } from '../io/outputs.ts';
import type { TrainConfig } from '../model/config.ts';
import { saelensFiles } from '../sae/export.ts';
import type { SaeEngine } from '../sae/engine.ts';
import { isVectors, type RunData } from '../train/engines.ts';
import type { TrainState } from '../train/state.ts';
import { writeNpy } from '../data/npy.ts';
import type { Plan } from '../model/plan.ts';
import { LatentProbe } from '../train/latent.ts';
import type { Trainer } from '../train/trainer.ts';

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

/** The activation tensor `name` stands for: 'code', 'input', or an op's name (its output); throws listing them. */
export function layerIndex(plan: Plan, name: string): number {
  if (name === 'code') return plan.codeIndex;
  if (name === 'input') return 0;
  const op = plan.ops.findIndex((o) => o.name === name);
  if (op < 0) throw new Error(`--layer ${name}: this model has code, input and ${plan.ops.map((o) => o.name).join(', ')}`);
  return op + 1;
}

/** DIR/train.npy and DIR/test.npy: (images, width) float32 activations of tensor `index`, in file order. */
export function activationJobs(t: Trainer, index: number, outs: Map<string, CheckedOutput>): { out: CheckedOutput; produce: () => Promise<Uint8Array>; detail: () => string }[] {
  const job = (split: 'train' | 'test', flag: string) => ({
    out: outs.get(flag)!, detail: () => `${t.data[split].count}×${t.plan.widths[index]}`,
    produce: async () => {
      const probe = new LatentProbe(t, { set: t.data[split], index });
      try {
        const a = await probe.read();
        const values = new Float32Array(probe.count * probe.z);
        for (let r = 0; r < probe.count; r++) values.set(a.subarray(r * probe.stride, r * probe.stride + probe.z), r * probe.z);
        return writeNpy({ rows: probe.count, cols: probe.z, values });
      } finally {
        probe.destroy();
      }
    },
  });
  return [job('train', '--export-activations'), job('test', '--export-activations (test.npy)')];
}
