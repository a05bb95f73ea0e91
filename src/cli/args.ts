// Command-line arguments of `npm run train`: parsed strictly (unknown flags are errors) and range-checked,
// producing a TrainConfig plus the run's files and device choices.
import { parseArgs } from 'node:util';
import { seedModel, type CorruptionKind, type LossKind, type SparsityKind, type TrainConfig } from '../model/config.ts';
import { PRESET_NAMES, preset, type PresetName } from '../model/presets.ts';
import { NODE_ADAPTERS, type NodeAdapterChoice } from '../gpu/node.ts';
import { AUTO_KERNEL } from '../train/autotune.ts';
import { MATMUL_VARIANTS } from '../train/kernels.ts';
import { validateConfig } from '../model/validate.ts';

export interface CliOptions {
  cfg: TrainConfig;
  data: string;
  adapter: NodeAdapterChoice;
  kernel: string;
  init: string | null;
  resume: string | null; // continue a run exactly: the config comes from the checkpoint, --epochs from here
  epochsGiven: boolean;
  save: string | null;
  checkpointEvery: number; // write --save every N epochs (0: only at the end)
  maxRollbacks: number;
  metrics: string | null;
  recon: string | null;
  features: string | null;
  quiet: boolean;
}

export const USAGE = `Usage: npm run train -- [options]
  --preset NAME         model and objective: ${PRESET_NAMES.join('|')} (default seed); the options below
                        override the preset
  --data default|DIR    training data: the embedded digits (default) or a directory of MNIST-format IDX files
  --epochs N            epochs to train (default 10); the cosine schedule's T is N unless --lr-T is given
  --batch B             batch size (default 256)
  --hidden H            hidden width of the seed preset (default 256)
  --latent Z            code size (default: the preset's, 64 for seed)
  --loss mse|bce|mae    reconstruction loss (bce from the output's logits; needs a sigmoid output)
  --sparsity none|l1|kl sparsity penalty on the code (l1: λ·mean|z|, kl: β·Σ KL(ρ‖ρ̂_j))
  --sparsity-weight w   its weight λ or β (--beta β is the same with --sparsity kl; 0 turns it off)
  --rho ρ               KL target mean code activity (default 0.05)
  --contractive λ       contractive penalty λ·‖J_f(x)‖²_F, batch mean, exact (0 turns it off; cae: 0.1)
  --contractive-samples P  0: exact (default); P > 0: unbiased estimate of ‖J‖² from P random projections per
                        sample, Z/P times cheaper (variance in the README)
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
  --resume FILE         continue the run saved in FILE exactly (its config, weights, optimizer, RNG and position)
                        up to --epochs in total; only --epochs, --data, file, adapter and kernel flags may be given
  --save FILE           write a safetensors checkpoint (PyTorch state_dict names) at the end
  --checkpoint-every N  also write --save after every N epochs (atomically: the last good one always stays)
  --max-rollbacks K     divergence guard: roll back and halve the learning rate at most K times, then stop
                        (default 3; 0 stops at the first non-finite or exploding loss)
  --metrics FILE        write per-epoch metrics as JSON (rewritten after every epoch)
  --recon FILE.png      after the last epoch, write the reconstruction grid of a fixed test batch (input | corrupted | output)
  --features FILE.png   after the last epoch, write the learned features: the decoder applied to each one-hot code
  --adapter A           ${NODE_ADAPTERS.join('|')} (default auto: a real GPU, else llvmpipe)
  --kernel K            matmul variant: ${AUTO_KERNEL}|${Object.keys(MATMUL_VARIANTS).join('|')} (default ${AUTO_KERNEL}: the fastest per product, timed on this adapter)
  --quiet               print only the final summary
  --help                this text`;

/** Flags that may accompany --resume: they choose files, devices and how far to train, not what is trained. */
const RESUME_FLAGS = ['resume', 'epochs', 'data', 'save', 'checkpoint-every', 'max-rollbacks', 'metrics', 'recon', 'features', 'adapter', 'kernel', 'quiet', 'help'];

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
          'loss', 'sparsity', 'sparsity-weight', 'contractive', 'contractive-samples', 'noise', 'noise-level',
          'init', 'resume', 'save', 'checkpoint-every', 'max-rollbacks', 'metrics', 'recon', 'features', 'adapter', 'kernel'].map((k) => [k, { type: 'string' as const }]),
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
  cfg.contractive = num('contractive', s('contractive'), cfg.contractive, range(0, 1e6), 'a number ≥ 0');
  cfg.contractiveSamples = num('contractive-samples', s('contractive-samples'), cfg.contractiveSamples, int(0, 4096), 'an integer from 0 (exact) to 4096');
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
  for (const k of ['data', 'init', 'resume', 'save', 'metrics', 'recon', 'features']) if (a[k] === '') throw new Error(`--${k} needs a value`);
  const resume = s('resume') ?? null;
  if (resume !== null) {
    const given = Object.keys(a).filter((k) => a[k] !== undefined && !RESUME_FLAGS.includes(k));
    if (given.length > 0) {
      throw new Error(`--resume continues the checkpoint's own config, so --${given.join(', --')} cannot be given with it ` +
        '(use --init FILE to start a new run from its weights instead)');
    }
  }
  const checkpointEvery = num('checkpoint-every', s('checkpoint-every'), 0, int(1, 100000), 'an integer from 1 to 100000');
  if (checkpointEvery > 0 && !a.save) throw new Error('--checkpoint-every needs --save FILE (where the checkpoints go)');
  const maxRollbacks = num('max-rollbacks', s('max-rollbacks'), 3, int(0, 100), 'an integer from 0 to 100');
  // The one schema the page and the URL hash use too: anything the flags above let through is checked again here.
  const problems = validateConfig(cfg);
  if (problems.length > 0) throw new Error(`the options give an invalid configuration:\n  ${problems.join('\n  ')}`);
  return { cfg, data: s('data') ?? 'default', adapter, kernel, init: s('init') ?? null, resume, epochsGiven: a.epochs !== undefined,
    save: s('save') ?? null, checkpointEvery, maxRollbacks, metrics: s('metrics') ?? null,
    recon: s('recon') ?? null, features: s('features') ?? null, quiet: Boolean(a.quiet) };
}
