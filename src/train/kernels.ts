// The set of compiled kernels a trainer uses, and the selectable matmul variants (register-block shapes).
import type { Gpu } from '../gpu/device.ts';
import { KernelCache, type Kernel, type KernelSpec } from '../gpu/kernels.ts';
import { mirrorCapacity } from '../gpu/mirror.ts';

/** Register block of one matmul kernel: RM rows × 4·CN columns per invocation (dense_grad: 4·RM × 4·CN). */
export interface Block { RM: number; CN: number }
/**
 * A block shape per product and the kernel family: 'rb' register blocks indexed by loop counters (dense.wgsl,
 * dense_grad.wgsl; fastest on llvmpipe), 'mt' 4×4 matrix tiles with static indexing only (dense_tile.wgsl,
 * dense_grad_tile.wgsl; 2–4× faster on SwiftShader, which keeps loop-indexed local arrays in memory), 'tx' the mt
 * kernels reading both operands from texture mirrors of their buffers (dense_io_tex.wgsl; llvmpipe's texel fetches
 * are vector loads where its storage loads are per-lane loops), 'wt'
 * workgroup-memory tiles of 8 × 8 such blocks with barriers (dense_wg.wgsl, dense_grad_wg.wgsl; for discrete GPUs),
 * 'sg' the same tiles sharing the row operand by subgroupShuffle instead (dense_sg.wgsl, dense_grad_sg.wgsl; only
 * on devices with the `subgroups` feature and one subgroup size, Gpu.subgroupSize).
 */
export type MatmulFamily = 'rb' | 'mt' | 'tx' | 'wt' | 'sg';
export interface MatmulVariant { family: MatmulFamily; forward: Block; backwardInput: Block; backwardWeight: Block }

const tiled = (family: MatmulFamily, RM: number, CN: number): MatmulVariant =>
  ({ family, forward: { RM, CN }, backwardInput: { RM, CN }, backwardWeight: { RM: RM / 4, CN } });
const mt = (RM: number, CN: number) => tiled('mt', RM, CN);
/** The mt tiles reading their operands from texture mirrors. */
const tx = (RM: number, CN: number) => tiled('tx', RM, CN);
/** Workgroup tiles: 8·RM rows × 32·CN columns (weight gradient 8·RM × 32·CN of dW, too). */
const wt = (RM: number, CN: number) => tiled('wt', RM, CN);
/** Subgroup tiles: the same 8·RM × 32·CN tiles as wt. */
const sg = (RM: number, CN: number) => tiled('sg', RM, CN);

export const MATMUL_VARIANTS: Record<string, MatmulVariant> = {
  rb4x4: { family: 'rb', forward: { RM: 4, CN: 1 }, backwardInput: { RM: 4, CN: 1 }, backwardWeight: { RM: 1, CN: 1 } },
  rb8x8: { family: 'rb', forward: { RM: 8, CN: 2 }, backwardInput: { RM: 8, CN: 2 }, backwardWeight: { RM: 2, CN: 2 } },
  rb8x16: { family: 'rb', forward: { RM: 8, CN: 4 }, backwardInput: { RM: 8, CN: 4 }, backwardWeight: { RM: 2, CN: 4 } },
  rb16x8: { family: 'rb', forward: { RM: 16, CN: 2 }, backwardInput: { RM: 16, CN: 2 }, backwardWeight: { RM: 4, CN: 2 } },
  mt8x8: mt(8, 2),
  mt8x16: mt(8, 4),
  mt16x8: mt(16, 2),
  mt16x16: mt(16, 4),
  tx8x16: tx(8, 4),
  tx16x8: tx(16, 2),
  tx16x16: tx(16, 4),
  wt32x32: wt(4, 1),
  wt64x64: wt(8, 2),
  wt128x64: wt(16, 2),
  sg32x32: sg(4, 1),
  sg64x64: sg(8, 2),
};
export const DEFAULT_VARIANT = 'rb8x8';

