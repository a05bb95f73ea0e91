// Every kernel against the float64 reference on fresh random inputs and odd sizes (not multiples of 4, so the
// padding paths run). Platform-neutral: Node runs these through Dawn, the browser suite through Playwright.
import type { Gpu } from '../../src/gpu/device.ts';
import { KernelCache } from '../../src/gpu/kernels.ts';
import type { ActivationKind } from '../../src/model/config.ts';
import { ACT_CODES, pad4, type Activation } from '../../src/model/plan.ts';
import { activationForward, activationGradFromOutput } from '../../src/ref/activation.ts';
import { TestRandom } from '../../src/ref/check.ts';
import { denseBackward, denseForward } from '../../src/ref/dense.ts';
import { dropoutMask } from '../../src/ref/dropout.ts';
import { batchNormBackward, batchNormForward } from '../../src/ref/norm.ts';
import { adamUpdate } from '../../src/ref/optimizer.ts';
import { klSparsityBackward, klSparsityForward, l1SparsityBackward, l1SparsityForward } from '../../src/ref/sparsity.ts';
import { lossBackward } from '../../src/ref/loss.ts';
import { corruptBatch } from '../../src/ref/corrupt.ts';
import { availableVariants, denseSpecs, denseWorkgroups, familyAvailable, KERNEL_SPECS, loadKernels, MATMUL_VARIANTS } from '../../src/train/kernels.ts';
import * as U from '../../src/train/uniforms.ts';
import { asSecondModel, expectClose, padRows, runKernel, step, unpadRows } from './harness.ts';
import { saeKernelCases } from './sae-cases.ts';

export type KernelCase = (gpu: Gpu, seed: number) => Promise<void>;
const ACTS = Object.keys(ACT_CODES) as ActivationKind[];
const IDENT: Activation = { kind: 'identity', alpha: 0 };
const int = (r: TestRandom, lo: number, hi: number) => lo + Math.floor(r.uniform(1)[0] * (hi - lo + 1));
const g = (n: number) => Math.max(1, Math.ceil(n / 64));

