// The command line's own flags (files, device, output), declared in the style of the settings table: the CLI
// parser, --help and the --resume rule are derived from both tables. Also the nearest-flag hint for a typo.
import { NODE_ADAPTERS, type NodeAdapterChoice } from '../gpu/node.ts';
import type { Bounds, Topic } from '../model/settings.ts';
import { AUTO_KERNEL } from '../train/autotune.ts';
import { MATMUL_VARIANTS } from '../train/kernels.ts';

export type CliTopic = Topic | 'data & files' | 'device' | 'output';

/** What the command line sets besides the TrainConfig. */
export interface CliFiles {
  data: string;
  init: string | null;
  resume: string | null; // continue a run exactly: the config comes from the checkpoint, --epochs from here
  save: string | null;
  checkpointEvery: number; // write --save every N epochs (0: only at the end)
  maxRollbacks: number;
  metrics: string | null;
  exportSaelens: string | null; // an SAE in SAELens's format: DIR/cfg.json + DIR/sae_weights.safetensors
  exportActivations: string | null; // an autoencoder's activations of `layer`: DIR/train.npy + DIR/test.npy
  layer: string; // which activations: 'code', 'input' or an op name (encoder.0, …)
  recon: string | null;
  features: string | null;
  scale: number; // integer pixel scale of the PNG grids
  jacobianMetric: boolean; // measure the exact ‖J‖²_F every epoch even when λ = 0
  adapter: NodeAdapterChoice;
  kernel: string;
  retune: boolean; // re-time the matmul kernels instead of using the cached tuning
  verbose: boolean; // show Dawn's warnings
  quiet: boolean;
}

export interface CliFlag {
  flag: string;
  field: keyof CliFiles | 'help';
  topic: CliTopic;
  arg?: string; // placeholder of its value; none: a switch
  what?: string; // how messages name it
  help: string;
  choices?: readonly string[];
  bounds?: Bounds; // integers only
  def: string | number | boolean | null;
  resumable?: true; // may accompany --resume: it does not change what is trained
}

