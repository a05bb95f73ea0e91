// Per-adapter matmul selection: every variant is timed on the model's real products — forward X·Wᵀ, input gradient
// dY·W and weight gradient dYᵀ·X of each dense layer, each dispatch alone on scratch buffers — and the fastest is
// kept per product. Timings are stored per adapter, product shape and kernel source: in memory and in a TuningStore
// (localStorage in a browser, a file in the user's cache directory for the CLI), so the same command on the same
// machine picks the same kernels — and gives the same bits — every time, until the store is cleared or retuned.
import type { Gpu } from '../gpu/device.ts';
import { dispatch, storageBuffer, type KernelCache } from '../gpu/kernels.ts';
import type { TrainConfig } from '../model/config.ts';
import { buildPlan, type Plan } from '../model/plan.ts';
import { Recorder } from './bind.ts';
import { buildGraph, type Dispatch, type Graph } from './graph.ts';
import { availableVariants, DEFAULT_VARIANT, DENSE_SHADER_FILES, loadKernels, MATMUL_VARIANTS, type KernelSet, type MatmulChoices, type Product } from './kernels.ts';
import { STEP_BYTES, STEP_SLOT, writeStep } from './uniforms.ts';

/** The `--kernel` value that asks for tuning. */
export const AUTO_KERNEL = 'auto';

export const PRODUCTS: Product[] = ['forward', 'backwardInput', 'backwardWeight'];
const ENTRY: Record<Product, string> = { forward: 'denseForward', backwardInput: 'denseBackwardInput', backwardWeight: 'denseBackwardWeight' };

/** One product of one dense layer: Y (M×N) = A (M×K) · B (K×N) in matmul terms, and each variant's time. */
export interface ProductTiming { layer: string; product: Product; M: number; K: number; N: number; ms: Record<string, number>; best: string }
/** A whole step with the per-product choices against one variant throughout (ms per step), and which was kept. */
export interface StepCheck { tunedMs: number; uniform: string; uniformMs: number; chosen: 'tuned' | string }
export interface Tuning { choices: MatmulChoices; products: ProductTiming[]; cached: boolean; seconds: number; step: StepCheck | null }

const STORAGE_KEY = 'webgpu-autoencoder.matmul-tuning';
const memory = new Map<string, Record<string, number>>(); // cache key → ms per variant

/** Product shapes of a dense layer (in → out) at batch B. */
export function productShape(product: Product, B: number, fanIn: number, fanOut: number): { M: number; K: number; N: number } {
  if (product === 'forward') return { M: B, K: fanIn, N: fanOut };
  if (product === 'backwardInput') return { M: B, K: fanOut, N: fanIn };
  return { M: fanOut, K: B, N: fanIn };
}