/** Dense forward, backward-input and backward-weight for one matmul variant, every activation. */
function denseCase(variant: string): KernelCase {
  return async (gpu, seed) => {
    const r = new TestRandom(seed);
    const specs = denseSpecs(MATMUL_VARIANTS[variant]);
    const v = MATMUL_VARIANTS[variant];
    if (!familyAvailable(v.family, gpu)) {
      // An adapter without subgroups (llvmpipe's OpenGL ES backend) cannot compile the family: it must be refused by
      // name, never offered to the tuner. Its numerics are checked where it runs (SwiftShader, GPUs).
      if (availableVariants(gpu).includes(variant)) throw new Error(`${variant} offered on ${gpu.adapter.name} without subgroups`);
      const refused = await loadKernels(new KernelCache(gpu), variant).then(() => null, (e: Error) => e.message);
      const why = v.family === 'tx' ? 'texture mirrors' : 'needs the WebGPU "subgroups" feature';
      if (!refused?.includes(why)) throw new Error(`${variant} on ${gpu.adapter.name}: expected a refusal naming "${why}", got ${refused}`);
      return;
    }
    const wg = (product: 'forward' | 'backwardInput' | 'backwardWeight', rows: number, quads: number) => denseWorkgroups(v.family, v[product], rows, quads);
    // Workgroup tiles span up to 128 rows × 64 columns and read the reduction 16 at a time: sizes past those take
    // several tiles and a partial last chunk.
    const big = v.family === 'wt' || v.family === 'sg';
    for (const actKind of ACTS) {
      const B = int(r, 1, big ? 150 : 37), K = int(r, 1, big ? 90 : 45), N = int(r, 1, big ? 140 : 41);
      const act: Activation = { kind: actKind, alpha: 0.1 };
      const x = r.normal(B * K), W = r.normal(N * K, 0, 0.3), b = r.normal(N, 0, 0.1);
      const wRows = pad4(N), k4 = pad4(K) / 4, n4 = pad4(N) / 4;
      const slab = new Float32Array(wRows * pad4(K) + pad4(N));
      slab.set(padRows(W, N, K, wRows));
      slab.set(padRows(b, 1, N), wRows * pad4(K));
      const u = U.denseUniform(N, K, 0, wRows * pad4(K), act, act);
      const fwd = await runKernel(gpu, specs.denseForward, step(B), U.denseUniform(N, K, 0, wRows * pad4(K), act, act, { writePre: true }),
        [padRows(x, B, K), slab, { zeros: B * n4 * 16 }, { zeros: B * n4 * 16 }],
        wg('forward', B, n4));
      const y = denseForward(x, W, b, B, K, N, act.kind, act.alpha);
      expectClose(`${variant} denseForward ${actKind} B=${B} K=${K} N=${N}`, unpadRows(fwd[2], B, N, 'Y'), y, seed);
      const pre = denseForward(x, W, b, B, K, N, 'identity', 0);
      expectClose(`${variant} denseForward pre-activation`, unpadRows(fwd[3], B, N, 'pre'), pre, seed);
      // Backward-input multiplies by the producer's activation derivative, evaluated on X (here: act of X).
      const xin = activationForward(x, act.kind, act.alpha);
      const dz = r.normal(B * N);
      const ref = denseBackward(dz, xin, W, B, K, N);
      const bi = await runKernel(gpu, specs.denseBackwardInput, step(B), u, [padRows(dz, B, N), slab, { zeros: B * k4 * 16 }, padRows(xin, B, K)],
        wg('backwardInput', B, k4));
      const dxRef = ref.dx.map((d, i) => d * activationGradFromOutput(xin[i], act.kind, act.alpha));
      expectClose(`${variant} denseBackwardInput ${actKind} B=${B} K=${K} N=${N}`, unpadRows(bi[2], B, K, 'dX', false), dxRef, seed);
      const grads = await runKernel(gpu, specs.denseBackwardWeight, step(B), U.denseGradUniform(N, K, 0, wRows * pad4(K)),
        [padRows(dz, B, N), padRows(xin, B, K), { zeros: slab.byteLength }], wg('backwardWeight', n4, k4));
      expectClose(`${variant} denseBackwardWeight dW B=${B} K=${K} N=${N}`, unpadRows(grads[2].subarray(0, wRows * pad4(K)), N, K, 'dW'), ref.dW, seed);
      expectClose(`${variant} denseBackwardWeight db`, unpadRows(grads[2].subarray(wRows * pad4(K)), 1, N, 'db'), ref.db, seed);
    }
  };
}

