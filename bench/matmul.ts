// Matmul throughput of the forward product X·Wᵀ (identity activation) per matmul variant (rb* register blocks,
// mt* matrix tiles): warm-up, then the median of timed repetitions (D dispatches in one submit, then a queue fence).
// Every variant's output is checked on a sample of elements against a float64 product before its numbers count.
import type { Gpu } from '../src/gpu/device.ts';
import type { TrainConfig } from '../src/model/config.ts';
import { buildPlan } from '../src/model/plan.ts';
import { ScratchStep, type Tuning } from '../src/train/autotune.ts';
import { dispatch, KernelCache, storageBuffer, uniformBuffer, type Kernel } from '../src/gpu/kernels.ts';
import { TextureMirror } from '../src/gpu/mirror.ts';
import { readBuffer } from '../src/gpu/readback.ts';
import type { Activation } from '../src/model/plan.ts';
import { TestRandom } from '../src/ref/check.ts';
import { availableVariants, DEFAULT_VARIANT, denseSpecs, denseWorkgroups, loadKernels, MATMUL_VARIANTS } from '../src/train/kernels.ts';
import { denseUniform, STEP_BYTES, STEP_SLOT, writeStep } from '../src/train/uniforms.ts';
import { repeatDispatch, steadyTime, timeSubmitted, type DispatchBudget } from './stats.ts';

export interface Shape { M: number; K: number; N: number }
export interface MatmulResult {
  variant: string; shape: Shape; gflops: number; msPerDispatch: number; dispatchesPerRep: number; reps: number;
  product?: string; // a product of the model's step (layer.product, its tuned kernel), absent for the synthetic forward products
}
export type MatmulBudget = DispatchBudget;

const IDENTITY: Activation = { kind: 'identity', alpha: 0 };
const CHECKED = 512; // output elements compared with the float64 product

export const shapeName = (s: Shape) => `${s.M}x${s.K}x${s.N}`;

/** One problem Y(M×N) = X(M×K)·Wᵀ + b on the device, with the host copies the check needs. */
export class MatmulProblem {
  readonly x: Float32Array; // (M, K)
  readonly slab: Float32Array; // W (N, K) then b (N)
  readonly xBuf: GPUBuffer;
  readonly slabBuf: GPUBuffer;
  readonly yBuf: GPUBuffer; // (M, N)
  readonly auxBuf: GPUBuffer; // denseForward's pre-activation output, unused here (write_pre = 0)
  readonly stepBuf: GPUBuffer;
  readonly uniformBuf: GPUBuffer;

  constructor(readonly device: GPUDevice, readonly shape: Shape, seed: number) {
    const { M, K, N } = shape;
    if (K % 4 !== 0 || N % 4 !== 0) throw new Error(`matmul bench shape ${shapeName(shape)}: K and N must be multiples of 4`);
    const r = new TestRandom(seed);
    this.x = Float32Array.from(r.uniform(M * K, -1, 1));
    this.slab = Float32Array.from(r.uniform(N * K + N, -1, 1));
    const label = `bench.matmul.${shapeName(shape)}`;
    this.xBuf = storageBuffer(device, `${label}.x`, this.x.byteLength);
    this.slabBuf = storageBuffer(device, `${label}.params`, this.slab.byteLength);
    this.yBuf = storageBuffer(device, `${label}.y`, M * N * 4);
    this.auxBuf = storageBuffer(device, `${label}.aux`, 16);
    device.queue.writeBuffer(this.xBuf, 0, this.x);
    device.queue.writeBuffer(this.slabBuf, 0, this.slab);
    const step = new ArrayBuffer(STEP_SLOT);
    writeStep(step, 0, { rows: M, step: 0, seed: 0, batchStart: 0, lr: 0, bc1: 1, bc2: 1, training: true, record: 0 });
    this.stepBuf = uniformBuffer(device, `${label}.step`, step);
    this.uniformBuf = uniformBuffer(device, `${label}.dense`, denseUniform(N, K, 0, N * K, IDENTITY, IDENTITY));
  }

  /** Texture-fed kernels (tx) read X and the slab through mirrors, made and filled on first use. */
  private mirrors: [TextureMirror, TextureMirror] | null = null;

  bindGroup(kernel: Kernel): GPUBindGroup {
    let operands: GPUBindingResource[] = [{ buffer: this.xBuf }, { buffer: this.slabBuf }];
    if (kernel.spec.bindings[2] === 'texture') {
      if (!this.mirrors) {
        this.mirrors = [new TextureMirror(this.device, this.xBuf), new TextureMirror(this.device, this.slabBuf)];
        const encoder = this.device.createCommandEncoder({ label: 'bench.matmul.mirrors' });
        for (const m of this.mirrors) m.refresh(encoder);
        this.device.queue.submit([encoder.finish()]);
      }
      operands = this.mirrors.map((m) => m.view);
    }
    return this.device.createBindGroup({
      label: `bench.matmul.${shapeName(this.shape)}.${kernel.label}`,
      layout: kernel.layout,
      entries: [{ binding: 0, resource: { buffer: this.stepBuf, size: STEP_BYTES } }, { binding: 1, resource: { buffer: this.uniformBuf } },
        { binding: 2, resource: operands[0] }, { binding: 3, resource: operands[1] }, { binding: 4, resource: { buffer: this.yBuf } },
        { binding: 5, resource: { buffer: this.auxBuf } }],
    });
  }