function hashString(s: string): string {
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** Keyed by everything that changes the answer: adapter, the kernels' source and blocks, the product's shape. */
function cacheKey(gpu: Gpu, product: Product, s: { M: number; K: number; N: number }): string {
  const source = hashString([...DENSE_SHADER_FILES, 'common.wgsl'].map((f) => gpu.shaders[f] ?? '').join('\n') + JSON.stringify(MATMUL_VARIANTS));
  return `${gpu.adapter.name}|${gpu.adapter.featureLevel}|${source}|${product}|${s.M}x${s.K}x${s.N}`;
}

/** Where timings persist between runs: `where` names it in messages. */
export interface TuningStore { where: string; read(): string | null; write(text: string): void }

function localStore(): TuningStore | null {
  try {
    if (typeof localStorage === 'undefined') return null;
    return { where: `localStorage "${STORAGE_KEY}"`, read: () => localStorage.getItem(STORAGE_KEY), write: (t) => localStorage.setItem(STORAGE_KEY, t) };
  } catch {
    return null; // opaque origins throw on access
  }
}

let store: TuningStore | null = localStore();
/** Persist timings in `s` (null: memory only). */
export function useTuningStore(s: TuningStore | null): void { store = s; }
export const tuningStore = (): TuningStore | null => store;

function loadStored(): void {
  let raw: string | null = null;
  try { raw = store?.read() ?? null; } catch { return; } // unreadable: tune again and overwrite
  if (!raw) return;
  try {
    for (const [k, v] of Object.entries(JSON.parse(raw) as Record<string, Record<string, number>>)) if (!memory.has(k)) memory.set(k, v);
  } catch {
    // not JSON: it is overwritten after the next tuning
  }
}

function saveStored(): void {
  store?.write(JSON.stringify(Object.fromEntries(memory)));
}

/** Every buffer one step touches, made for timing only: a run's own buffers and state are never used. */
export class ScratchStep {
  readonly graph: Graph;
  private readonly buffers: GPUBuffer[];

  constructor(readonly device: GPUDevice, kernels: KernelSet, readonly plan: Plan, cfg: TrainConfig, readonly batch: number,
    jacobian: 'train' | 'measure' | 'none' = 'none') {
    const slab = (name: string, floats: number) => storageBuffer(device, `ScratchStep.${name}`, floats * 4);
    const slabs = { params: slab('params', plan.paramFloats), grads: slab('grads', plan.paramFloats), state: slab('state', plan.bufferFloats),
      m: slab('adamM', plan.paramFloats), v: slab('adamV', plan.paramFloats) };
    const stepBuffer = device.createBuffer({ label: 'ScratchStep.step', size: STEP_SLOT, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const step = new ArrayBuffer(STEP_SLOT);
    writeStep(step, 0, { rows: batch, step: 0, seed: cfg.seed, batchStart: 0, lr: 0, bc1: 1, bc2: 1, training: true, record: 0 });
    device.queue.writeBuffer(stepBuffer, 0, step, 0, STEP_BYTES);
    const side = Math.round(Math.sqrt(plan.inputDim)); // image shape matters only to block corruption, never timed here
    this.graph = buildGraph(device, kernels, plan, cfg, batch, slabs, stepBuffer, 1, { width: side, height: Math.ceil(plan.inputDim / side) }, jacobian);
    this.buffers = [...Object.values(slabs), stepBuffer];
  }

  /** A whole step's dispatches after the gather, and a gather of `images` in `order` (for profilers). */
  stepDispatches(images: GPUBuffer, order: GPUBuffer): Dispatch[] {
    return [this.graph.gather(images, order, this.batch), ...this.graph.step];
  }

  /** The dense products of the step, by layer and product. */
  denseDispatches(): { layer: string; product: Product; d: Dispatch }[] {
    const out = [];
    for (const d of [...this.graph.forward, ...this.graph.backward]) {
      const product = PRODUCTS.find((p) => d.label.endsWith(`.${ENTRY[p]}`));
      if (product) out.push({ layer: d.label.slice(0, -ENTRY[product].length - 1), product, d });
    }
    return out;
  }

  destroy(): void {
    this.graph.destroy();
    for (const b of this.buffers) b.destroy();
  }
}

/** Seconds from submit to completion of what `record` encodes (after the queue is idle). */
async function timeEncoded(device: GPUDevice, record: (encoder: GPUCommandEncoder) => void): Promise<number> {
  await device.queue.onSubmittedWorkDone();
  const t0 = performance.now();
  const encoder = device.createCommandEncoder({ label: 'autotune' });
  record(encoder);
  device.queue.submit([encoder.finish()]);
  await device.queue.onSubmittedWorkDone();
  return (performance.now() - t0) / 1000;
}

const timeSubmit = (device: GPUDevice, record: (pass: GPUComputePassEncoder) => void): Promise<number> => timeEncoded(device, (encoder) => {
  const pass = encoder.beginComputePass({ label: 'autotune' });
  record(pass);
  pass.end();
});

/** Variants whose single screening dispatch takes over this many times the fastest one's are not timed further. */
const SCREEN_FACTOR = 3;
/** Families whose lead's screening dispatch takes over this many times the fastest lead's are not tried further. */
const FAMILY_SCREEN_FACTOR = 2;

/** Seconds of one dispatch of `d` alone (queue fences included), after a one-workgroup dispatch that pays for the
 * pipeline's first use (CPU adapters compile at first dispatch), so compile time never decides a screening. */
async function timeOnce(device: GPUDevice, d: Dispatch): Promise<number> {
  await timeSubmit(device, (pass) => dispatch(pass, d.kernel, d.group, 1, 0));
  return timeSubmit(device, (pass) => dispatch(pass, d.kernel, d.group, d.workgroups, 0));
}

/**
 * Milliseconds of one dispatch per variant that is worth timing properly. Each family's lead (its fastest variant on
 * the previous product, at first its largest block, listed last) runs first; a family whose lead takes over
 * FAMILY_SCREEN_FACTOR × the fastest lead's time is dropped for this product untried (the wt tiles on CPU adapters),
 * the rest run once each.
 */
async function screen(device: GPUDevice, variants: string[], d: (j: number) => Dispatch, lead: Map<string, number>):
  Promise<Record<string, number>> {
  const family = (j: number) => MATMUL_VARIANTS[variants[j]].family;
  const lastOf = (f: string) => variants.reduce((last, _, j) => (family(j) === f ? j : last), -1);
  const leads = [...new Set(variants.map((_, j) => family(j)))].map((f) => lead.get(f) ?? lastOf(f));
  const ms: Record<string, number> = {};
  for (const j of leads) ms[variants[j]] = (await timeOnce(device, d(j))) * 1000;
  const cut = FAMILY_SCREEN_FACTOR * Math.min(...Object.values(ms));
  const kept = new Set(leads.filter((j) => ms[variants[j]] <= cut).map(family));
  for (const [j, v] of variants.entries()) if (kept.has(family(j)) && !(v in ms)) ms[v] = (await timeOnce(device, d(j))) * 1000;
  for (const f of kept) {
    const members = variants.map((_, j) => j).filter((j) => family(j) === f);
    lead.set(f, members.reduce((a, b) => (ms[variants[b]] < ms[variants[a]] ? b : a)));
  }
  return ms;
}

/**
 * Seconds per dispatch of `d` run alone: a first run (which pays for first use) sizes the repetitions, each of
 * `count` back-to-back copies in one pass lasting about minRepSeconds; the median over `reps` repetitions.
 */
export async function timeDispatch(device: GPUDevice, d: Dispatch, reps = 3, minRepSeconds = 0.01, maxCount = 64): Promise<number> {
  const once = (pass: GPUComputePassEncoder) => dispatch(pass, d.kernel, d.group, d.workgroups, 0);
  const first = await timeSubmit(device, once);
  const count = Math.max(1, Math.min(maxCount, Math.round(minRepSeconds / Math.max(first, 1e-5))));
  const times: number[] = [];
  for (let r = 0; r < reps; r++) times.push((await timeSubmit(device, (pass) => { for (let i = 0; i < count; i++) once(pass); })) / count);
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

/** Time every variant on every dense product of `cfg`'s model at its batch size (or take the cached answers; `retune`
 * times them again); `onProgress` hears after each product that was timed (none when every answer is cached). */
export async function tuneMatmuls(gpu: Gpu, cache: KernelCache, cfg: TrainConfig, variants = availableVariants(gpu), retune = false,
  onProgress?: (done: number, total: number) => void): Promise<Tuning> {
  const t0 = performance.now();
  const plan = buildPlan(cfg.model);
  const B = cfg.batch;
  loadStored();
  const dense = plan.ops.flatMap((op, i) => (op.kind === 'dense' ? PRODUCTS.filter((p) => p !== 'backwardInput' || i > 0)
    .map((product) => ({ layer: op.name, product, shape: productShape(product, B, op.in, op.out) })) : []));
  const keyOf = (x: (typeof dense)[number]) => `${cacheKey(gpu, x.product, x.shape)}|${variants.join(',')}`;
  const cached = !retune && dense.every((x) => memory.has(keyOf(x)));
  if (!cached) {
    const measured = new Map<string, Record<string, number>>();
    // Product by product, every variant in turn, so drift in a busy machine's speed hits all variants alike.
    const scratch = await Promise.all(variants.map(async (v) => new ScratchStep(gpu.device, await loadKernels(cache, v), plan, cfg, B)));
    try {
      const lists = scratch.map((s) => s.denseDispatches());
      gpu.device.pushErrorScope('validation');
      const lead = new Map<string, number>(); // family → index of its fastest variant on the previous product
      for (const [i, { layer, product }] of lists[0].entries()) {
        const ms = await screen(gpu.device, variants, (j) => lists[j][i].d, lead);
        const cut = SCREEN_FACTOR * Math.min(...Object.values(ms));
        for (const [j, v] of variants.entries()) if (ms[v] <= cut) ms[v] = (await timeDispatch(gpu.device, lists[j][i].d)) * 1000;
        measured.set(`${layer}.${product}`, ms);
        onProgress?.(i + 1, lists[0].length);
      }
      const error = await gpu.device.popErrorScope();
      if (error) throw new Error(`matmul tuning: ${error.message}`);
    } finally {
      for (const s of scratch) s.destroy();
    }
    for (const x of dense) memory.set(keyOf(x), measured.get(`${x.layer}.${x.product}`)!);
    saveStored();
  }
  const choices: MatmulChoices = {};
  const products = dense.map((x) => {
    const ms = memory.get(keyOf(x))!;
    const best = Object.keys(ms).reduce((a, b) => (ms[b] < ms[a] ? b : a));
    (choices[x.layer] ??= {})[x.product] = best;
    return { layer: x.layer, product: x.product, ...x.shape, ms, best };
  });
  const stepKey = `step|${cfg.loss}|${cfg.sparsity.kind}|${cfg.corruption.kind}|${cfg.contractive > 0 ? `cae${cfg.contractiveSamples}` : ''}|${dense.map(keyOf).join('|')}`;
  const step = await checkWholeStep(gpu, cache, plan, cfg, products, stepKey, retune);
  const chosen = step?.chosen === 'tuned' || !step ? choices : uniformChoices(products, step.chosen);
  return { choices: chosen, products, cached, seconds: (performance.now() - t0) / 1000, step };
}

/** Every product at one variant. */
function uniformChoices(products: ProductTiming[], variant: string): MatmulChoices {
  const out: MatmulChoices = {};
  for (const p of products) (out[p.layer] ??= {})[p.product] = variant;
  return out;
}

/**
 * Products timed alone can mislead about a whole step (in a step each kernel finds its inputs just written, and one
 * family throughout may keep caches warmer): when the per-product choices mix variants, a whole step is timed with
 * them and with the single variant whose products sum fastest, alternating, and the faster is kept (stored like the
 * product timings, so the same command picks the same kernels next time). Null when there is nothing to compare.
 */
async function checkWholeStep(gpu: Gpu, cache: KernelCache, plan: Plan, cfg: TrainConfig, products: ProductTiming[], key: string,
  retune: boolean): Promise<StepCheck | null> {
  const total = (v: string) => products.reduce((a, p) => a + (p.ms[v] ?? Infinity), 0);
  const uniform = Object.keys(products[0]?.ms ?? {}).reduce((a, b) => (total(b) < total(a) ? b : a), DEFAULT_VARIANT);
  if (!Number.isFinite(total(uniform)) || products.every((p) => p.best === uniform)) return null;
  let ms = retune ? undefined : memory.get(key);
  if (!ms) {
    const tuned = products.reduce<MatmulChoices>((c, p) => { (c[p.layer] ??= {})[p.product] = p.best; return c; }, {});
    const jacobian = cfg.contractive > 0 ? 'train' : 'none'; // the contractive penalty's products use the same kernels
    const steps = [new ScratchStep(gpu.device, await loadKernels(cache, DEFAULT_VARIANT, tuned), plan, cfg, cfg.batch, jacobian),
      new ScratchStep(gpu.device, await loadKernels(cache, uniform), plan, cfg, cfg.batch, jacobian)];
    try {
      const times: number[][] = [[], []];
      const record = (s: ScratchStep, n: number) => (encoder: GPUCommandEncoder) => {
        const recorder = new Recorder(encoder, 'autotune');
        for (let i = 0; i < n; i++) recorder.record(s.graph.step);
        recorder.end();
      };
      for (const s of steps) await timeEncoded(gpu.device, record(s, 1)); // first use
      const n = Math.max(1, Math.min(8, Math.round(0.05 / Math.max(await timeEncoded(gpu.device, record(steps[0], 1)), 1e-5))));
      for (let r = 0; r < STEP_REPS; r++) for (const [i, s] of steps.entries()) times[i].push((await timeEncoded(gpu.device, record(s, n))) * 1000 / n);
      const median = (t: number[]) => [...t].sort((a, b) => a - b)[t.length >> 1];
      ms = { tuned: median(times[0]), [uniform]: median(times[1]) };
    } finally {
      for (const s of steps) s.destroy();
    }
    memory.set(key, ms);
    saveStored();
  }
  return { tunedMs: ms.tuned, uniform, uniformMs: ms[uniform], chosen: wholeStepChoice(ms.tuned, ms[uniform], uniform) };
}
const STEP_REPS = 5;

/**
 * The mixed per-product choices are kept only when their step is more than UNIFORM_MARGIN faster than one variant
 * throughout; within that, the check cannot tell them apart and one variant (fewer pipelines) is kept. On llvmpipe the
 * check measured the mix 0.3–3% faster than mt16x16 throughout in two bench runs whose training then ran 10–12% slower
 * with the mix (bench/results.json of 2026-12-01 02:09: 7,581 against 8,526 samples/s in Node); single `npm run
 * train` runs here vary by ±15%, so that gap is not established beyond those two runs.
 */
export const UNIFORM_MARGIN = 0.05;
export function wholeStepChoice(tunedMs: number, uniformMs: number, uniform: string): string {
  return uniformMs <= tunedMs * (1 + UNIFORM_MARGIN) ? uniform : 'tuned';
}

/** The whole-step check in words, for logs. */
export function stepCheckLine(c: StepCheck | null): string {
  if (!c) return 'whole step: nothing to compare (one variant throughout)';
  return `whole step: per-product choices ${c.tunedMs.toFixed(2)} ms, ${c.uniform} throughout ${c.uniformMs.toFixed(2)} ms → ${c.chosen === 'tuned' ? 'per-product choices' : `${c.uniform} throughout`}`;
}

/** The `--kernel` value that re-times every product even when stored timings exist (and stores the new ones). */
export const RETUNE_KERNEL = 'retune';

/** The kernel set for `kernel`: one variant for every product, or the tuned choice per product. */
export async function kernelsFor(gpu: Gpu, cache: KernelCache, cfg: TrainConfig, kernel: string,
  onProgress?: (done: number, total: number) => void): Promise<KernelSet> {
  if (kernel !== AUTO_KERNEL && kernel !== RETUNE_KERNEL) return loadKernels(cache, kernel);
  return loadKernels(cache, DEFAULT_VARIANT, (await tuneMatmuls(gpu, cache, cfg, undefined, kernel === RETUNE_KERNEL, onProgress)).choices);
}

/** One line: each dense layer's variants for forward / input gradient / weight gradient ('-': product not run). */
export function kernelSummary(choices: MatmulChoices): string {
  return Object.entries(choices).map(([layer, c]) => `${layer} ${PRODUCTS.map((p) => c[p] ?? '-').join('/')}`).join(', ');
}