const batchNorm: KernelCase = async (gpu, seed) => {
  const r = new TestRandom(seed, 1);
  const B = int(r, 2, 40), F = int(r, 1, 30), f4 = pad4(F) / 4, eps = 1e-3, mom = 0.01;
  const x = r.normal(B * F, 0.5, 2), gamma = r.uniform(F, 0.5, 1.5), beta = r.normal(F);
  const rm = r.normal(F), rv = r.uniform(F, 0.5, 2);
  const params = new Float32Array(pad4(F) * 2);
  params.set(padRows(gamma, 1, F)); params.set(padRows(beta, 1, F), pad4(F));
  const state = new Float32Array(pad4(F) * 2);
  state.set(padRows(rm, 1, F)); state.set(padRows(rv, 1, F), pad4(F));
  const inAct: Activation = { kind: 'leaky_relu', alpha: 0.1 };
  const u = U.normUniform(F, 0, pad4(F), 0, pad4(F), eps, mom, inAct);
  for (const training of [true, false]) {
    const out = await runKernel(gpu, KERNEL_SPECS.normForward, step(B, { training }), u,
      [padRows(x, B, F), params, { zeros: f4 * 32 }, { zeros: B * f4 * 16 }, state, { zeros: 16 }], Math.ceil(f4 / 16));
    const cache = batchNormForward(x, gamma, beta, B, F, eps);
    if (training) {
      expectClose(`batchNormForward training B=${B} F=${F}`, unpadRows(out[3], B, F, 'y'), cache.y, seed);
      const rmRef = rm.map((v, j) => (1 - mom) * v + mom * cache.mean[j]);
      const rvRef = rv.map((v, j) => (1 - mom) * v + mom * cache.variance[j] * B / (B - 1));
      expectClose('running_mean', unpadRows(out[4].subarray(0, pad4(F)), 1, F, 'rm'), rmRef, seed);
      expectClose('running_var', unpadRows(out[4].subarray(pad4(F)), 1, F, 'rv'), rvRef, seed);
      // Backward through the batch statistics, times the producer's activation derivative at X.
      const dy = r.normal(B * F);
      const ref = batchNormBackward(dy, cache, gamma, B, F);
      const back = await runKernel(gpu, KERNEL_SPECS.normBackward, step(B), u,
        [padRows(x, B, F), params, out[2], padRows(dy, B, F), { zeros: B * f4 * 16 }, { zeros: params.byteLength }], Math.ceil(f4 / 16));
      const dxRef = ref.dx.map((d, i) => d * activationGradFromOutput(x[i], 'leaky_relu', 0.1));
      expectClose('batchNormBackward dx', unpadRows(back[4], B, F, 'dx'), dxRef, seed, 1e-4, 1e-3);
      expectClose('batchNormBackward dgamma', unpadRows(back[5].subarray(0, pad4(F)), 1, F, 'dg'), ref.dgamma, seed, 1e-4, 1e-4);
      expectClose('batchNormBackward dbeta', unpadRows(back[5].subarray(pad4(F)), 1, F, 'db'), ref.dbeta, seed, 1e-4, 1e-4);
    } else {
      const yRef = x.map((v, i) => gamma[i % F] * (v - rm[i % F]) / Math.sqrt(rv[i % F] + eps) + beta[i % F]);
      expectClose(`batchNormForward eval B=${B} F=${F}`, unpadRows(out[3], B, F, 'y'), yRef, seed);
      expectClose('running stats unchanged in eval', out[4], state, seed, 0, 0);
    }
  }
};

/** BatchNorm with the dropout after it fused in (norm.wgsl's drop_* fields): against the float64 reference of the
 * pair, and bit for bit against the two unfused kernels run one after the other. */
