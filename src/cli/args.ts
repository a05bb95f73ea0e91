// Command-line arguments of `npm run train`: parsed strictly (unknown flags are errors) and range-checked,
// producing a TrainConfig plus the run's files and device choices.
import { parseArgs } from 'node:util';
import { seedModel, type CorruptionKind, type LossKind, type SparsityKind, type TrainConfig } from '../model/config.ts';
import { PRESET_NAMES, preset, type PresetName } from '../model/presets.ts';
import { NODE_ADAPTERS, type NodeAdapterChoice } from '../gpu/node.ts';
import { AUTO_KERNEL } from '../train/autotune.ts';
import { MATMUL_VARIANTS } from '../train/kernels.ts';

export interface CliOptions {
  cfg: TrainConfig;
  data: string;
  adapter: NodeAdapterChoice;
  kernel: string;
  init: string | null;
  save: string | null;
  metrics: string | null;
  recon: string | null;
  features: string | null;
  quiet: boolean;
}

export const USAGE = `Usage: npm run train -- [options]
  --preset NAME         model and objective: ${PRESET_NAMES.join('|')} (default seed; cae needs the contractive
                        penalty, which is not in this build yet); the options below override the preset
  --data default|DIR    training data: the embedded digits (default) or a directory of MNIST-format IDX files
  --epochs N            epochs to train (default 10); the cosine schedule's T is N unless --lr-T is given
  --batch B             batch size (default 256)
  --hidden H            hidden width of the seed preset (default 256)
  --latent Z            code size (default: the preset's, 64 for seed)
  --loss mse|bce|mae    reconstruction loss (bce from the output's logits; needs a sigmoid output)
  --sparsity none|l1|kl sparsity penalty on the code (l1: λ·mean|z|, kl: β·Σ KL(ρ‖ρ̂_j))
  --sparsity-weight w   its weight λ or β (--beta β is the same with --sparsity kl; 0 turns it off)
  --rho ρ               KL target mean code activity (default 0.05)
  --noise K             denoising corruption: gaussian|salt_pepper|masking|block (default none)
  --noise-level x       σ for gaussian, p for salt_pepper and masking, square side in pixels for block
  --lr η0               initial learning rate (default 1e-3)
  --lr-T T              cosine period in epochs (default: the number of epochs)
  --lr-per-step         decay the learning rate every step instead of every epoch
  --warmup E            linear warm-up over the first E epochs (default 0)
  --optimizer adam|sgd  optimiser (default adam); --momentum m for SGD (default 0.9)
  --dropout p           dropout probability (default 0.2)
  --seed S              run seed: initialisation, shuffling, dropout (default 0)
  --no-shuffle          keep the data order fixed
  --init FILE           start from the weights of a safetensors checkpoint
  --save FILE           write a safetensors checkpoint (PyTorch state_dict names) at the end
  --metrics FILE        write per-epoch metrics as JSON (rewritten after every epoch)
  --recon FILE.png      after the last epoch, write the reconstruction grid of a fixed test batch (input | corrupted | output)
  --features FILE.png   after the last epoch, write the learned features: the decoder applied to each one-hot code
  --adapter A           ${NODE_ADAPTERS.join('|')} (default auto: a real GPU, else llvmpipe)
  --kernel K            matmul variant: ${AUTO_KERNEL}|${Object.keys(MATMUL_VARIANTS).join('|')} (default ${AUTO_KERNEL}: the fastest per product, timed on this adapter)
  --quiet               print only the final summary
  --help                this text`;

function num(name: string, raw: string | undefined, def: number, ok: (v: number) => boolean, rule: string): number {
  if (raw === undefined) return def;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || !ok(v)) throw new Error(`--${name} ${JSON.stringify(raw)}: must be ${rule}`);
  return v;
}
const int = (lo: number, hi: number) => (v: number) => Number.isInteger(v) && v >= lo && v <= hi;
const range = (lo: number, hi: number, loOpen = false, hiOpen = false) => (v: number) =>
  (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);

