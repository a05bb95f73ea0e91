// npm run bench [-- options]: per adapter, our best matmul GFLOP/s (every variant, checked against float64), the
// per-product kernel tuning, our training-step throughput in Node (Dawn) and a per-kernel profile of one step;
// then, in headless Chromium on the same adapters, our Trainer and TF.js's WebGPU backend side by side.
// Prints tables; a full run also writes bench/results.json.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadData } from '../src/data/node.ts';
import type { LimitRequest } from '../src/gpu/device.ts';
import { KernelCache } from '../src/gpu/kernels.ts';
import { acquireNodeGpu, NODE_ADAPTERS, type NodeAdapterChoice } from '../src/gpu/node.ts';
import { defaultTrainConfig } from '../src/model/config.ts';
import { stepCheckLine, tuneMatmuls } from '../src/train/autotune.ts';
import { availableVariants } from '../src/train/kernels.ts';
import { limitsFor } from '../src/train/trainer.ts';
import type { BrowserAdapter } from '../tests/support/browser.ts';
import type { BrowserBudget } from './browser.ts';
import { benchMatmuls, benchProducts, shapeName, type MatmulBudget, type Shape } from './matmul.ts';
import { profileStep } from './profile.ts';
import { batchedLimits, benchBatched, type BatchedRow } from './batched.ts';
import { batchedTable, matmulTable, NODE_HOST, profileTable, scalingTable, sections, summaryTable, trainingTable, tuningTable, writeResults,
  type BrowserRun, type NodeReport } from './results.ts';
import { benchScaling, scalingLimits, type ScalingRow } from './scaling.ts';
import { benchTraining, type TrainBudget } from './train.ts';

const USAGE = `usage: npm run bench -- [--adapter llvmpipe|swiftshader|gpu|auto] [--node-only] [--scaling] [--batched] [--quick]
  --adapter NAME  benchmark one adapter (default: llvmpipe, then swiftshader; Chromium runs the software ones only)
  --node-only     skip headless Chromium (ours in the browser and TF.js)
  --scaling       only the scaling sweeps (batch 64…1024, hidden 128…1024) on the first adapter
  --batched       only 4 and 8 models of a sweep batched vs one by one (samples/s per model) on the first adapter
  --quick         short run to check that everything works; prints only, results.json is left alone`;

const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));
const SHAPES: Shape[] = [{ M: 1024, K: 1024, N: 1024 }, { M: 256, K: 784, N: 256 }]; // a square product, the seed model's biggest layer
const BROWSER_ADAPTERS_RUN: BrowserAdapter[] = ['llvmpipe', 'swiftshader'];

interface Budget { matmul: MatmulBudget; train: TrainBudget; tfjs: TrainBudget }
// SwiftShader runs 5–10× slower than llvmpipe, TF.js another 3–6× slower: the shortest repetitions that still give
// 3 medians keep the whole run (both hosts, both adapters) within ~6 minutes on 2 cores.
const FULL: Record<string, Budget> = {
  llvmpipe: { matmul: { reps: 5, repSeconds: 0.4 }, train: { reps: 3, repSeconds: 1.2, warmupSteps: 8, maxStepsPerRep: 64 },
    tfjs: { reps: 3, repSeconds: 1.5, warmupSteps: 6, maxStepsPerRep: 32 } },
  swiftshader: { matmul: { reps: 3, repSeconds: 0.5 }, train: { reps: 3, repSeconds: 1, warmupSteps: 1, maxStepsPerRep: 16 },
    tfjs: { reps: 3, repSeconds: 2, warmupSteps: 2, maxStepsPerRep: 8 } },
};
const QUICK: Budget = { matmul: { reps: 2, repSeconds: 0.1 }, train: { reps: 2, repSeconds: 0.2, warmupSteps: 1, maxStepsPerRep: 4 },
  tfjs: { reps: 2, repSeconds: 0.2, warmupSteps: 1, maxStepsPerRep: 2 } };
const SCALING_BUDGET: TrainBudget = { reps: 3, repSeconds: 1, warmupSteps: 4, maxStepsPerRep: 64 };

interface Options { adapters: NodeAdapterChoice[]; quick: boolean; browser: boolean; scaling: boolean; batched: boolean }

