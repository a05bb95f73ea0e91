// Benchmark page, driven by bench/browser.ts through Playwright: on the adapter of the feature level named by
// `?level=`, measures our best matmul, tunes our kernels, and times our Trainer and TF.js's WebGPU backend
// training the same model.
import { acquireBrowserGpu } from '../../src/gpu/browser.ts';
import { requestAdapter, type AdapterDescription, type FeatureLevel, type Gpu } from '../../src/gpu/device.ts';
import { IDX_FILE_NAMES, splitFromIdxFiles, type DataSplit, type IdxRole, type NamedBytes } from '../../src/data/dataset.ts';
import { defaultTrainConfig } from '../../src/model/config.ts';
import { stepFlops } from '../../src/model/describe.ts';
import { buildPlan } from '../../src/model/plan.ts';
import { limitsFor } from '../../src/train/trainer.ts';
import { KernelCache } from '../../src/gpu/kernels.ts';
import { tuneMatmuls, type Tuning } from '../../src/train/autotune.ts';
import { benchMatmuls, benchProducts, type MatmulBudget, type MatmulResult, type Shape } from '../matmul.ts';
import { FENCE_EVERY, timeSteps, type StepBudget } from '../stats.ts';
import { benchTraining, type TrainResult } from '../train.ts';
import { TfjsTrainer, useTfjsWebgpu } from './tfjs-trainer.ts';

export interface TfjsResult { samplesPerS: number; msPerStep: number; gflops: number; stepsPerRep: number; reps: number }
export interface BenchApi {
  adapter: AdapterDescription;
  matmul(shapes: Shape[], budget: MatmulBudget): Promise<MatmulResult[]>;
  tuning(): Promise<Tuning>;
  products(budget: MatmulBudget): Promise<MatmulResult[]>; // the model's products at the last tuning's kernels
  ours(budget: StepBudget, kernel: string, perSubmit: number[]): Promise<TrainResult[]>;
  tfjs(budget: StepBudget): Promise<TfjsResult>;
}

declare global {
  interface Window { __bench?: BenchApi; __benchError?: string }
}

const digitUrls = import.meta.glob('../../data/digits/*.gz', { query: '?url', import: 'default', eager: true }) as Record<string, string>;
const log = (s: string) => { document.getElementById('log')!.textContent += `${s}\n`; };

async function loadDigits(): Promise<DataSplit> {
  const files = {} as Record<IdxRole, NamedBytes>;
  for (const role of Object.keys(IDX_FILE_NAMES) as IdxRole[]) {
    const name = `${IDX_FILE_NAMES[role]}.gz`;
    const url = Object.entries(digitUrls).find(([path]) => path.endsWith(`/${name}`))?.[1];
    if (!url) throw new Error(`no data/digits/${name}`);
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    // A server may send .gz with Content-Encoding: gzip, and then fetch has already decoded it.
    files[role] = { name: bytes[0] === 0x1f && bytes[1] === 0x8b ? name : IDX_FILE_NAMES[role], bytes };
  }
  return splitFromIdxFiles('digits', files);
}

/** TF.js's device, on the same adapter as ours, with the limits its own factory asks for (plus storage buffers). */
async function tfjsDevice(level: FeatureLevel): Promise<{ device: GPUDevice; info: GPUAdapterInfo }> {
  const { adapter } = await requestAdapter(navigator.gpu, [level]);
  const names = ['maxComputeWorkgroupStorageSize', 'maxComputeWorkgroupsPerDimension', 'maxStorageBufferBindingSize', 'maxBufferSize',
    'maxComputeWorkgroupSizeX', 'maxComputeInvocationsPerWorkgroup', 'maxStorageBuffersPerShaderStage'] as const;
  const requiredLimits = Object.fromEntries(names.map((n) => [n, adapter.limits[n]]));
  const requiredFeatures: GPUFeatureName[] = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  if (level === 'core') requiredFeatures.push('core-features-and-limits' as GPUFeatureName);
  return { device: await adapter.requestDevice({ label: 'tfjs', requiredLimits, requiredFeatures }), info: adapter.info };
}

async function start(): Promise<void> {
  const level = (new URLSearchParams(location.search).get('level') ?? 'core') as FeatureLevel;
  const cfg = defaultTrainConfig();
  const data = await loadDigits();
  const gpu: Gpu = await acquireBrowserGpu([level], limitsFor(cfg, data));
  gpu.device.addEventListener('uncapturederror', (e) => console.error(`WebGPU uncaptured error (ours): ${e.error.message}`));
  document.getElementById('adapter')!.textContent = `${gpu.adapter.name} (${gpu.adapter.featureLevel})`;
  const flops = stepFlops(buildPlan(cfg.model));
  let tuning: Tuning | null = null;
  window.__bench = {
    adapter: gpu.adapter,
    matmul: (shapes, budget) => benchMatmuls(gpu, shapes, budget, (m) => log(`matmul ${m.variant} ${m.gflops.toFixed(2)} GFLOP/s`)),
    async tuning() {
      tuning = await tuneMatmuls(gpu, new KernelCache(gpu), cfg);
      return tuning;
    },
    async products(budget) {
      if (!tuning) throw new Error('bench page: products() needs tuning() first');
      return benchProducts(gpu, cfg, tuning, budget, (m) => log(`matmul ${m.product} ${m.variant} ${m.gflops.toFixed(2)} GFLOP/s`));
    },
    async ours(budget, kernel, perSubmit) {
      const results = await benchTraining(gpu, cfg, data, kernel, perSubmit, budget);
      for (const r of results) log(`ours ${r.variant} ×${r.stepsPerSubmit}: ${r.samplesPerS.toFixed(0)} samples/s`);
      return results;
    },
    async tfjs(budget) {
      const { device, info } = await tfjsDevice(level);
      device.addEventListener('uncapturederror', (e) => console.error(`WebGPU uncaptured error (TF.js): ${e.error.message}`));
      await useTfjsWebgpu(device, info);
      const trainer = new TfjsTrainer(cfg, data);
      let next = 0;
      const run = async (steps: number) => {
        for (let s = 0; s < steps; s++) {
          trainer.step(next++);
          if (next % FENCE_EVERY === 0) await trainer.fence();
        }
      };
      try {
        const t = await timeSteps(run, () => trainer.fence(), budget);
        const bad = (await trainer.parameters()).findIndex((p) => p.some((v) => !Number.isFinite(v)));
        if (bad >= 0) throw new Error(`TF.js parameter tensor ${bad} is not finite after the benchmark steps`);
        const samplesPerS = cfg.batch / t.secondsPerStep;
        log(`TF.js: ${samplesPerS.toFixed(0)} samples/s`);
        return { samplesPerS, msPerStep: t.secondsPerStep * 1000, gflops: (samplesPerS * flops) / 1e9, stepsPerRep: t.stepsPerRep, reps: t.reps };
      } finally {
        trainer.dispose();
      }
    },
  };
}

start().catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  document.getElementById('adapter')!.textContent = message;
  window.__benchError = message;
});
