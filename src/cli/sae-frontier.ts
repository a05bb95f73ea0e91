// `npm run experiment -- sae-frontier`: FVU against L0 for TopK, BatchTopK, JumpReLU and L1 SAEs at one size on an
// image set's pixels and on the hidden activations of a seed autoencoder trained on it (src/experiments/sae-frontier.ts).
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { subsetSplit } from '../data/dataset.ts';
import { loadData } from '../data/node.ts';
import { acquireNodeGpu, NODE_ADAPTERS, type NodeAdapterChoice } from '../gpu/node.ts';
import { makeDirs, writeFileAtomic } from '../io/files.ts';
import { SAE_KINDS, type SaeKind } from '../model/config.ts';
import { frontierReport } from '../experiments/sae-frontier-report.ts';
import { runFrontier } from '../experiments/sae-frontier.ts';

export const FRONTIER_USAGE = `Usage: npm run experiment -- sae-frontier [options]
  --data default|DIR    the embedded digits (default) or a directory of MNIST-format IDX files (Fashion-MNIST)
  --d-sae N             latents of every SAE (default 256)
  --epochs N            epochs per SAE (default 5)
  --ae-epochs N         epochs of the seed autoencoder whose hidden layer is the second dataset (default 10)
  --lr η                Adam's constant learning rate of every SAE (default: the presets', 0.001)
  --batch B             SAE batch size (default: the presets', 256)
  --threshold-init θ    JumpReLU's initial threshold (default: the preset's, 0.01)
  --kinds A,B           some of ${SAE_KINDS.join(',')} (default all)
  --values N            only the first N values of each kind's sweep
  --subset TRAIN/TEST   only the first TRAIN training and TEST test images
  --seed S              seed of every run (default 0)
  --adapter A           ${NODE_ADAPTERS.join('|')} (default auto)
  --out DIR             output directory (default runs/experiments/sae-frontier)
  --quiet               print only the tables`;

function count(flag: string, raw: string | undefined, def: number, min = 1): number {
  if (raw === undefined) return def;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new Error(`--${flag} ${JSON.stringify(raw)}: must be an integer ≥ ${min}`);
  return v;
}

function rate(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!(v > 0 && v <= 1)) throw new Error(`--lr ${JSON.stringify(raw)}: must be a number in (0, 1]`);
  return v;
}

function threshold(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!(v > 0 && v < 1e3)) throw new Error(`--threshold-init ${JSON.stringify(raw)}: must be a positive number below 1000`);
  return v;
}

function commit(): string {
  try { return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return 'unknown'; }
}

export async function frontierMain(argv: string[]): Promise<void> {
  const { values: a, positionals } = parseArgs({ args: argv, strict: true, allowPositionals: true, options: {
    data: { type: 'string' }, 'd-sae': { type: 'string' }, epochs: { type: 'string' }, 'ae-epochs': { type: 'string' }, kinds: { type: 'string' },
    values: { type: 'string' }, lr: { type: 'string' }, batch: { type: 'string' }, 'threshold-init': { type: 'string' }, subset: { type: 'string' }, seed: { type: 'string' }, adapter: { type: 'string' }, out: { type: 'string' },
    quiet: { type: 'boolean' }, help: { type: 'boolean' } } });
  if (a.help) { console.log(FRONTIER_USAGE); return; }
  if (positionals.length > 0) throw new Error(`unexpected ${positionals.join(' ')}\n\n${FRONTIER_USAGE}`);
  const kinds = (a.kinds?.split(',') ?? SAE_KINDS) as SaeKind[];
  const unknown = kinds.filter((k) => !SAE_KINDS.includes(k));
  if (unknown.length) throw new Error(`--kinds ${a.kinds}: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not one of ${SAE_KINDS.join(', ')}`);
  const adapter = (a.adapter ?? 'auto') as NodeAdapterChoice;
  if (!NODE_ADAPTERS.includes(adapter)) throw new Error(`--adapter ${JSON.stringify(adapter)}: must be one of ${NODE_ADAPTERS.join(', ')}`);
  const subset = a.subset?.match(/^(\d+)\/(\d+)$/);
  if (a.subset !== undefined && !subset) throw new Error(`--subset ${JSON.stringify(a.subset)}: must be TRAIN/TEST, e.g. 10000/2000`);
  const options = { dSae: count('d-sae', a['d-sae'], 256), epochs: count('epochs', a.epochs, 5), aeEpochs: count('ae-epochs', a['ae-epochs'], 10),
    seed: count('seed', a.seed, 0, 0), kinds, batch: a.batch === undefined ? undefined : count('batch', a.batch, 1), lr: rate(a.lr), thresholdInit: threshold(a['threshold-init']), values: a.values === undefined ? undefined : count('values', a.values, 1) };
  const out = resolve(a.out ?? join('runs', 'experiments', 'sae-frontier'));
  try { makeDirs(out); } catch (e) { throw new Error(`--out ${out}: cannot create the directory (${(e as Error).message})`); }
  const log = (s: string) => { if (!a.quiet) console.log(s); };

  let data = await loadData(a.data ?? 'default');
  if (subset) data = await subsetSplit(data, Number(subset[1]), Number(subset[2]));
  const gpu = await acquireNodeGpu(adapter);
  try {
    log(`sae-frontier: ${kinds.join(', ')} SAEs of ${options.dSae} latents, ${options.epochs} epochs each; ${data.name} (${data.train.count}/${data.test.count}), ${gpu.adapter.name}`);
    const t0 = performance.now();
    const result = await runFrontier(gpu, data, { ...options, log, onPoint: (p) => log(`${p.dataset} ${p.kind} ${p.knob}=${p.value}: ` +
      (p.error ? `failed: ${p.error}` : `L0 ${p.l0.toFixed(2)}, FVU ${p.fvu.toFixed(4)}, dead ${(100 * p.dead).toFixed(1)}%, ${p.seconds.toFixed(1)} s`)) });
    const seconds = (performance.now() - t0) / 1000;
    const report = frontierReport(result, { data: `${data.name} (${data.train.count}/${data.test.count}, sha256 ${data.sha256.slice(0, 16)}…)`, adapter: gpu.adapter.name, commit: commit(), seconds });
    for (const f of report.files) await writeFileAtomic(join(out, f.name), f.content);
    console.log(`\n${report.tables}\n\n${report.files.length} files in ${out} (report.md), ${seconds.toFixed(1)} s`);
  } finally {
    gpu.release();
  }
}