function parseArgs(argv: string[]): Options {
  const o: Options = { adapters: ['llvmpipe', 'swiftshader'], quick: false, browser: true, scaling: false, batched: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--node-only') o.browser = false;
    else if (a === '--scaling') o.scaling = true;
    else if (a === '--batched') o.batched = true;
    else if (a === '--adapter') {
      const name = argv[++i];
      if (!NODE_ADAPTERS.includes(name as NodeAdapterChoice)) throw new Error(`--adapter needs one of ${NODE_ADAPTERS.join(', ')}; got ${name ?? 'nothing'}\n${USAGE}`);
      o.adapters = [name as NodeAdapterChoice];
    } else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument "${a}"\n${USAGE}`);
  }
  return o;
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

const data = await loadData('default');
const cfg = defaultTrainConfig();

async function benchNode(adapter: NodeAdapterChoice, budget: Budget): Promise<NodeReport> {
  const tA = performance.now();
  const loadAverage = loadavg()[0];
  const matmulBytes = Math.max(...SHAPES.map((s) => 4 * Math.max(s.M * s.K, s.N * s.K + s.N, s.M * s.N)));
  const trainLimits = limitsFor(cfg, data);
  const limits: LimitRequest = {
    maxStorageBufferBindingSize: Math.max(matmulBytes, trainLimits.maxStorageBufferBindingSize ?? 0),
    maxBufferSize: Math.max(matmulBytes, trainLimits.maxBufferSize ?? 0),
  };
  const gpu = await acquireNodeGpu(adapter, limits);
  try {
    console.log(`== ${adapter} in Node: ${gpu.adapter.name} (${gpu.adapter.featureLevel}${gpu.hasTimestamps ? ', timestamps' : ''})`);
    const matmul = await benchMatmuls(gpu, SHAPES, budget.matmul, (m) =>
      console.log(`  matmul ${m.variant.padEnd(7)} ${shapeName(m.shape).padEnd(14)} ${m.gflops.toFixed(2).padStart(7)} GFLOP/s  (${m.dispatchesPerRep} dispatches × ${m.reps}, checked)`));
    const tuning = await tuneMatmuls(gpu, new KernelCache(gpu), cfg);
    console.log(`  tuned in ${tuning.seconds.toFixed(1)} s: ${tuning.products.map((p) => `${p.layer}.${p.product} ${p.best}`).join(', ')}`);
    console.log(`  ${stepCheckLine(tuning.step)}`);
    matmul.push(...await benchProducts(gpu, cfg, tuning, budget.matmul, (m) =>
      console.log(`  matmul ${m.variant.padEnd(7)} ${shapeName(m.shape).padEnd(14)} ${m.gflops.toFixed(2).padStart(7)} GFLOP/s  (${m.product}, ${m.dispatchesPerRep} dispatches × ${m.reps})`)));
    const training = [];
    // 'auto' (the default everywhere) at 1 and 4 steps per submit; each fixed variant for comparison.
    for (const [variant, perSubmit] of [['auto', [1, 4]], ...availableVariants(gpu).map((v) => [v, [1]])] as [string, number[]][]) {
      for (const t of await benchTraining(gpu, cfg, data, variant, perSubmit, budget.train)) {
        console.log(`  train  ${variant.padEnd(6)} ${t.stepsPerSubmit} step/submit  ${t.samplesPerS.toFixed(1).padStart(8)} samples/s  ` +
          `${t.msPerStep.toFixed(1).padStart(7)} ms/step  ${t.gflops.toFixed(2).padStart(6)} GFLOP/s  (${t.stepsPerRep} steps × ${t.reps})`);
        training.push(t);
      }
    }
    const profile = await profileStep(gpu, cfg, { reps: 3, repSeconds: budget.matmul.repSeconds / 4 });
    const auto = training.find((t) => t.variant === 'auto' && t.stepsPerSubmit === 1)!;
    console.log(profileTable(adapter, profile, auto.msPerStep).replace(/^/gm, '  '));
    return { adapter, name: gpu.adapter.name, featureLevel: gpu.adapter.featureLevel, batch: cfg.batch, seconds: (performance.now() - tA) / 1000,
      loadAverage, matmul, tuning, training, profile };
  } finally {
    gpu.release();
  }
}

async function runScaling(adapter: NodeAdapterChoice, quick: boolean): Promise<ScalingRow[]> {
  const gpu = await acquireNodeGpu(adapter, scalingLimits(data));
  try {
    console.log(`== scaling on ${adapter} in Node: ${gpu.adapter.name}`);
    return await benchScaling(gpu, data, quick ? QUICK.train : SCALING_BUDGET, (r) =>
      console.log(`  ${r.sweep.padEnd(6)} batch ${String(r.batch).padStart(4)} hidden ${String(r.hidden).padStart(4)}  ${r.samplesPerS.toFixed(1).padStart(8)} samples/s  ` +
        `${r.msPerStep.toFixed(2).padStart(7)} ms/step  ${r.gflops.toFixed(2).padStart(6)} GFLOP/s`));
  } finally {
    gpu.release();
  }
}

async function runBatched(adapter: NodeAdapterChoice, budget: TrainBudget): Promise<{ adapter: string; rows: BatchedRow[] }> {
  const gpu = await acquireNodeGpu(adapter, batchedLimits(data));
  try {
    console.log(`== batched sweeps on ${adapter} in Node: ${gpu.adapter.name}`);
    return { adapter, rows: await benchBatched(gpu, data, budget, (r) => console.log(`  ${r.models} × ${r.preset} batched ` +
      `${r.batchedSamplesPerS.toFixed(1).padStart(8)} samples/s per model, one by one ${r.oneByOneSamplesPerS.toFixed(1)}: ×${r.speedup.toFixed(2)}`)) };
  } finally {
    gpu.release();
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const meta = { date: new Date().toISOString(), node: process.version, commit: gitCommit(), cpu: cpus()[0]?.model.trim() ?? 'unknown', cores: cpus().length,
    load_average_1m_at_start: Number(loadavg()[0].toFixed(2)) };
  const t0 = performance.now();
  console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} (1, 5, 15 min) on ${meta.cores} cores`);
  const nodes: NodeReport[] = [];
  const browsers: BrowserRun[] = [];
  let scaling: { adapter: string; rows: ScalingRow[] } | null = null;
  const batched: { adapter: string; rows: BatchedRow[] }[] = [];

  if (o.batched) {
    batched.push(await runBatched(o.adapters[0], o.quick ? QUICK.train : FULL[o.adapters[0]]?.train ?? FULL.llvmpipe.train));
    console.log(`\n${batchedTable(batched)}\n`);
  } else if (o.scaling) {
    scaling = { adapter: o.adapters[0], rows: await runScaling(o.adapters[0], o.quick) };
    console.log(`\n${scalingTable(scaling.rows)}\n`);
  } else {
    for (const adapter of o.adapters) {
      const budget = o.quick ? QUICK : FULL[adapter] ?? FULL.llvmpipe;
      nodes.push(await benchNode(adapter, budget));
      batched.push(await runBatched(adapter, budget.train));
    }
    if (o.browser) {
      // Loaded only here: the Node-only pack (scripts/pack-gpu.sh) carries neither Playwright nor Vite.
      const { benchBrowser } = await import('./browser.ts');
      for (const adapter of BROWSER_ADAPTERS_RUN.filter((a) => (o.adapters as string[]).includes(a))) {
        const b = o.quick ? QUICK : FULL[adapter];
        const budget: BrowserBudget = { matmul: b.matmul, ours: b.train, tfjs: b.tfjs };
        const loadAverage = loadavg()[0];
        browsers.push({ ...(await benchBrowser(adapter, SHAPES, [1], budget, (s) => console.log(s))), loadAverage, batch: cfg.batch });
      }
    }
    console.log(`\n${matmulTable(nodes, browsers)}\n\n${trainingTable(nodes)}\n(* fastest step per adapter)\n`);
    console.log(`${tuningTable([...nodes.map((r) => ({ adapter: r.adapter, host: NODE_HOST, tuning: r.tuning })),
      ...browsers.map((r) => ({ adapter: r.adapter, host: 'chromium', tuning: r.tuning }))])}\n`);
    console.log(`${summaryTable(nodes, browsers)}\n\n${batchedTable(batched)}\n`);
  }
  console.log(`total ${((performance.now() - t0) / 1000).toFixed(1)} s; load average now ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  if (o.quick) console.log('--quick: bench/results.json not written');
  else {
    writeResults(RESULTS, sections(nodes, browsers, scaling, meta.date, batched), meta);
    console.log(`wrote ${RESULTS}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
