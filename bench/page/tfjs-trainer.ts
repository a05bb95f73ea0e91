// The peer: the same model, loss and optimizer as our Trainer, written with TF.js core ops on its WebGPU backend,
// which runs on a GPUDevice we create (so it gets the same adapter, compatibility-level ones included).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { DataSplit } from '../../src/data/dataset.ts';
import type { TrainConfig } from '../../src/model/config.ts';
import { initBuffers, initParams, unpackTensor } from '../../src/model/init.ts';
import { buildPlan, type Activation, type Plan } from '../../src/model/plan.ts';
import { epochPermutation } from '../../src/data/shuffle.ts';

/**
 * Make TF.js's 'webgpu' backend run on `device`. The package's own factory asks for a core-level adapter, which
 * Chromium's OpenGL ES (llvmpipe) adapter is not; its kernels are registered under the name 'webgpu', so we
 * replace the factory under that name rather than registering another.
 */
export async function useTfjsWebgpu(device: GPUDevice, info: GPUAdapterInfo): Promise<void> {
  tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(device, info), 3);
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not initialise its WebGPU backend on our device');
  await tf.ready();
}

function activate(h: tf.Tensor2D, a: Activation): tf.Tensor2D {
  switch (a.kind) {
    case 'relu': return tf.relu(h);
    case 'leaky_relu': return tf.leakyRelu(h, a.alpha);
    case 'tanh': return tf.tanh(h);
    case 'sigmoid': return tf.sigmoid(h);
    default: return h;
  }
}

interface NormVars { gamma: tf.Variable; beta: tf.Variable; mean: tf.Variable; variance: tf.Variable }

/** One training step = gather a batch on the GPU, forward, MSE + β·Σ KL, Adam via optimizer.minimize. */
export class TfjsTrainer {
  readonly plan: Plan;
  private readonly weights = new Map<number, { w: tf.Variable; b: tf.Variable }>(); // by op index
  private readonly norms = new Map<number, NormVars>();
  private readonly images: tf.Tensor2D; // (n, 784) in [0, 1]
  private readonly batches: tf.Tensor1D[]; // per full batch of one shuffled epoch: sample indices
  private readonly optimizer: tf.Optimizer;

  constructor(readonly cfg: TrainConfig, data: DataSplit) {
    this.plan = buildPlan(cfg.model);
    const params = initParams(this.plan, cfg.seed);
    const state = initBuffers(this.plan);
    this.plan.ops.forEach((op, i) => {
      if (op.kind === 'dense') {
        const w = tf.tensor2d(unpackTensor(params, op.weight), [op.out, op.in]).transpose(); // (in, out)
        this.weights.set(i, { w: tf.variable(w, true, `${op.name}.weight`), b: tf.variable(tf.tensor1d(unpackTensor(params, op.bias)), true, `${op.name}.bias`) });
        w.dispose();
      } else if (op.kind === 'batchnorm') {
        this.norms.set(i, {
          gamma: tf.variable(tf.tensor1d(unpackTensor(params, op.gamma)), true, `${op.name}.weight`),
          beta: tf.variable(tf.tensor1d(unpackTensor(params, op.beta)), true, `${op.name}.bias`),
          mean: tf.variable(tf.tensor1d(unpackTensor(state, op.runningMean)), false, `${op.name}.running_mean`),
          variance: tf.variable(tf.tensor1d(unpackTensor(state, op.runningVar)), false, `${op.name}.running_var`),
        });
      }
    });
    const { train } = data;
    const pixels = train.rows * train.cols;
    this.images = tf.tensor2d(Float32Array.from(train.images, (v) => v / 255), [train.count, pixels]);
    const order = epochPermutation(train.count, cfg.seed, 0);
    this.batches = [];
    for (let s = 0; (s + 1) * cfg.batch <= train.count; s++) this.batches.push(tf.tensor1d(Int32Array.from(order.subarray(s * cfg.batch, (s + 1) * cfg.batch)), 'int32'));
    const o = cfg.optimizer;
    this.optimizer = tf.train.adam(o.lr, o.beta1, o.beta2, o.eps);
  }

  get batchCount(): number {
    return this.batches.length;
  }

