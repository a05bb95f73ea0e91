// `npm run train`: headless training in Node through Dawn. One progress line per epoch, a metrics JSON
// rewritten atomically after each epoch, and a safetensors checkpoint and PNG pictures at the end.
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { acquireNodeGpu } from '../gpu/node.ts';
import { loadData } from '../data/node.ts';
import { readFileLimited, writeFileAtomic } from '../io/files.ts';
import { AUTO_KERNEL, kernelSummary } from '../train/autotune.ts';
import { Trainer, limitsFor } from '../train/trainer.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../train/checkpoint.ts';
import { parseCli, USAGE, type CliOptions } from './args.ts';
import { encodeGrayPng } from '../viz/png.ts';
import { trainerPictures } from '../viz/trainer-pictures.ts';
import { describeModel, epochLine, stepFlops, type EpochRow } from './report.ts';

const MAX_CHECKPOINT_BYTES = 2 ** 31;

function checkWritable(path: string, flag: string): void {
  const dir = dirname(resolve(path));
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK);
  } catch {
    throw new Error(`--${flag} ${path}: the directory ${dir} does not exist or is not writable`);
  }
}

async function main(o: CliOptions): Promise<void> {
  const log = (s: string) => { if (!o.quiet) console.log(s); };
  if (o.save) checkWritable(o.save, 'save');
  if (o.metrics) checkWritable(o.metrics, 'metrics');
  if (o.recon) checkWritable(o.recon, 'recon');
  if (o.features) checkWritable(o.features, 'features');
  const data = await loadData(o.data);
  const gpu = await acquireNodeGpu(o.adapter, limitsFor(o.cfg, data));
  gpu.device.lost.then((info) => { if (info.reason !== 'destroyed') console.error(`GPU device lost: ${info.message}`); });
  gpu.device.addEventListener('uncapturederror', (e) => console.error(`GPU error: ${(e as GPUUncapturedErrorEvent).error.message}`));
  const trainer = await Trainer.create(gpu, o.cfg, data, o.kernel);
  try {
    if (o.init) {
      const ck = decodeCheckpoint(await readFileLimited(o.init, MAX_CHECKPOINT_BYTES, `--init ${o.init}`), trainer.plan, o.init);
      trainer.writeSlabs({ params: ck.params, state: ck.state });
      log(`initialised from ${o.init} (trained ${ck.epoch} epochs, ${ck.step} steps)`);
    }
    log(`data ${data.name}: ${data.train.count} train / ${data.test.count} test images of ${data.train.rows}x${data.train.cols}, sha256 ${data.sha256.slice(0, 16)}…`);
    log(`adapter ${gpu.adapter.name} (${gpu.adapter.featureLevel}${gpu.adapter.isFallback ? ', fallback' : ''}), matmul kernel ${o.kernel}${o.kernel === AUTO_KERNEL ? ` (${kernelSummary(trainer.kernels.choices)})` : ''}`);
    log(`model ${describeModel(o.cfg)}, batch ${o.cfg.batch}, ${trainer.stepsPerEpoch} steps/epoch, lr ${o.cfg.optimizer.lr}`);
    const flopsPerSample = stepFlops(trainer.plan);
    const epochs: (EpochRow & Record<string, unknown>)[] = [];
    const started = performance.now();
    for (let e = 0; e < o.cfg.epochs; e++) {
      const { metrics, trainSeconds } = await trainer.runEpoch();
      const m = await metrics;
      const samplesPerS = m.samples / trainSeconds;
      const seconds = (performance.now() - started) / 1000;
      const { steps: _steps, samples: _samples, ...fields } = m;
      const row = { ...fields, samples_per_s: samplesPerS, gflops: (samplesPerS * flopsPerSample) / 1e9, seconds };
      epochs.push(row);
      log(epochLine(row, o.cfg.epochs, { loss: o.cfg.loss, sparsity: o.cfg.sparsity.kind, contractive: o.cfg.contractive > 0 }));
      if (!Number.isFinite(m.loss)) throw new Error(`the loss became ${m.loss} in epoch ${m.epoch + 1}: lower --lr (now ${o.cfg.optimizer.lr})`);
      if (o.metrics) {
        await writeFileAtomic(o.metrics, JSON.stringify({ config: o.cfg, adapter: gpu.adapter, data: { name: data.name, sha256: data.sha256 }, kernel: o.kernel, epochs }, null, 1));
      }
    }
    const last = epochs[epochs.length - 1];
    console.log(`done: ${o.cfg.epochs} epochs in ${((performance.now() - started) / 1000).toFixed(1)} s, final test MSE ${last.test_mse.toFixed(5)}`);
    if (o.recon || o.features) {
      const pictures = await trainerPictures(trainer); // right after the last evaluation: its final test batch
      for (const [path, img] of [[o.recon, pictures.recon], [o.features, pictures.features]] as const) {
        if (!path) continue;
        await writeFileAtomic(path, encodeGrayPng(img));
        console.log(`wrote ${path} (${img.width}x${img.height})`);
      }
    }
    if (o.save) {
      const s = await trainer.readSlabs();
      await writeFileAtomic(o.save, encodeCheckpoint(trainer.plan, o.cfg, { ...s, step: trainer.globalStep, epoch: trainer.epoch }, data.sha256));
      console.log(`saved ${o.save}`);
    }
  } finally {
    trainer.destroy();
    gpu.release();
  }
}

let opts: CliOptions | 'help';
try {
  opts = parseCli(process.argv.slice(2));
} catch (e) {
  console.error(`error: ${(e as Error).message}`);
  process.exit(2);
}
if (opts === 'help') {
  console.log(USAGE);
} else {
  main(opts).catch((e) => {
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
