// The prepared device check (check.sh in the GPU pack, scripts/pack-gpu.sh): on one adapter, every kernel and
// training-step case against the float64 reference, every matmul variant at the model's shapes and a large square,
// training throughput at three batches, 4 and 8 models of a sweep batched vs one by one, 10 epochs of 60,000 images,
// and a parity dump for bench/peers/torch_ae.py.
// Everything lands in <out>/results.json. Usage: gpu-check [--adapter gpu|llvmpipe|swiftshader] [--quick] [--out DIR]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDefaultData } from '../src/data/node.ts';
import type { DataSplit, ImageSet } from '../src/data/dataset.ts';
import type { Gpu } from '../src/gpu/device.ts';
import { KernelCache } from '../src/gpu/kernels.ts';
import { acquireNodeGpu, type NodeAdapterChoice } from '../src/gpu/node.ts';
import { defaultTrainConfig, type TrainConfig } from '../src/model/config.ts';
import { tuneMatmuls } from '../src/train/autotune.ts';
import { countStepDispatches, isCpuAdapter, stepsPerSubmit } from '../src/train/dispatch-plan.ts';
import { Run } from '../src/train/run.ts';
import { freshSeed } from '../tests/gpu/harness.ts';
import { kernelCases } from '../tests/gpu/kernel-cases.ts';
import { stepCases } from '../tests/gpu/step-cases.ts';
import { writeParityDump } from './gpu-parity.ts';
import { benchMatmuls, benchProducts, shapeName, type Shape } from './matmul.ts';
import { benchTraining } from './train.ts';
import { benchBatched } from './batched.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const adapter = flag('--adapter', 'gpu') as NodeAdapterChoice;
const quick = args.includes('--quick');
const out = flag('--out', 'results');
mkdirSync(out, { recursive: true });

const results: Record<string, unknown> = { date: new Date().toISOString(), adapter_choice: adapter, quick };
const save = () => writeFileSync(join(out, 'results.json'), JSON.stringify(results, null, 1));
const log = (s: string) => console.log(s);

/** `set` repeated up to `count` images (the digits have 8,000 training images; the check wants 60,000). */
function repeated(set: ImageSet, count: number): ImageSet {
  const px = set.rows * set.cols;
  const images = new Uint8Array(count * px);
  for (let i = 0; i < count; i++) images.set(set.images.subarray((i % set.count) * px, (i % set.count + 1) * px), i * px);
  return { ...set, count, images, labels: null };
}

const configAt = (batch: number): TrainConfig => ({ ...defaultTrainConfig(), batch });