const batchNormDropout: KernelCase = async (gpu, seed) => {
  const r = new TestRandom(seed, 7);
  const B = int(r, 2, 40), F = int(r, 1, 30), f4 = pad4(F) / 4, eps = 1e-3, mom = 0.01, p = 0.2, stepN = int(r, 0, 1e6), layer = int(r, 0, 12);
  const x = r.normal(B * F, 0.5, 2), gamma = r.uniform(F, 0.5, 1.5), beta = r.normal(F), dy = r.normal(B * F);
  const params = new Float32Array(pad4(F) * 2);
  params.set(padRows(gamma, 1, F)); params.set(padRows(beta, 1, F), pad4(F));
  const state = new Float32Array(pad4(F) * 2).fill(1);
  const inAct: Activation = { kind: 'leaky_relu', alpha: 0.1 };
  const st = step(B, { step: stepN, seed });
  const mask = dropoutMask(seed, stepN, layer, B, F, p);
  const fused = U.normUniform(F, 0, pad4(F), 0, pad4(F), eps, mom, inAct, { f: F, layer, p });
  const plain = U.normUniform(F, 0, pad4(F), 0, pad4(F), eps, mom, inAct);
  const wg = Math.ceil(f4 / 16);
  const fwdBuffers = () => [padRows(x, B, F), params, { zeros: f4 * 32 }, { zeros: B * f4 * 16 }, state, { zeros: B * f4 * 16 }];
  const out = await runKernel(gpu, KERNEL_SPECS.normForward, st, fused, fwdBuffers(), wg);
  const cache = batchNormForward(x, gamma, beta, B, F, eps);
  expectClose(`fused batchNormForward y B=${B} F=${F}`, unpadRows(out[3], B, F, 'y'), cache.y, seed);
  expectClose('fused dropout output', unpadRows(out[5], B, F, 'dropped'), cache.y.map((v, i) => v * mask[i]), seed);
  const alone = await runKernel(gpu, KERNEL_SPECS.normForward, st, plain, fwdBuffers(), wg);
  const drop = await runKernel(gpu, KERNEL_SPECS.dropoutForward, st, U.dropoutUniform(F, layer, p, IDENT), [alone[3], { zeros: B * f4 * 16 }], g(B * f4));
  expectClose('fused forward = BatchNorm then dropout, bitwise', out[5], drop[1], seed, 0, 0);
  const backBuffers = (g: Float32Array) => [padRows(x, B, F), params, out[2], g, { zeros: B * f4 * 16 }, { zeros: params.byteLength }];
  const back = await runKernel(gpu, KERNEL_SPECS.normBackward, st, fused, backBuffers(padRows(dy, B, F)), wg);
  const ref = batchNormBackward(dy.map((v, i) => v * mask[i]), cache, gamma, B, F);
  const dxRef = ref.dx.map((d, i) => d * activationGradFromOutput(x[i], 'leaky_relu', 0.1));
  expectClose('fused batchNormBackward dx', unpadRows(back[4], B, F, 'dx'), dxRef, seed, 1e-4, 1e-3);
  expectClose('fused batchNormBackward dgamma', unpadRows(back[5].subarray(0, pad4(F)), 1, F, 'dg'), ref.dgamma, seed, 1e-4, 1e-4);
  const dropBack = await runKernel(gpu, KERNEL_SPECS.dropoutBackward, st, U.dropoutUniform(F, layer, p, IDENT),
    [padRows(dy, B, F), { zeros: B * f4 * 16 }, padRows(x, B, F)], g(B * f4));
  const backAlone = await runKernel(gpu, KERNEL_SPECS.normBackward, st, plain, backBuffers(dropBack[1]), wg);
  expectClose('fused backward = dropout then BatchNorm, bitwise', back[4], backAlone[4], seed, 0, 0);
  expectClose('fused backward parameter gradients, bitwise', back[5], backAlone[5], seed, 0, 0);
  const ev = await runKernel(gpu, KERNEL_SPECS.normForward, { ...st, training: false }, fused, fwdBuffers(), wg);
  expectClose('fused dropout is the identity in evaluation', ev[5], ev[3], seed, 0, 0);
};

const dropout: KernelCase = async (gpu, seed) => {
  const r = new TestRandom(seed, 2);
  const B = int(r, 1, 40), F = int(r, 1, 50), f4 = pad4(F) / 4, p = 0.3, stepN = int(r, 0, 1e6), layer = int(r, 0, 12);
  const x = r.normal(B * F), dy = r.normal(B * F);
  const st = step(B, { step: stepN, seed });
  const mask = dropoutMask(seed, stepN, layer, B, F, p);
  const u = U.dropoutUniform(F, layer, p, IDENT);
  const fwd = await runKernel(gpu, KERNEL_SPECS.dropoutForward, st, u, [padRows(x, B, F), { zeros: B * f4 * 16 }], g(B * f4));
  expectClose(`dropoutForward B=${B} F=${F}`, unpadRows(fwd[1], B, F, 'y'), x.map((v, i) => v * mask[i]), seed, 1e-6, 1e-6);
  const back = await runKernel(gpu, KERNEL_SPECS.dropoutBackward, st, u, [padRows(dy, B, F), { zeros: B * f4 * 16 }, padRows(x, B, F)], g(B * f4));
  expectClose('dropoutBackward', unpadRows(back[1], B, F, 'dx'), dy.map((v, i) => v * mask[i]), seed, 1e-6, 1e-6);
  const ev = await runKernel(gpu, KERNEL_SPECS.dropoutForward, { ...st, training: false }, u, [padRows(x, B, F), { zeros: B * f4 * 16 }], g(B * f4));
  expectClose('dropout eval is identity', unpadRows(ev[1], B, F, 'y'), Float32Array.from(x), seed, 0, 0);
};