export const CLI_FLAGS: readonly CliFlag[] = [
  { flag: 'data', field: 'data', topic: 'data & files', arg: 'default|DIR|FILE.npy', def: 'default', resumable: true,
    help: 'training data: the embedded digits, a directory of MNIST-format IDX files (.gz or not); for the SAE presets also ' +
      'vectors: FILE.npy (N, d_in) float32/float16 (the last 10% held out) or a directory with train.npy and test.npy' },
  { flag: 'init', field: 'init', topic: 'data & files', arg: 'FILE|DIR', def: null,
    help: 'start a new run from the weights of a safetensors checkpoint (an SAE: also a SAELens directory or its sae_weights.safetensors)' },
  { flag: 'resume', field: 'resume', topic: 'data & files', arg: 'FILE', def: null, resumable: true,
    help: 'continue the run saved in FILE exactly, up to --epochs in total; only flags that do not change what is trained may come with it' },
  { flag: 'save', field: 'save', topic: 'data & files', arg: 'FILE', def: null, resumable: true,
    help: 'write a safetensors checkpoint (PyTorch state_dict names and the optimizer state) at the end' },
  { flag: 'checkpoint-every', field: 'checkpointEvery', topic: 'data & files', arg: 'N', what: 'checkpoint interval', def: 0,
    bounds: { lo: 1, hi: 100000 }, resumable: true, help: 'also write --save after every N epochs (atomically: the last good one stays)' },
  { flag: 'max-rollbacks', field: 'maxRollbacks', topic: 'optimiser & schedule', arg: 'K', what: 'rollbacks', def: 3, bounds: { lo: 0, hi: 100 },
    resumable: true, help: 'divergence guard: roll back and halve η at most K times, then stop (0: stop at once)' },
  { flag: 'adapter', field: 'adapter', topic: 'device', arg: 'A', what: 'adapter', choices: NODE_ADAPTERS, def: 'auto', resumable: true,
    help: 'WebGPU adapter; auto: a real GPU, else llvmpipe' },
  { flag: 'kernel', field: 'kernel', topic: 'device', arg: 'K', what: 'matmul kernel', choices: [AUTO_KERNEL, ...Object.keys(MATMUL_VARIANTS)],
    def: AUTO_KERNEL, resumable: true, help: 'matmul variant; auto: the fastest per product, timed on this adapter' },
  { flag: 'retune', field: 'retune', topic: 'device', def: false, resumable: true, help: 're-time the matmul kernels instead of using the cached tuning' },
  { flag: 'verbose', field: 'verbose', topic: 'device', def: false, resumable: true, help: "show Dawn's warnings" },
  { flag: 'metrics', field: 'metrics', topic: 'output', arg: 'FILE', def: null, resumable: true, help: 'per-epoch metrics as JSON, rewritten after every epoch' },
  { flag: 'export-saelens', field: 'exportSaelens', topic: 'output', arg: 'DIR', def: null, resumable: true,
    help: "after the last epoch: the SAE in SAELens's format (cfg.json, sae_weights.safetensors) for SAE.load_from_disk" },
  { flag: 'export-activations', field: 'exportActivations', topic: 'output', arg: 'DIR', def: null, resumable: true,
    help: 'after the last epoch: the autoencoder\'s --layer activations of every train and test image as DIR/train.npy, ' +
      'DIR/test.npy (vectors for the SAE presets); with --resume and no --epochs, of the checkpoint as it is' },
  { flag: 'layer', field: 'layer', topic: 'output', arg: 'NAME', def: 'code', resumable: true,
    help: 'the activations --export-activations writes: code, input, or an op name (encoder.0, decoder.2, …: its output)' },
  { flag: 'recon', field: 'recon', topic: 'output', arg: 'FILE.png', def: null, resumable: true,
    help: 'after the last epoch: reconstructions of a fixed test batch (input | corrupted, if a corruption is set | output)' },
  { flag: 'features', field: 'features', topic: 'output', arg: 'FILE.png', def: null, resumable: true,
    help: 'after the last epoch: the learned features, the decoder applied to each one-hot code' },
  // 2: a 28-pixel digit becomes 56 pixels, legible in an image viewer at 100 % on today's screens; integer scales keep
  // pixels square and sharp, and the files stay small (a few tens of KB).
  { flag: 'scale', field: 'scale', topic: 'output', arg: 'N', what: 'PNG scale', def: 2, bounds: { lo: 1, hi: 16 }, resumable: true,
    help: 'integer pixel scale of the PNG grids' },
  { flag: 'jacobian-metric', field: 'jacobianMetric', topic: 'output', def: false, resumable: true,
    help: 'measure the exact ‖J‖²_F on the test split every epoch (always on when λ > 0; ~Z backward passes)' },
  { flag: 'quiet', field: 'quiet', topic: 'output', def: false, resumable: true, help: 'print only the final summary' },
  { flag: 'help', field: 'help', topic: 'output', def: false, resumable: true, help: 'this text' },
];

/** --beta β: seed 001's spelling of --sparsity kl --sparsity-weight β (0: --sparsity none). */
export const BETA_FLAG = { flag: 'beta', topic: 'objective' as CliTopic, arg: 'β',
  help: 'same as --sparsity kl --sparsity-weight β (0: --sparsity none)' };

export const HELP_HINT = 'npm run train -- --help lists every option';

/** Edit distance (insertions, deletions, substitutions) between two short strings. */
export function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/** "unknown option --lrr; did you mean --lr? (…)": the nearest flag when it is close enough to be a typo. */
export function unknownFlag(name: string, flags: readonly string[]): string {
  const [best] = flags.map((f) => ({ f, d: editDistance(name, f) })).sort((x, y) => x.d - y.d);
  const near = best && best.d <= Math.max(2, Math.floor(name.length / 3)) ? `; did you mean --${best.f}?` : '';
  return `unknown option --${name}${near} (${HELP_HINT})`;
}