async function kernelTests(gpu: Gpu): Promise<{ passed: number; failed: number }> {
  const rows: { name: string; ok: boolean; seed: number; seconds: number; error?: string }[] = [];
  for (const [name, run] of [...Object.entries(kernelCases), ...Object.entries(stepCases)]) {
    const seed = freshSeed();
    const t0 = performance.now();
    try {
      await run(gpu, seed);
      rows.push({ name, ok: true, seed, seconds: (performance.now() - t0) / 1000 });
    } catch (e) {
      rows.push({ name, ok: false, seed, seconds: (performance.now() - t0) / 1000, error: String(e instanceof Error ? e.message : e).slice(0, 600) });
    }
    const r = rows[rows.length - 1];
    log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${name} (${r.seconds.toFixed(2)} s)${r.error ? `: ${r.error}` : ''}`);
  }
  results.kernel_tests = rows;
  const failed = rows.filter((r) => !r.ok).length;
  return { passed: rows.length - failed, failed };
}

async function main(): Promise<void> {
  const digits = await loadDefaultData();
  const data: DataSplit = { ...digits, name: 'digits ×7.5', train: repeated(digits.train, 60_000) };
  const batches = quick ? [256] : [256, 1024, 4096];
  const largest = data.train.count * data.train.rows * data.train.cols;
  const side = quick ? 512 : 4096;
  const square = 4 * side * side;
  const limit = Math.max(largest, square + 4 * side, 4 * Math.max(...batches) * 784);
  const gpu = await acquireNodeGpu(adapter, { maxStorageBufferBindingSize: limit, maxBufferSize: limit });
  const info = gpu.adapter;
  results.device = { ...info, cpu_adapter: isCpuAdapter(info), timestamps: gpu.hasTimestamps, subgroup_size: gpu.subgroupSize, limits: gpu.adapterLimits };
  log(`== adapter: ${info.name} (${info.featureLevel}${info.isFallback ? ', fallback' : ''})`);
  if (adapter === 'gpu' && isCpuAdapter(info)) {
    throw new Error(`asked for a GPU but Dawn's only adapter is the CPU renderer "${info.name}": the Vulkan driver for the GPU is not visible (see check.sh's log above)`);
  }
  try {
    log('== kernel and step tests vs the float64 reference');
    const tests = await kernelTests(gpu);
    log(`   ${tests.passed} passed, ${tests.failed} failed`);
    save();

    const perSubmit = stepsPerSubmit(gpu);
    const cache = new KernelCache(gpu);
    log(`== matmuls (every variant; forward X·Wᵀ), ${perSubmit} step(s) per submit on this adapter`);
    const budget = quick ? { reps: 2, repSeconds: 0.1 } : { reps: 3, repSeconds: 0.2 };
    const shapes: Shape[] = [{ M: 256, K: 784, N: 256 }, { M: 256, K: 256, N: 64 }, { M: 256, K: 64, N: 256 }, { M: 256, K: 256, N: 784 },
      { M: side, K: side, N: side }];
    results.matmul = await benchMatmuls(gpu, shapes, budget, (m) => log(`  ${m.variant.padEnd(9)} ${shapeName(m.shape).padEnd(15)} ${m.gflops.toFixed(1).padStart(8)} GFLOP/s`));
    save();

    const training = [];
    for (const batch of batches) {
      const cfg = configAt(batch);
      const tuning = await tuneMatmuls(gpu, cache, cfg);
      log(`== batch ${batch}: tuned in ${tuning.seconds.toFixed(1)} s: ${tuning.products.map((p) => `${p.layer}.${p.product} ${p.best}`).join(', ')}`);
      const products = await benchProducts(gpu, cfg, tuning, budget, () => {});
      const best = Math.max(...products.map((p) => p.gflops));
      const runs = await benchTraining(gpu, cfg, data, 'auto', [...new Set([1, perSubmit])],
        quick ? { reps: 2, repSeconds: 0.3, warmupSteps: 2, maxStepsPerRep: 16 } : { reps: 3, repSeconds: 1, warmupSteps: 8, maxStepsPerRep: 512 });
      for (const r of runs) {
        log(`  batch ${batch} ${r.stepsPerSubmit} step/submit ${r.samplesPerS.toFixed(0).padStart(9)} samples/s ${r.msPerStep.toFixed(3)} ms/step ` +
          `(${(r.gflops / best).toFixed(2)} of the best product's ${best.toFixed(1)} GFLOP/s)`);
        training.push({ batch, ...r, best_product_gflops: best, fraction: r.gflops / best, tuning: tuning.choices, tuning_seconds: tuning.seconds });
      }
    }
    results.training = training;
    save();

    log('== batched sweeps: N sae-l1 models as one model batch vs one by one (samples/s per model)');
    results.batched = await benchBatched(gpu, data, quick ? { reps: 2, repSeconds: 0.3, warmupSteps: 2, maxStepsPerRep: 16 }
      : { reps: 3, repSeconds: 1, warmupSteps: 8, maxStepsPerRep: 512 }, (r) =>
      log(`  ${r.models} models batched ${r.batchedSamplesPerS.toFixed(0).padStart(9)} samples/s per model, one by one ${r.oneByOneSamplesPerS.toFixed(0)}: ×${r.speedup.toFixed(2)}`));
    save();

    const parity = await writeParityDump(gpu, configAt(256), digits, cache, out);
    results.parity_float64 = parity;
    log(`== one seed-model step at batch 256 vs our float64 reference: worst normalised gradient difference ${parity.worst.toExponential(2)}`);
    log(`   dumped for torch_ae.py: ${out}/parity.safetensors, ${out}/checkpoint-step0.safetensors`);
    const epochs = quick ? 1 : 10;
    const cfg = { ...configAt(256), epochs };
    // The same Run the CLI drives: chunks of steps on one fence cadence, evaluation and the guard at each epoch's end.
    const run = await Run.start({ gpu, hooks: { log }, cfg, data: quick ? digits : data, kernel: 'auto', cache, options: { stepsPerSubmit: perSubmit } });
    try {
      results.dispatches_per_step = countStepDispatches(run.trainer.stepDispatches());
      const t0 = performance.now();
      const perEpoch = [];
      while (!run.done) {
        const { metrics: m, row } = await run.epoch();
        perEpoch.push({ epoch: m.epoch, train_seconds: row.seconds, test_mse: m.test_mse });
        log(`  epoch ${m.epoch + 1}/${epochs}: ${row.seconds!.toFixed(2)} s training, test MSE ${m.test_mse.toFixed(5)}`);
      }
      const wall = (performance.now() - t0) / 1000;
      results.train_run = { images: run.trainer.data.train.count, epochs, batch: 256, steps_per_submit: perSubmit, wall_seconds: wall, per_epoch: perEpoch };
      log(`== ${epochs} epoch(s) of ${run.trainer.data.train.count} images: ${wall.toFixed(2)} s wall (evaluation included)`);
    } finally {
      run.release();
    }
    save();
    if (tests.failed > 0 || !(parity.worst < 1e-3)) process.exitCode = 1;
  } finally {
    gpu.release();
  }
}

main().catch((e) => {
  results.error = String(e instanceof Error ? e.message : e);
  save();
  console.error(`gpu-check: ${results.error}`);
  process.exitCode = 2;
});
