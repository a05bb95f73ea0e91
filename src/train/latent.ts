// The test split's codes for the page's latent view (or any split's activations of any layer: the CLI's
// --export-activations): evaluation-mode forward passes (BatchNorm on running
// statistics, dropout off, clean inputs: the corrupt pass only copies when the step says not to corrupt) over every test image, on the trainer's own parameter slabs but through a
// graph of its own (activations, step slots, gather), so the trainer's buffers and position are never touched.
// The code layer's rows are copied out batch by batch into one buffer and mapped once.
import { readBuffer } from '../gpu/readback.ts';
import { storageBuffer } from '../gpu/kernels.ts';
import { identityPermutation } from '../data/shuffle.ts';
import { pad4 } from '../model/plan.ts';
import type { ImageSet } from '../data/dataset.ts';
import { Recorder } from './bind.ts';
import { buildGraph, type Dispatch, type Graph } from './graph.ts';
import type { Trainer } from './trainer.ts';
import { STEP_BYTES, STEP_SLOT, writeStep } from './uniforms.ts';

const SLOTS = 32; // evaluation batches recorded per submit

export class LatentProbe {
  private readonly graph: Graph;
  private readonly steps: GPUBuffer;
  private readonly stepData = new ArrayBuffer(SLOTS * STEP_SLOT);
  private readonly images: GPUBuffer;
  private readonly order: GPUBuffer;
  private readonly codes: GPUBuffer;
  private readonly gather: Dispatch;
  readonly count: number; // images
  readonly z: number; // code width (the layer's)
  readonly stride: number; // floats per code row: pad4(z)
  private readonly index: number; // the activation tensor read: 0 input, i + 1 the output of op i

  /** `set`: the images (default the test split); `index`: the activation tensor (default the code). */
  constructor(readonly trainer: Trainer, opts: { set?: ImageSet; index?: number } = {}) {
    const { device } = trainer.gpu;
    const { plan, cfg, data } = trainer;
    const test = opts.set ?? data.test;
    this.index = opts.index ?? plan.codeIndex;
    this.count = test.count;
    this.z = plan.widths[this.index];
    this.stride = pad4(this.z);
    this.steps = device.createBuffer({ label: 'LatentProbe.steps', size: SLOTS * STEP_SLOT, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.graph = buildGraph(device, trainer.kernels, plan, cfg, cfg.batch, trainer.slabs, this.steps, 1, { width: test.cols, height: test.rows });
    // Test images as the gather kernel reads them: u8 pixels packed four to a u32, each image padded to 4 bytes.
    const pixels = test.rows * test.cols;
    const packed = new Uint8Array(test.count * pad4(pixels));
    for (let i = 0; i < test.count; i++) packed.set(test.images.subarray(i * pixels, (i + 1) * pixels), i * pad4(pixels));
    this.images = storageBuffer(device, 'LatentProbe.images', packed.byteLength);
    device.queue.writeBuffer(this.images, 0, packed);
    this.order = storageBuffer(device, 'LatentProbe.order', test.count * 4);
    device.queue.writeBuffer(this.order, 0, identityPermutation(test.count));
    this.codes = storageBuffer(device, 'LatentProbe.codes', test.count * this.stride * 4);
    this.gather = this.graph.gather(this.images, this.order, test.count);
  }

  /** Every test image's code, (count, pad4(Z)) row-major, from the weights as they are now. */
  async read(): Promise<Float32Array> {
    const t = this.trainer;
    const { device } = t.gpu;
    const B = t.cfg.batch;
    const batches = Math.ceil(this.count / B);
    const rowBytes = this.stride * 4;
    for (let b0 = 0; b0 < batches; b0 += SLOTS) {
      const n = Math.min(SLOTS, batches - b0);
      const encoder = device.createCommandEncoder({ label: 'LatentProbe.read' });
      const recorder = new Recorder(encoder, 'LatentProbe.forward'); // the copies between batches write no mirrored buffer
      for (let s = 0; s < n; s++) {
        const start = (b0 + s) * B;
        const rows = Math.min(B, this.count - start);
        writeStep(this.stepData, s, { rows, step: t.globalStep, seed: t.cfg.seed, batchStart: start, lr: 0, bc1: 1, bc2: 1, training: false, record: 0, corrupt: false });
        recorder.record([this.gather, ...(this.graph.corrupt ? [this.graph.corrupt] : []), ...this.graph.forward], s * STEP_SLOT);
        recorder.end();
        encoder.copyBufferToBuffer(this.graph.acts[this.index], 0, this.codes, start * rowBytes, rows * rowBytes);
      }
      device.queue.writeBuffer(this.steps, 0, this.stepData, 0, (n - 1) * STEP_SLOT + STEP_BYTES);
      device.queue.submit([encoder.finish()]);
    }
    return new Float32Array(await readBuffer(device, this.codes, 0, this.count * rowBytes));
  }

  destroy(): void {
    this.graph.destroy(); // every buffer the graph made
    for (const b of [this.steps, this.images, this.order, this.codes]) b.destroy();
  }
}