const STEP_U = ['step', 'uniform'] as const;

export const KERNEL_SPECS = {
  gather: { file: 'data.wgsl', entry: 'gatherBatch', bindings: [...STEP_U, 'read', 'read', 'rw'] },
  normForward: { file: 'norm.wgsl', entry: 'batchNormForward', bindings: [...STEP_U, 'read', 'read', 'rw', 'rw', 'rw', 'rw'] },
  normBackward: { file: 'norm_grad.wgsl', entry: 'batchNormBackward', bindings: [...STEP_U, 'read', 'read', 'read', 'read', 'rw', 'rw'] },
  dropoutForward: { file: 'dropout.wgsl', entry: 'dropoutForward', bindings: [...STEP_U, 'read', 'rw'] },
  dropoutBackward: { file: 'dropout.wgsl', entry: 'dropoutBackward', bindings: [...STEP_U, 'read', 'rw', 'read'] },
  activationForward: { file: 'activation.wgsl', entry: 'activationForward', bindings: [...STEP_U, 'read', 'rw'] },
  activationBackward: { file: 'activation.wgsl', entry: 'activationBackward', bindings: [...STEP_U, 'read', 'rw', 'read', 'read'] },
  reconLoss: { file: 'loss.wgsl', entry: 'reconLoss', bindings: [...STEP_U, 'read', 'read', 'rw', 'rw', 'read'] },
  sparsityForward: { file: 'sparsity.wgsl', entry: 'sparsityForward', bindings: [...STEP_U, 'read', 'rw'] },
  sparsityBackward: { file: 'sparsity.wgsl', entry: 'sparsityBackward', bindings: [...STEP_U, 'read', 'rw', 'read', 'rw'] },
  metrics: { file: 'reduce.wgsl', entry: 'metricsAccumulate', bindings: [...STEP_U, 'read', 'read', 'rw', 'rw', 'read'] },
  corrupt: { file: 'corrupt.wgsl', entry: 'corruptBatch', bindings: [...STEP_U, 'read', 'rw'] },
  jacobianSeed: { file: 'jacobian.wgsl', entry: 'jacobianSeed', bindings: [...STEP_U, 'read', 'rw'] },
  jacobianScale: { file: 'jacobian.wgsl', entry: 'jacobianScale', bindings: [...STEP_U, 'read', 'rw', 'read', 'read', 'read', 'read', 'read'] },
  jacobianNorm: { file: 'jacobian.wgsl', entry: 'jacobianNorm', bindings: [...STEP_U, 'read', 'rw', 'rw'] },
  jacobianSecondOrder: { file: 'jacobian.wgsl', entry: 'jacobianSecondOrder', bindings: [...STEP_U, 'rw', 'read', 'read', 'rw'] },
  jacobianGammaGrad: { file: 'jacobian.wgsl', entry: 'jacobianGammaGrad', bindings: [...STEP_U, 'read', 'read', 'read', 'rw'] },
  accumulate: { file: 'jacobian.wgsl', entry: 'accumulate', bindings: [...STEP_U, 'read', 'rw'] },
  adam: { file: 'optimizer.wgsl', entry: 'adamUpdate', bindings: [...STEP_U, 'rw', 'read', 'rw', 'rw'] },
  sgd: { file: 'optimizer.wgsl', entry: 'sgdUpdate', bindings: [...STEP_U, 'rw', 'read', 'rw', 'rw'] },
} satisfies Record<string, KernelSpec>;

