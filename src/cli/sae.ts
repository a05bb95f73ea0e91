// `npm run sae -- --data FILE.npy|DIR [--d-sae n --topk k --auxk k_aux --auxk-weight w --dead-after N --batch B
// --epochs E --lr η --seed s] [--adapter auto|llvmpipe|swiftshader|gpu] [--metrics FILE.jsonl] [--export-saelens DIR]`:
// trains a TopK sparse autoencoder on float vectors (docs/sae.md), one progress line per epoch.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadVectors } from '../data/vectors.ts';
import { acquireNodeGpu, NODE_ADAPTERS, type NodeAdapterChoice } from '../gpu/node.ts';
import { writeFileAtomic } from '../io/files.ts';
import { saelensFiles } from '../sae/export.ts';
import { SAE_SETTINGS, saeConfigFrom } from '../sae/settings.ts';
import { checkSaeConfig, SaeTrainer, type SaeMetrics } from '../sae/trainer.ts';

const FILE_FLAGS = ['data', 'adapter', 'metrics', 'export-saelens'];

function usage(): string {
  const lines = SAE_SETTINGS.map((s) => `  --${s.flag} ${s.arg}`.padEnd(22) + `${s.help}${typeof s.def === 'number' ? ` (default ${s.def})` : ''}`);
  return ['usage: npm run sae -- --data FILE.npy|DIR [options]', '  --data FILE.npy|DIR  (N, d_in) float32/float16 vectors; a file holds out its last 10%, ' +
    'a directory has train.npy, test.npy (and dictionary.npy: MMCS)', ...lines,
    `  --adapter a          ${NODE_ADAPTERS.join(', ')} (default auto)`, '  --metrics FILE       one JSON line per epoch',
    '  --export-saelens DIR cfg.json + sae_weights.safetensors for SAELens SAE.load_from_disk'].join('\n');
}

function parse(argv: string[]): Map<string, string> {
  const known = new Set([...SAE_SETTINGS.map((s) => s.flag), ...FILE_FLAGS]);
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i].replace(/^--/, '');
    if (argv[i] === '--help') throw new Error(usage());
    if (!argv[i].startsWith('--') || !known.has(flag)) throw new Error(`unknown option ${argv[i]}\n${usage()}`);
    if (argv[i + 1] === undefined) throw new Error(`--${flag} needs a value`);
    if (out.has(flag)) throw new Error(`--${flag} is given twice`);
    out.set(flag, argv[i + 1]);
  }
  if (!out.has('data')) throw new Error(`--data is required\n${usage()}`);
  return out;
}

const line = (m: SaeMetrics, seconds: number, samples: number) => `epoch ${m.epoch}  recon ${m.trainRecon.toExponential(3)}  aux ${m.trainAux.toFixed(4)}  ` +
  `test mse ${m.testMse.toExponential(3)}  FVU ${m.fvu.toFixed(4)}  L0 ${m.l0.toFixed(2)}  dead ${(100 * m.deadFraction).toFixed(1)}%` +
  `${m.mmcs === null ? '' : `  MMCS ${m.mmcs.toFixed(3)}`}  ${(samples / seconds).toFixed(0)} samples/s (training + evaluation)`;

async function main(): Promise<void> {
  const flags = parse(process.argv.slice(2));
  const adapter = (flags.get('adapter') ?? 'auto') as NodeAdapterChoice;
  if (!NODE_ADAPTERS.includes(adapter)) throw new Error(`--adapter must be one of ${NODE_ADAPTERS.join(', ')}`);
  const data = await loadVectors(flags.get('data')!);
  const cfg = saeConfigFrom(flags, data.dim);
  checkSaeConfig(cfg, data.dim);
  console.log(`${data.name}: ${data.train.rows} training vectors of ${data.dim} dims; ${data.heldOut}`);
  const gpu = await acquireNodeGpu(adapter, { maxStorageBufferBindingSize: data.train.values.byteLength, maxBufferSize: data.train.values.byteLength });
  const trainer = await SaeTrainer.create(gpu, cfg, data);
  const history: SaeMetrics[] = [];
  try {
    console.log(`TopK SAE d_sae ${cfg.dSae}, k ${cfg.k}, AuxK ${cfg.kAux ? `k_aux ${cfg.kAux} weight ${cfg.auxWeight}` : 'off'}, dead after ${cfg.deadAfter} ` +
      `samples, batch ${cfg.batch}, lr ${cfg.lr} on ${gpu.adapter.name}`);
    for (let e = 0; e < cfg.epochs; e++) {
      const t0 = performance.now();
      const m = await trainer.trainEpoch();
      history.push(m);
      console.log(line(m, (performance.now() - t0) / 1000, data.train.rows));
    }
    const metrics = flags.get('metrics');
    if (metrics) await writeFileAtomic(resolve(metrics), history.map((m) => JSON.stringify(m)).join('\n') + '\n');
    const dir = flags.get('export-saelens');
    if (dir) {
      const files = saelensFiles((await trainer.readState()).params, trainer.layout, cfg, data.name);
      await mkdir(resolve(dir), { recursive: true });
      for (const [name, bytes] of Object.entries(files)) await writeFileAtomic(join(resolve(dir), name), bytes);
      console.log(`wrote ${resolve(dir)}/cfg.json and sae_weights.safetensors (SAELens SAE.load_from_disk)`);
    }
  } finally {
    trainer.destroy();
    gpu.release();
  }
}

main().catch((e: unknown) => {
  console.error(`sae: ${(e as Error).message}`);
  process.exit(1);
});