  /** Forward in training mode; returns the reconstruction, the code, and each BatchNorm's batch moments. */
  private forward(x: tf.Tensor2D): { out: tf.Tensor2D; code: tf.Tensor2D; moments: Map<number, { mean: tf.Tensor; variance: tf.Tensor }> } {
    const moments = new Map<number, { mean: tf.Tensor; variance: tf.Tensor }>();
    let h = x;
    let code = x;
    this.plan.ops.forEach((op, i) => {
      if (op.kind === 'dense') {
        const { w, b } = this.weights.get(i)!;
        h = activate(tf.matMul(h, w as tf.Tensor2D).add(b), op.act);
      } else if (op.kind === 'batchnorm') {
        const n = this.norms.get(i)!;
        const m = tf.moments(h, 0);
        moments.set(i, m);
        h = tf.batchNorm2d(h, m.mean as tf.Tensor1D, m.variance as tf.Tensor1D, n.beta as tf.Tensor1D, n.gamma as tf.Tensor1D, this.cfg.batchNorm.eps);
      } else if (op.kind === 'dropout') {
        h = tf.dropout(h, op.p) as tf.Tensor2D;
      } else {
        h = activate(h, op.act);
      }
      if (i + 1 === this.plan.codeIndex) code = h;
    });
    return { out: h, code, moments };
  }

  /** Record one step on the batch `index` of the fixed epoch order; nothing is read back. */
  step(index: number): void {
    const { rho, weight } = this.cfg.sparsity;
    const tanhCode = this.plan.codeActivation.kind === 'tanh';
    const B = this.cfg.batch;
    let kept = new Map<number, { mean: tf.Tensor; variance: tf.Tensor }>();
    this.optimizer.minimize(() => {
      const x = tf.gather(this.images, this.batches[index % this.batches.length]);
      const { out, code, moments } = this.forward(x);
      kept = new Map([...moments].map(([i, m]) => [i, { mean: tf.keep(m.mean), variance: tf.keep(m.variance) }]));
      const mse = tf.mean(tf.squaredDifference(out, x));
      const activity = tanhCode ? code.add(1).div(2) : code;
      const rhoHat = tf.clipByValue(tf.mean(activity, 0), 1e-6, 1 - 1e-6);
      const kl = tf.sum(tf.scalar(rho).mul(tf.log(tf.scalar(rho).div(rhoHat)))
        .add(tf.scalar(1 - rho).mul(tf.log(tf.scalar(1 - rho).div(tf.scalar(1).sub(rhoHat))))));
      return mse.add(kl.mul(weight)) as tf.Scalar;
    }, false);
    // Running statistics, Keras convention: moving = momentum·moving + (1 − momentum)·batch, unbiased variance.
    const keep = 1 - this.cfg.batchNorm.momentum;
    tf.tidy(() => {
      for (const [i, m] of kept) {
        const n = this.norms.get(i)!;
        n.mean.assign(n.mean.mul(keep).add(m.mean.mul(1 - keep)));
        n.variance.assign(n.variance.mul(keep).add(m.variance.mul((1 - keep) * B / (B - 1))));
      }
    });
    for (const m of kept.values()) tf.dispose([m.mean, m.variance]);
  }

  /** Wait until every recorded step has run: flush TF.js's deferred commands, then fence the queue. */
  async fence(): Promise<void> {
    const backend = tf.backend() as WebGPUBackend;
    backend.ensureCommandEncoderReady();
    backend.endComputePassEncoder();
    backend.submitQueue();
    await backend.device.queue.onSubmittedWorkDone();
  }

  /** Every parameter, for the finiteness check after timing. */
  async parameters(): Promise<Float32Array[]> {
    const vars = [...[...this.weights.values()].flatMap((v) => [v.w, v.b]), ...[...this.norms.values()].flatMap((n) => [n.gamma, n.beta])];
    return Promise.all(vars.map(async (v) => (await v.data()) as Float32Array));
  }

  dispose(): void {
    tf.dispose([this.images, ...this.batches, ...[...this.weights.values()].flatMap((v) => [v.w, v.b]),
      ...[...this.norms.values()].flatMap((n) => [n.gamma, n.beta, n.mean, n.variance])]);
    this.optimizer.dispose();
  }
}