// Operand bindings of the dense kernels: storage buffers, or (tx) their texture mirrors (src/gpu/mirror.ts).
const IO = ['dense_io.wgsl', 'dense.wgsl'];
const GRAD_IO = ['dense_grad_io.wgsl', 'dense_grad.wgsl'];
const TEX_IO = ['dense_io_tex.wgsl', 'dense.wgsl'];
const TEX_GRAD_IO = ['dense_grad_io_tex.wgsl', 'dense_grad.wgsl'];
const FAMILY_FILES = {
  rb: { fwd: { file: 'dense.wgsl', include: ['dense_io.wgsl'] }, grad: { file: 'dense_grad.wgsl', include: ['dense_grad_io.wgsl'] }, suffix: '' },
  mt: { fwd: { file: 'dense_tile.wgsl', include: [...IO, 'tile.wgsl'] }, grad: { file: 'dense_grad_tile.wgsl', include: [...GRAD_IO, 'tile.wgsl'] }, suffix: 'Tiled' },
  tx: { fwd: { file: 'dense_tile.wgsl', include: [...TEX_IO, 'tile.wgsl'] }, grad: { file: 'dense_grad_tile.wgsl', include: [...TEX_GRAD_IO, 'tile.wgsl'] }, suffix: 'Tiled' },
  wt: { fwd: { file: 'dense_wg.wgsl', include: IO }, grad: { file: 'dense_grad_wg.wgsl', include: GRAD_IO }, suffix: 'Shared' },
  sg: { fwd: { file: 'dense_sg.wgsl', include: [...IO, 'subgroup.wgsl'], enable: ['subgroups'] },
    grad: { file: 'dense_grad_sg.wgsl', include: [...GRAD_IO, 'subgroup.wgsl'], enable: ['subgroups'] }, suffix: 'Subgroup' },
};
/** Whether a family reads its operands (bindings 2 and 3) from texture mirrors. */
export const readsTextures = (family: MatmulFamily): boolean => family === 'tx';
/** Every shader file of the dense kernels (what a tuning's cache key hashes). */
export const DENSE_SHADER_FILES = [...new Set(Object.values(FAMILY_FILES).flatMap((f) => [f.fwd.file, ...f.fwd.include, f.grad.file, ...f.grad.include]))];

/** Whether a device can run a family: sg needs Gpu.subgroupSize; tx needs texture mirrors that can hold any buffer
 * the device can bind (mirror.ts), so that no model the other families train is refused to it. */
export function familyAvailable(family: MatmulFamily, gpu: Gpu): boolean {
  if (family === 'sg') return gpu.subgroupSize !== null;
  if (family === 'tx') return mirrorCapacity(gpu.device.limits) >= gpu.device.limits.maxStorageBufferBindingSize;
  return true;
}

/** Why a family is not offered on this device (familyAvailable is false). */
function unavailableWhy(family: MatmulFamily, gpu: Gpu): string {
  if (family === 'tx') {
    return `reads its operands from texture mirrors, and this device's largest texture (maxTextureDimension2D ${gpu.device.limits.maxTextureDimension2D}) ` +
      `holds less than its largest storage binding (${gpu.device.limits.maxStorageBufferBindingSize} bytes)`;
  }
  return `needs the WebGPU "subgroups" feature with one subgroup size, which ${gpu.adapter.name} does not offer`;
}

/** The variants this device can run, in MATMUL_VARIANTS order (what the tuner times). */
export function availableVariants(gpu: Gpu): string[] {
  return Object.keys(MATMUL_VARIANTS).filter((v) => familyAvailable(MATMUL_VARIANTS[v].family, gpu));
}

/** The three dense kernels of a variant. Every family has the same uniforms, bindings and block semantics. */
export function denseSpecs(v: MatmulVariant) {
  const { fwd, grad, suffix } = FAMILY_FILES[v.family];
  const entry = (name: string) => `${name}${suffix}`;
  const operand = readsTextures(v.family) ? 'texture' : 'read';
  return {
    denseForward: { ...fwd, entry: entry('denseForward'), bindings: [...STEP_U, operand, operand, 'rw', 'rw'], consts: { ...v.forward } },
    denseBackwardInput: { ...fwd, entry: entry('denseBackwardInput'), bindings: [...STEP_U, operand, operand, 'rw', 'rw'], consts: { ...v.backwardInput } },
    denseBackwardWeight: { ...grad, entry: entry('denseBackwardWeight'), bindings: [...STEP_U, operand, operand, 'rw'], consts: { ...v.backwardWeight } },
  } satisfies Record<string, KernelSpec>;
}