export function parseCli(argv: string[]): CliOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: Object.fromEntries([
        ...['preset', 'data', 'epochs', 'batch', 'hidden', 'latent', 'beta', 'rho', 'lr', 'lr-T', 'warmup', 'optimizer', 'momentum', 'dropout', 'seed',
          'loss', 'sparsity', 'sparsity-weight', 'noise', 'noise-level',
          'init', 'save', 'metrics', 'recon', 'features', 'adapter', 'kernel'].map((k) => [k, { type: 'string' as const }]),
        ...['no-shuffle', 'lr-per-step', 'quiet', 'help'].map((k) => [k, { type: 'boolean' as const }]),
      ]),
    });
  } catch (e) {
    throw new Error(`${(e as Error).message}\n\n${USAGE}`);
  }
  const a = parsed.values as Record<string, string | boolean | undefined>;
  if (a.help) return 'help';
  const s = (k: string) => a[k] as string | undefined;
  const epochs = num('epochs', s('epochs'), 10, int(1, 100000), 'an integer from 1 to 100000');
  const name = (s('preset') ?? 'seed') as PresetName;
  if (!PRESET_NAMES.includes(name)) throw new Error(`--preset ${JSON.stringify(name)}: must be one of ${PRESET_NAMES.join(', ')}`);
  if (name !== 'seed' && (a.hidden !== undefined || a.dropout !== undefined)) throw new Error('--hidden and --dropout apply to the seed preset only');
  const latentRaw = s('latent');
  const latent = latentRaw === undefined ? undefined : num('latent', latentRaw, 64, int(1, 16384), 'an integer from 1 to 16384');
  const cfg = preset(name, latent);
  if (name === 'seed') {
    const hidden = num('hidden', s('hidden'), 256, int(1, 16384), 'an integer from 1 to 16384');
    cfg.model = seedModel(hidden, latent ?? 64, num('dropout', s('dropout'), 0.2, range(0, 1, false, true), 'in [0, 1)'));
  }
  cfg.epochs = epochs;
  cfg.batch = num('batch', s('batch'), 256, int(2, 65536), 'an integer from 2 to 65536 (BatchNorm needs at least 2 samples)');
  const loss = s('loss') ?? cfg.loss;
  if (!['mse', 'bce', 'mae'].includes(loss)) throw new Error(`--loss ${JSON.stringify(loss)}: must be mse, bce or mae`);
  cfg.loss = loss as LossKind;
  if (a.beta !== undefined && (a.sparsity !== undefined || a['sparsity-weight'] !== undefined)) throw new Error('--beta is --sparsity kl --sparsity-weight β: give one or the other');
  if (a.beta !== undefined) {
    const beta = num('beta', s('beta'), 0, range(0, 1e6), 'a number ≥ 0');
    cfg.sparsity = { ...cfg.sparsity, kind: beta > 0 ? 'kl' : 'none', weight: beta };
  }
  const sparsityKind = s('sparsity') ?? cfg.sparsity.kind;
  if (!['none', 'l1', 'kl'].includes(sparsityKind)) throw new Error(`--sparsity ${JSON.stringify(sparsityKind)}: must be none, l1 or kl`);
  cfg.sparsity.kind = sparsityKind as SparsityKind;
  cfg.sparsity.weight = num('sparsity-weight', s('sparsity-weight'), cfg.sparsity.kind === 'none' ? 0 : cfg.sparsity.weight || 1e-3, range(0, 1e6), 'a number ≥ 0');
  if (cfg.sparsity.weight === 0) cfg.sparsity.kind = 'none';
  cfg.sparsity.rho = num('rho', s('rho'), cfg.sparsity.rho, range(0, 1, true, true), 'strictly between 0 and 1');
  const noise = s('noise') ?? cfg.corruption.kind;
  if (!['none', 'gaussian', 'salt_pepper', 'masking', 'block'].includes(noise)) throw new Error(`--noise ${JSON.stringify(noise)}: must be gaussian, salt_pepper, masking or block`);
  const defaultLevel = noise === cfg.corruption.kind ? cfg.corruption.level : noise === 'block' ? 8 : noise === 'gaussian' ? 0.1 : 0.2;
  const level = num('noise-level', s('noise-level'), defaultLevel, noise === 'block' ? int(1, 4096) : range(0, 1), noise === 'block' ? 'an integer side in pixels' : 'in [0, 1]');
  cfg.corruption = { kind: noise as CorruptionKind, level };
  cfg.optimizer.lr = num('lr', s('lr'), 1e-3, range(0, 10, true), 'a number in (0, 10]');
  const optimizer = s('optimizer') ?? 'adam';
  if (optimizer !== 'adam' && optimizer !== 'sgd') throw new Error(`--optimizer ${JSON.stringify(optimizer)}: must be adam or sgd`);
  cfg.optimizer.kind = optimizer;
  cfg.optimizer.momentum = num('momentum', s('momentum'), 0.9, range(0, 1, false, true), 'in [0, 1)');
  cfg.schedule = { kind: 'cosine', T: num('lr-T', s('lr-T'), epochs, range(0, 1e9, true), 'a number > 0'),
    perStep: Boolean(a['lr-per-step']), warmupEpochs: num('warmup', s('warmup'), 0, int(0, epochs), `an integer from 0 to --epochs (${epochs})`) };
  cfg.seed = num('seed', s('seed'), 0, int(0, 0xffffffff), 'an integer from 0 to 4294967295');
  cfg.shuffle = !a['no-shuffle'];
  const adapter = (s('adapter') ?? 'auto') as NodeAdapterChoice;
  if (!NODE_ADAPTERS.includes(adapter)) throw new Error(`--adapter ${JSON.stringify(adapter)}: must be one of ${NODE_ADAPTERS.join(', ')}`);
  const kernel = s('kernel') ?? AUTO_KERNEL;
  if (kernel !== AUTO_KERNEL && !(kernel in MATMUL_VARIANTS)) throw new Error(`--kernel ${JSON.stringify(kernel)}: must be ${AUTO_KERNEL} or one of ${Object.keys(MATMUL_VARIANTS).join(', ')}`);
  for (const k of ['data', 'init', 'save', 'metrics', 'recon', 'features']) if (a[k] === '') throw new Error(`--${k} needs a value`);
  return { cfg, data: s('data') ?? 'default', adapter, kernel, init: s('init') ?? null, save: s('save') ?? null, metrics: s('metrics') ?? null,
    recon: s('recon') ?? null, features: s('features') ?? null, quiet: Boolean(a.quiet) };
}
