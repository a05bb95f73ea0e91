// The set of compiled kernels a trainer uses, and the selectable matmul variants (register-block shapes).
import { KernelCache, type Kernel, type KernelSpec } from '../gpu/kernels.ts';

/** Register block of one matmul kernel: RM rows × 4·CN columns per invocation (dense_grad: 4·RM × 4·CN). */
export interface Block { RM: number; CN: number }
export interface MatmulVariant { forward: Block; backwardInput: Block; backwardWeight: Block }

export const MATMUL_VARIANTS: Record<string, MatmulVariant> = {
  rb4x4: { forward: { RM: 4, CN: 1 }, backwardInput: { RM: 4, CN: 1 }, backwardWeight: { RM: 1, CN: 1 } },
  rb8x8: { forward: { RM: 8, CN: 2 }, backwardInput: { RM: 8, CN: 2 }, backwardWeight: { RM: 2, CN: 2 } },
  rb8x16: { forward: { RM: 8, CN: 4 }, backwardInput: { RM: 8, CN: 4 }, backwardWeight: { RM: 2, CN: 4 } },
};
export const DEFAULT_VARIANT = 'rb8x8';

const STEP_U = ['step', 'uniform'] as const;

export const KERNEL_SPECS = {
  gather: { file: 'data.wgsl', entry: 'gatherBatch', bindings: [...STEP_U, 'read', 'read', 'rw'] },
  normForward: { file: 'norm.wgsl', entry: 'batchNormForward', bindings: [...STEP_U, 'read', 'read', 'rw', 'rw', 'rw'] },
  normBackward: { file: 'norm_grad.wgsl', entry: 'batchNormBackward', bindings: [...STEP_U, 'read', 'read', 'read', 'read', 'rw', 'rw'] },
  dropoutForward: { file: 'dropout.wgsl', entry: 'dropoutForward', bindings: [...STEP_U, 'read', 'rw'] },
  dropoutBackward: { file: 'dropout.wgsl', entry: 'dropoutBackward', bindings: [...STEP_U, 'read', 'rw', 'read'] },
  activationForward: { file: 'activation.wgsl', entry: 'activationForward', bindings: [...STEP_U, 'read', 'rw'] },
  activationBackward: { file: 'activation.wgsl', entry: 'activationBackward', bindings: [...STEP_U, 'read', 'rw', 'read', 'read'] },
  mseLoss: { file: 'loss.wgsl', entry: 'mseLoss', bindings: [...STEP_U, 'read', 'read', 'rw', 'rw'] },
  klForward: { file: 'sparsity.wgsl', entry: 'klSparsityForward', bindings: [...STEP_U, 'read', 'rw'] },
  klBackward: { file: 'sparsity.wgsl', entry: 'klSparsityBackward', bindings: [...STEP_U, 'read', 'rw', 'read', 'rw'] },
  metrics: { file: 'reduce.wgsl', entry: 'metricsAccumulate', bindings: [...STEP_U, 'read', 'read', 'rw'] },
  adam: { file: 'optimizer.wgsl', entry: 'adamUpdate', bindings: [...STEP_U, 'rw', 'read', 'rw', 'rw'] },
  sgd: { file: 'optimizer.wgsl', entry: 'sgdUpdate', bindings: [...STEP_U, 'rw', 'read', 'rw', 'rw'] },
} satisfies Record<string, KernelSpec>;

export function denseSpecs(v: MatmulVariant) {
  return {
    denseForward: { file: 'dense.wgsl', entry: 'denseForward', bindings: [...STEP_U, 'read', 'read', 'rw'], consts: { ...v.forward } },
    denseBackwardInput: { file: 'dense.wgsl', entry: 'denseBackwardInput', bindings: [...STEP_U, 'read', 'read', 'rw', 'read'], consts: { ...v.backwardInput } },
    denseBackwardWeight: { file: 'dense_grad.wgsl', entry: 'denseBackwardWeight', bindings: [...STEP_U, 'read', 'read', 'rw'], consts: { ...v.backwardWeight } },
  } satisfies Record<string, KernelSpec>;
}

export type KernelName = keyof typeof KERNEL_SPECS | keyof ReturnType<typeof denseSpecs>;
export type KernelSet = Record<KernelName, Kernel> & { variant: MatmulVariant; variantName: string };

export function variantByName(name: string): MatmulVariant {
  const v = MATMUL_VARIANTS[name];
  if (!v) throw new Error(`unknown matmul kernel "${name}": choose one of ${Object.keys(MATMUL_VARIANTS).join(', ')}`);
  return v;
}

/** Compile every kernel (in parallel; cached per device) for the given matmul variant. */
export async function loadKernels(cache: KernelCache, variantName: string): Promise<KernelSet> {
  const variant = variantByName(variantName);
  const specs: Record<string, KernelSpec> = { ...KERNEL_SPECS, ...denseSpecs(variant) };
  const entries = await Promise.all(Object.entries(specs).map(async ([k, spec]) => [k, await cache.get(spec)] as const));
  return { ...(Object.fromEntries(entries) as Record<KernelName, Kernel>), variant, variantName };
}