export type KernelName = keyof typeof KERNEL_SPECS | keyof ReturnType<typeof denseSpecs>;
/** The three products of a dense layer: forward X·Wᵀ, input gradient dY·W, weight gradient dYᵀ·X. */
export type Product = 'forward' | 'backwardInput' | 'backwardWeight';
/** Variant per dense layer (by op name) and product; products not listed use the set's variant. */
export type MatmulChoices = Record<string, Partial<Record<Product, string>>>;
/** `workgroups(rows, quads)`: the dispatch size for an output of `rows` rows (dW: row quads) × `quads` column quads. */
export interface DenseKernel { kernel: Kernel; block: Block; variant: string; workgroups(rows: number, quads: number): number }

/**
 * Workgroups of one dense product: rb and mt run one invocation per block, 64 to a workgroup; wt and sg run one
 * workgroup per tile of 8 × 8 blocks.
 */
export function denseWorkgroups(family: MatmulFamily, block: Block, rows: number, quads: number): number {
  if (family === 'wt' || family === 'sg') return Math.ceil(rows / (8 * block.RM)) * Math.ceil(quads / (8 * block.CN));
  return Math.max(1, Math.ceil((Math.ceil(rows / block.RM) * Math.ceil(quads / block.CN)) / 64));
}
export type KernelSet = Record<KernelName, Kernel> & {
  variant: MatmulVariant;
  variantName: string;
  choices: MatmulChoices;
  dense(layer: string, product: Product): DenseKernel;
};

export function variantByName(name: string): MatmulVariant {
  const v = MATMUL_VARIANTS[name];
  if (!v) throw new Error(`unknown matmul kernel "${name}": choose one of ${Object.keys(MATMUL_VARIANTS).join(', ')}`);
  return v;
}

const PRODUCT_ENTRY = { forward: 'denseForward', backwardInput: 'denseBackwardInput', backwardWeight: 'denseBackwardWeight' } as const;

/** Compile every kernel (in parallel; cached per device) for the given matmul variant and per-product choices. */
export async function loadKernels(cache: KernelCache, variantName: string, choices: MatmulChoices = {}): Promise<KernelSet> {
  const variant = variantByName(variantName);
  const chosen = [...new Set([variantName, ...Object.values(choices).flatMap((c) => Object.values(c))])];
  const missing = chosen.filter((v) => !familyAvailable(variantByName(v).family, cache.gpu));
  if (missing.length > 0) {
    throw new Error(`matmul kernel ${missing.join(', ')} ${unavailableWhy(variantByName(missing[0]).family, cache.gpu)}: ` +
      `choose one of ${availableVariants(cache.gpu).join(', ')} (or --kernel auto)`);
  }
  const specs: Record<string, KernelSpec> = { ...KERNEL_SPECS, ...denseSpecs(variant) };
  const entries = await Promise.all(Object.entries(specs).map(async ([k, spec]) => [k, await cache.get(spec)] as const));
  const dense = new Map(await Promise.all(chosen.flatMap((v) => (Object.keys(PRODUCT_ENTRY) as Product[])
    .map(async (p) => [`${v}.${p}`, await cache.get(denseSpecs(variantByName(v))[PRODUCT_ENTRY[p]])] as const))));
  return {
    ...(Object.fromEntries(entries) as Record<KernelName, Kernel>), variant, variantName, choices,
    dense(layer, product) {
      const v = choices[layer]?.[product] ?? variantName;
      const block = MATMUL_VARIANTS[v][product];
      const workgroups = (rows: number, quads: number) => denseWorkgroups(MATMUL_VARIANTS[v].family, block, rows, quads);
      return { kernel: dense.get(`${v}.${product}`)!, block, variant: v, workgroups };
    },
  };
}
