// npm run bench [-- --adapter NAME] [-- --quick]: per Node/Dawn adapter, the best denseForward matmul GFLOP/s
// (every register-block variant, checked against float64) and the seed model's training-step throughput per
// variant and steps-per-submit. Prints tables; a full run also writes bench/results.json.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadData } from '../src/data/node.ts';
import type { LimitRequest } from '../src/gpu/device.ts';
import { acquireNodeGpu, NODE_ADAPTERS, type NodeAdapterChoice } from '../src/gpu/node.ts';
import { defaultTrainConfig } from '../src/model/config.ts';
import { MATMUL_VARIANTS } from '../src/train/kernels.ts';
import { limitsFor } from '../src/train/trainer.ts';
import { benchMatmuls, shapeName, type MatmulBudget, type Shape } from './matmul.ts';
import { matmulTable, summaryLines, trainingTable, writeResults, type AdapterReport } from './results.ts';
import { benchTraining, type TrainBudget } from './train.ts';

const USAGE = `usage: npm run bench -- [--adapter ${NODE_ADAPTERS.join('|')}] [--quick]
  --adapter NAME  benchmark one adapter (default: llvmpipe, then swiftshader)
  --quick         short run to check that everything works; prints only, results.json is left alone`;

const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));
const SHAPES: Shape[] = [{ M: 1024, K: 1024, N: 1024 }, { M: 256, K: 784, N: 256 }]; // a square product, the seed model's biggest layer
const STEPS_PER_SUBMIT = [1, 4];

interface Budget { matmul: MatmulBudget; train: TrainBudget }
// SwiftShader runs 5–10× slower than llvmpipe: the shortest repetitions that still give 3 medians keep both
// adapters within ~4 minutes on 2 cores.
const FULL: Record<string, Budget> = {
  llvmpipe: { matmul: { reps: 5, repSeconds: 0.4 }, train: { reps: 3, repSeconds: 1.2, warmupSteps: 8, maxStepsPerRep: 64 } },
  swiftshader: { matmul: { reps: 3, repSeconds: 0.5 }, train: { reps: 3, repSeconds: 1, warmupSteps: 1, maxStepsPerRep: 16 } },
};
const QUICK: Budget = { matmul: { reps: 2, repSeconds: 0.1 }, train: { reps: 2, repSeconds: 0.2, warmupSteps: 1, maxStepsPerRep: 4 } };

function parseArgs(argv: string[]): { adapters: NodeAdapterChoice[]; quick: boolean } {
  let adapters: NodeAdapterChoice[] = ['llvmpipe', 'swiftshader'];
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') quick = true;
    else if (a === '--adapter') {
      const name = argv[++i];
      if (!NODE_ADAPTERS.includes(name as NodeAdapterChoice)) throw new Error(`--adapter needs one of ${NODE_ADAPTERS.join(', ')}; got ${name ?? 'nothing'}\n${USAGE}`);
      adapters = [name as NodeAdapterChoice];
    } else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument "${a}"\n${USAGE}`);
  }
  return { adapters, quick };
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const { adapters, quick } = parseArgs(process.argv.slice(2));
  const cfg = defaultTrainConfig();
  const data = await loadData('default');
  const matmulBytes = Math.max(...SHAPES.map((s) => 4 * Math.max(s.M * s.K, s.N * s.K + s.N, s.M * s.N)));
  const trainLimits = limitsFor(cfg, data);
  const limits: LimitRequest = {
    maxStorageBufferBindingSize: Math.max(matmulBytes, trainLimits.maxStorageBufferBindingSize ?? 0),
    maxBufferSize: Math.max(matmulBytes, trainLimits.maxBufferSize ?? 0),
  };
  const meta = { date: new Date().toISOString(), node: process.version, commit: gitCommit(), cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length };
  const t0 = performance.now();
  const reports: AdapterReport[] = [];

  for (const adapter of adapters) {
    const budget = quick ? QUICK : FULL[adapter] ?? FULL.llvmpipe;
    const tA = performance.now();
    const loadAverage = loadavg()[0];
    const gpu = await acquireNodeGpu(adapter, limits);
    try {
      console.log(`== ${adapter}: ${gpu.adapter.name} (${gpu.adapter.featureLevel})`);
      const matmul = await benchMatmuls(gpu, SHAPES, budget.matmul, (m) =>
        console.log(`  matmul ${m.variant.padEnd(6)} ${shapeName(m.shape).padEnd(14)} ${m.gflops.toFixed(2).padStart(7)} GFLOP/s  (${m.dispatchesPerRep} dispatches × ${m.reps}, checked)`));
      const training = [];
      for (const variant of Object.keys(MATMUL_VARIANTS)) {
        for (const t of await benchTraining(gpu, cfg, data, variant, STEPS_PER_SUBMIT, budget.train)) {
          console.log(`  train  ${variant.padEnd(6)} ${t.stepsPerSubmit} step/submit  ${t.samplesPerS.toFixed(1).padStart(8)} samples/s  ` +
            `${t.msPerStep.toFixed(1).padStart(7)} ms/step  ${t.gflops.toFixed(2).padStart(6)} GFLOP/s  (${t.stepsPerRep} steps × ${t.reps})`);
          training.push(t);
        }
      }
      reports.push({ adapter, name: gpu.adapter.name, featureLevel: gpu.adapter.featureLevel, batch: cfg.batch,
        seconds: (performance.now() - tA) / 1000, loadAverage, matmul, training });
    } finally {
      gpu.release();
    }
  }

  console.log(`\n${matmulTable(reports)}\n\n${trainingTable(reports)}\n(* fastest step per adapter)\n`);
  for (const line of summaryLines(reports)) console.log(line);
  console.log(`total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (quick) console.log('--quick: bench/results.json not written');
  else {
    writeResults(RESULTS, reports, meta);
    console.log(`wrote ${RESULTS}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