const activation: KernelCase = async (gpu, seed) => {
  const r = new TestRandom(seed, 3);
  for (const kind of ACTS) {
    const B = int(r, 1, 20), F = int(r, 1, 30), f4 = pad4(F) / 4;
    const act: Activation = { kind, alpha: 0.2 };
    const x = r.normal(B * F, 0, 3), dy = r.normal(B * F);
    const u = U.activationUniform(F, act, IDENT);
    const fwd = await runKernel(gpu, KERNEL_SPECS.activationForward, step(B), u, [padRows(x, B, F), { zeros: B * f4 * 16 }], g(B * f4));
    const y = activationForward(x, kind, 0.2);
    expectClose(`activationForward ${kind}`, unpadRows(fwd[1], B, F, 'y'), y, seed);
    const back = await runKernel(gpu, KERNEL_SPECS.activationBackward, step(B), u, [padRows(dy, B, F), { zeros: B * f4 * 16 }, padRows(y, B, F), padRows(x, B, F)], g(B * f4));
    expectClose(`activationBackward ${kind}`, unpadRows(back[1], B, F, 'dx'), dy.map((d, i) => d * activationGradFromOutput(y[i], kind, 0.2)), seed);
  }
};

const reconLoss: KernelCase = async (gpu, seed) => {
  const r = new TestRandom(seed, 4);
  for (const kind of ['mse', 'bce', 'mae'] as const) {
    const B = int(r, 1, 70), D = int(r, 1, 50), d4 = pad4(D) / 4;
    const logit = r.normal(B * D, 0, 3), x = r.uniform(B * D);
    const y = logit.map((v) => 1 / (1 + Math.exp(-v)));
    const out = await runKernel(gpu, KERNEL_SPECS.reconLoss, step(B), U.perModel([U.lossUniform(D, { kind: 'sigmoid', alpha: 0 }, kind)]),
      [padRows(y, B, D), padRows(x, B, D), { zeros: B * d4 * 16 }, { zeros: B * 8 }, padRows(logit, B, D)], g(B));
    // Gradient at the logits: the loss's gradient wrt x̂ times σ'(z) = x̂(1 − x̂).
    const dy = lossBackward(kind, y, x);
    const gradRef = dy.map((d, i) => d * y[i] * (1 - y[i]));
    expectClose(`reconLoss ${kind} grad B=${B} D=${D}`, unpadRows(out[2], B, D, 'grad'), gradRef, seed, 1e-8, 1e-4);
    const rowSums = (f: (yv: number, xv: number) => number) => Array.from({ length: B }, (_, b) => {
      let s = 0;
      for (let j = 0; j < D; j++) s += f(y[b * D + j], x[b * D + j]);
      return s;
    });
    const perPixel = { mse: (a: number, c: number) => (a - c) ** 2, mae: (a: number, c: number) => Math.abs(a - c),
      bce: (a: number, c: number) => -(c * Math.log(a) + (1 - c) * Math.log(1 - a)) }[kind];
    const rows = out[3].subarray(0, 2 * B);
    expectClose(`reconLoss ${kind} row sums (seed formula)`, rows.filter((_, i) => i % 2 === 0), rowSums(perPixel), seed, 1e-4, 1e-4);
    expectClose(`reconLoss ${kind} squared-error row sums`, rows.filter((_, i) => i % 2 === 1), rowSums((a, c) => (a - c) ** 2), seed, 1e-5, 1e-4);
  }
};