  /** Submit `count` dispatches in one pass (optionally zeroing Y first). */
  submit(kernel: Kernel, group: GPUBindGroup, workgroups: number, count: number, clear = false): void {
    const encoder = this.device.createCommandEncoder({ label: 'bench.matmul' });
    if (clear) encoder.clearBuffer(this.yBuf);
    const pass = encoder.beginComputePass({ label: 'bench.matmul' });
    for (let i = 0; i < count; i++) dispatch(pass, kernel, group, workgroups, 0);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
  }

  /** Compare a sample of Y (corners included) with float64 products; the bound is the worst case of f32 summation. */
  async check(what: string, seed: number): Promise<void> {
    const { M, K, N } = this.shape;
    const y = new Float32Array(await readBuffer(this.device, this.yBuf));
    const r = new TestRandom(seed, 1);
    const picks = [0, N - 1, (M - 1) * N, M * N - 1, ...r.sample(M * N, CHECKED)];
    for (const at of picks) {
      const row = Math.floor(at / N), col = at % N;
      let ref = this.slab[N * K + col];
      let mag = Math.abs(ref);
      for (let k = 0; k < K; k++) {
        const p = this.x[row * K + k] * this.slab[col * K + k];
        ref += p;
        mag += Math.abs(p);
      }
      const tol = (K + 2) * 2 ** -24 * mag + 1e-6;
      if (!(Math.abs(y[at] - ref) <= tol)) {
        throw new Error(`${what}: Y[${row}, ${col}] is ${y[at]}, float64 reference ${ref} (|diff| ${Math.abs(y[at] - ref).toExponential(2)} > ${tol.toExponential(2)})`);
      }
    }
  }

  destroy(): void {
    for (const b of [this.xBuf, this.slabBuf, this.yBuf, this.auxBuf, this.stepBuf, this.uniformBuf]) b.destroy();
    for (const m of this.mirrors ?? []) m.destroy();
  }
}

export async function benchVariant(problem: MatmulProblem, cache: KernelCache, variant: string, budget: MatmulBudget, seed: number): Promise<MatmulResult> {
  const { device, shape } = problem;
  const { M, K, N } = shape;
  const v = MATMUL_VARIANTS[variant];
  const kernel = await cache.get(denseSpecs(MATMUL_VARIANTS[variant]).denseForward);
  const group = problem.bindGroup(kernel);
  const workgroups = denseWorkgroups(v.family, v.forward, M, Math.ceil(N / 4));
  const what = `denseForward ${variant} ${shapeName(shape)}`;

  device.pushErrorScope('validation');
  const first = await timeSubmitted(device, () => problem.submit(kernel, group, workgroups, 1, true)); // also Y for the check
  const error = await device.popErrorScope();
  if (error) throw new Error(`${what}: ${error.message}`);
  await problem.check(what, seed);
  const t = await steadyTime(device, (count) => problem.submit(kernel, group, workgroups, count), budget, first);
  return { variant, shape, gflops: (2 * M * K * N) / t.seconds / 1e9, msPerDispatch: t.seconds * 1000, dispatchesPerRep: t.perRep, reps: budget.reps };
}

/**
 * The model's own dense products (forward and both backward products of every layer, at the batch of `cfg`), each
 * with the kernel the tuning chose, timed as steadily as the synthetic shapes. The tuning's own timings are short
 * screens meant for ranking variants; taking the maximum over dozens of them overstates the adapter's best.
 */
export async function benchProducts(gpu: Gpu, cfg: TrainConfig, tuning: Tuning, budget: MatmulBudget, onResult: (r: MatmulResult) => void): Promise<MatmulResult[]> {
  const kernels = await loadKernels(new KernelCache(gpu), DEFAULT_VARIANT, tuning.choices);
  const scratch = new ScratchStep(gpu.device, kernels, buildPlan(cfg.model), cfg, cfg.batch);
  const results: MatmulResult[] = [];
  try {
    gpu.device.pushErrorScope('validation');
    for (const { layer, product, d } of scratch.denseDispatches()) {
      const p = tuning.products.find((x) => x.layer === layer && x.product === product);
      if (!p) throw new Error(`bench products: ${layer}.${product} is not in the tuning`);
      const t = await steadyTime(gpu.device, repeatDispatch(gpu.device, d), budget);
      const r: MatmulResult = { variant: p.best, shape: { M: p.M, K: p.K, N: p.N }, gflops: (2 * p.M * p.K * p.N) / t.seconds / 1e9,
        msPerDispatch: t.seconds * 1000, dispatchesPerRep: t.perRep, reps: budget.reps, product: `${layer}.${product}` };
      onResult(r);
      results.push(r);
    }
    const error = await gpu.device.popErrorScope();
    if (error) throw new Error(`bench products: ${error.message}`);
  } finally {
    scratch.destroy();
  }
  return results;
}

/** Every variant on every shape; results in (shape, variant) order. */
export async function benchMatmuls(gpu: Gpu, shapes: Shape[], budget: MatmulBudget, onResult: (r: MatmulResult) => void): Promise<MatmulResult[]> {
  const cache = new KernelCache(gpu);
  const results: MatmulResult[] = [];
  for (const [s, shape] of shapes.entries()) {
    const problem = new MatmulProblem(gpu.device, shape, 0x6d6d + s);
    try {
      for (const [v, variant] of availableVariants(gpu).entries()) {
        const r = await benchVariant(problem, cache, variant, budget, 0x6d6d + 16 * s + v);
        onResult(r);
        results.push(r);
      }
    } finally {
      problem.destroy();
    }
  }
  return results;
}