const sparsity: KernelCase = async (gpu, seed) => {
  const r = new TestRandom(seed, 5);
  for (const [kind, code] of [['kl', 'tanh'], ['kl', 'sigmoid'], ['l1', 'relu'], ['none', 'tanh']] as const) {
    const B = int(r, 2, 50), Z = int(r, 1, 30), z4 = pad4(Z) / 4, rho = 0.05, beta = 0.7;
    const z = code === 'tanh' ? r.uniform(B * Z, -0.99, 0.6) : code === 'sigmoid' ? r.uniform(B * Z, 0.001, 0.8) : r.uniform(B * Z, -0.5, 1).map((v) => Math.max(0, v));
    const tanh = code === 'tanh';
    const u = U.perModel([U.sparsityUniform(Z, kind, rho, beta, { kind: code, alpha: 0 }, { kind: code, alpha: 0 })]);
    const fwd = await runKernel(gpu, KERNEL_SPECS.sparsityForward, step(B), u, [padRows(z, B, Z), { zeros: 4 * z4 * 16 }], 1);
    const row = (k: number) => unpadRows(fwd[1].subarray(k * z4 * 4, (k + 1) * z4 * 4), 1, Z, `sp[${k}]`);
    const kl = klSparsityForward(z, B, Z, rho, tanh);
    expectClose(`sparsityForward ρ̂ ${kind}/${code}`, row(0), kl.rhoHat, seed, 1e-6, 1e-4);
    const penalty = row(1).reduce((a, b) => a + b, 0);
    const want = kind === 'kl' ? kl.value : kind === 'l1' ? l1SparsityForward(z) : 0;
    expectClose(`sparsityForward penalty ${kind}/${code}`, [penalty], [want], seed, 1e-5, 1e-4);
    const active = Array.from({ length: Z }, (_, j) => Array.from({ length: B }, (_, b) => z[b * Z + j]).filter((v) => (tanh ? (v + 1) / 2 : v) > 0.1).length);
    expectClose(`sparsityForward active counts ${kind}/${code}`, row(3), active, seed, 0, 0);
    const dzIn = r.normal(B * Z, 0, 0.01);
    const back = await runKernel(gpu, KERNEL_SPECS.sparsityBackward, step(B), u, [padRows(z, B, Z), fwd[1], padRows(dzIn, B, Z), { zeros: B * z4 * 16 }], g(B * z4));
    const dsp = kind === 'kl' ? klSparsityBackward(kl.rhoHat, B, Z, rho, tanh) : kind === 'l1' ? l1SparsityBackward(z) : new Float64Array(B * Z);
    const wantDz = dzIn.map((d, i) => (d + beta * dsp[i]) * activationGradFromOutput(z[i], code, 0));
    expectClose(`sparsityBackward ${kind}/${code}`, unpadRows(back[3], B, Z, 'dz'), wantDz, seed, 1e-6, 1e-4);
  }
};

const corrupt: KernelCase = async (gpu, seed) => {
  const r = new TestRandom(seed, 8);
  const width = int(r, 3, 9), height = int(r, 3, 9), D = width * height, d4 = pad4(D) / 4;
  for (const [kind, level] of [['gaussian', 0.3], ['salt_pepper', 0.2], ['masking', 0.3], ['block', 3], ['none', 0]] as const) {
    const B = int(r, 1, 30), stepN = int(r, 0, 1e6);
    const x = r.uniform(B * D);
    const st = step(B, { seed, step: stepN, corrupt: true });
    const out = await runKernel(gpu, KERNEL_SPECS.corrupt, st, U.perModel([U.corruptUniform(D, kind, level, width, height)]), [padRows(x, B, D), { zeros: B * d4 * 16 }], g(B * d4));
    const want = corruptBatch(x, B, D, kind, level, seed, stepN, width, height);
    // Gaussian noise goes through cos, which WGSL allows an absolute error of 2^-11, times σ·sqrt(−2 ln(1−u)) ≤ σ·5.8.
    expectClose(`corruptBatch ${kind} B=${B} ${width}x${height}`, unpadRows(out[1], B, D, 'noisy'), want, seed, kind === 'gaussian' ? level * 5.8 * 2 ** -11 : 2e-6, 1e-5);
    const off = await runKernel(gpu, KERNEL_SPECS.corrupt, { ...st, corrupt: false }, U.perModel([U.corruptUniform(D, kind, level, width, height)]), [padRows(x, B, D), { zeros: B * d4 * 16 }], g(B * d4));
    expectClose(`corruptBatch ${kind} off = clean copy`, unpadRows(off[1], B, D, 'copy'), Float32Array.from(x), seed, 0, 0);
  }
};

const adam: KernelCase = async (gpu, seed) => {
  const r = new TestRandom(seed, 6);
  const n = 4 * int(r, 1, 300), t = int(r, 1, 50), lr = 1e-3;
  const p = r.normal(n), gr = r.normal(n, 0, 0.1), m = r.normal(n, 0, 0.01), v = r.uniform(n, 0, 1e-3);
  const hyper = { beta1: 0.9, beta2: 0.999, eps: 1e-7 };
  const out = await runKernel(gpu, KERNEL_SPECS.adam, step(1, { lr, bc1: 1 - 0.9 ** t, bc2: 1 - 0.999 ** t }), U.optimizerUniform(n, 0.9, 0.999, 1e-7, 0),
    [Float32Array.from(p), Float32Array.from(gr), Float32Array.from(m), Float32Array.from(v)], g(n / 4));
  const [pr, mr, vr] = [Float64Array.from(Float32Array.from(p)), Float64Array.from(Float32Array.from(m)), Float64Array.from(Float32Array.from(v))];
  adamUpdate(pr, Float64Array.from(Float32Array.from(gr)), mr, vr, t, lr, hyper);
  expectClose(`adamUpdate t=${t}`, out[0], pr, seed, 1e-6, 1e-5);
  expectClose('adam m', out[2], mr, seed, 1e-7, 1e-5);
  expectClose('adam v', out[3], vr, seed, 1e-9, 1e-4);
};

const gather: KernelCase = async (gpu, seed) => {
  const r = new TestRandom(seed, 7);
  const count = int(r, 2, 30), D = int(r, 1, 40), d4 = pad4(D) / 4, B = int(r, 1, count);
  const bytes = new Uint8Array(count * d4 * 4);
  const px = r.uniform(count * D);
  for (let i = 0; i < count; i++) for (let j = 0; j < D; j++) bytes[i * d4 * 4 + j] = Math.floor(px[i * D + j] * 256);
  const order = Uint32Array.from(r.sample(count, count));
  const start = int(r, 0, count - B);
  const out = await runKernel(gpu, KERNEL_SPECS.gather, step(B, { batchStart: start }), U.gatherUniform(D, count),
    [new Uint32Array(bytes.buffer), order, { zeros: B * d4 * 16 }], g(B * d4));
  const want = new Float64Array(B * D);
  for (let b = 0; b < B; b++) for (let j = 0; j < D; j++) want[b * D + j] = bytes[order[start + b] * d4 * 4 + j] / 255;
  expectClose(`gatherBatch B=${B} D=${D}`, unpadRows(out[2], B, D, 'x'), want, seed, 1e-7, 1e-6);
};

const batchable: Record<string, KernelCase> = {
  ...Object.fromEntries(Object.keys(MATMUL_VARIANTS).map((v) => [`dense (${v})`, denseCase(v)])),
  batchNorm, batchNormDropout, dropout, activation, reconLoss, sparsity, corrupt, adam, gather,
};

export const kernelCases: Record<string, KernelCase> = {
  ...batchable, ...saeKernelCases,
  // The kernels that take the model index (docs/design.md "Batched sweeps"), as model 2 of a batch of 2.
  ...Object.fromEntries(Object.entries(batchable).map(([name, run]) => [`${name} as model 2 of 2`,
    ((gpu, seed) => asSecondModel(() => run(gpu, seed))) satisfies KernelCase])),
};
