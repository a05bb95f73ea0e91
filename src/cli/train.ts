// `npm run train`: headless training in Node through Dawn. One progress line per epoch, a metrics JSON
// rewritten atomically after each epoch, safetensors checkpoints (at the end, or every N epochs), exact resume,
// PNG pictures at the end, and a run that rolls back on divergence and rebuilds on device loss (src/train/recovery.ts).
import { acquireNodeGpu } from '../gpu/node.ts';
import { loadData } from '../data/node.ts';
import type { DataSplit } from '../data/dataset.ts';
import { readFileLimited } from '../io/files.ts';
// issue 14 (hostile): checked outputs, checkpoint-first writes, quiet Dawn notices — the lead ports these calls.
import { writeCheckpointSafely, writeOutput, writeOutputs } from '../io/outputs.ts';
import { checkCliOutputs } from './outputs.ts';
import { relaunchWithQuietStderr } from './quiet-stderr.ts';
import { decodeSafetensors } from '../io/safetensors.ts';
import { buildPlan } from '../model/plan.ts';
import { validateConfig } from '../model/validate.ts';
import { AUTO_KERNEL, kernelSummary } from '../train/autotune.ts';
import { Trainer, limitsFor } from '../train/trainer.ts';
import { checkpointConfig, decodeCheckpoint, encodeCheckpoint } from '../train/checkpoint.ts';
import { ResilientRun } from '../train/recovery.ts';
import { checkFits, type BufferLimits } from '../train/fit.ts';
import type { RunSnapshot } from '../train/snapshot-state.ts';
import { parseCli, USAGE, type CliOptions } from './args.ts';
import { encodeGrayPng } from '../viz/png.ts';
import { trainerPictures } from '../viz/trainer-pictures.ts';
import { contractiveFlops, describeModel, epochLine, metricsRow, plural, stepFlops, type EpochRow } from './report.ts';

const MAX_CHECKPOINT_BYTES = 2 ** 31;

/** --resume: the checkpoint's config (validated) with the new epoch goal, and its full state. */
async function readResume(o: CliOptions, data: DataSplit): Promise<RunSnapshot> {
  const path = o.resume!;
  const bytes = await readFileLimited(path, MAX_CHECKPOINT_BYTES, '--resume');
  const cfg = checkpointConfig(decodeSafetensors(bytes, path).metadata, path);
  if (!cfg) throw new Error(`${path}: no config in its metadata, so the run cannot be resumed exactly; use --init to start from its weights`);
  const ck = await decodeCheckpoint(bytes, buildPlan(cfg.model), path, { full: true });
  if (ck.meta.dataSha256 !== data.sha256) {
    throw new Error(`${path} was trained on data with SHA-256 ${ck.meta.dataSha256?.slice(0, 16)}…, but --data ${o.data} has ${data.sha256.slice(0, 16)}…; ` +
      'resume with the same --data');
  }
  if (o.epochsGiven) cfg.epochs = o.cfg.epochs;
  if (cfg.epochs <= ck.epoch) throw new Error(`${path} has already trained ${plural(ck.epoch, 'epoch')}; give --epochs above ${ck.epoch} to continue`);
  const problems = validateConfig(cfg);
  if (problems.length > 0) throw new Error(`--resume ${path} with --epochs ${cfg.epochs}:\n  ${problems.join('\n  ')}`);
  o.cfg = cfg;
  const kernels = o.kernel !== AUTO_KERNEL || !ck.meta.kernels ? null : ck.meta.kernels;
  return { params: ck.params, state: ck.state, m: ck.m!, v: ck.v!, epoch: ck.epoch, globalStep: ck.step, lrScale: ck.lrScale, kernels: kernels ?? {} };
}

async function main(o: CliOptions): Promise<void> {
  const log = (s: string) => { if (!o.quiet) console.log(s); };
  const outs = checkCliOutputs(o);
  const data = await loadData(o.data);
  const from = o.resume ? await readResume(o, data) : undefined;
  const cfg = o.cfg;
  const hooks = {
    acquire: () => acquireNodeGpu(o.adapter, limitsFor(cfg, data)).catch((e: unknown) => {
      const limits = (e as { adapterLimits?: BufferLimits }).adapterLimits;
      if (limits) checkFits(cfg, data, limits, `the ${o.adapter} adapter`); // names what would fit
      throw e;
    }),
    // A resume or a rebuild reuses the recorded matmul kernels (another variant sums in another order).
    build: (gpu: Parameters<typeof Trainer.create>[0], kernels: Parameters<typeof Trainer.create>[3] | null) =>
      Trainer.create(gpu, cfg, data, kernels && Object.keys(kernels).length > 0 ? kernels : o.kernel, undefined,
        { jacobianMetric: (o as CliOptions & { jacobianMetric?: boolean }).jacobianMetric === true }),
    log: (line: string) => console.log(line), // recovery lines are printed even with --quiet
  };
  const run = await ResilientRun.start(hooks, { maxRollbacks: o.maxRollbacks }, from);
  const checkpoint = (s: RunSnapshot) => encodeCheckpoint(run.trainer.plan, cfg, { ...s, step: s.globalStep }, data.sha256);
  const save = async (s: RunSnapshot) => writeCheckpointSafely(outs.get('--save')!, await checkpoint(s), (l) => console.error(l));
  try {
    const trainer = run.trainer;
    if (o.init) {
      const ck = await decodeCheckpoint(await readFileLimited(o.init, MAX_CHECKPOINT_BYTES, '--init'), trainer.plan, o.init);
      trainer.writeSlabs({ params: ck.params, state: ck.state });
      run.snapshot = { ...run.snapshot, params: ck.params, state: ck.state };
      log(`initialised from ${o.init} (trained ${plural(ck.epoch, 'epoch')}, ${plural(ck.step, 'step')})`);
    }
    if (from) log(`resumed ${o.resume} at epoch ${from.epoch} (step ${from.globalStep}${from.lrScale !== 1 ? `, learning rate ×${from.lrScale}` : ''}); training to ${plural(cfg.epochs, 'epoch')}`);
    log(`data ${data.name}: ${data.train.count} train / ${data.test.count} test images of ${data.train.rows}x${data.train.cols}, sha256 ${data.sha256.slice(0, 16)}…`);
    const kernelNote = from && Object.keys(from.kernels).length > 0 ? 'as recorded in the checkpoint' : o.kernel;
    log(`adapter ${run.gpu.adapter.name} (${run.gpu.adapter.featureLevel}${run.gpu.adapter.isFallback ? ', fallback' : ''}), matmul kernel ${kernelNote}${o.kernel === AUTO_KERNEL ? ` (${kernelSummary(trainer.kernels.choices)})` : ''}`);
    log(`model ${describeModel(cfg)}, batch ${cfg.batch}, ${trainer.stepsPerEpoch} steps/epoch, lr ${cfg.optimizer.lr}`);
    for (const note of trainer.notes) log(`note: ${note}`);
    const flopsPerSample = stepFlops(trainer.plan) + contractiveFlops(trainer.plan, cfg);
    const epochs: (EpochRow & Record<string, unknown>)[] = [];
    const started = performance.now();
    try {
      while (run.trainer.epoch < cfg.epochs) {
        const { metrics: m, trainSeconds } = await run.epoch();
        const samplesPerS = m.samples / trainSeconds;
        const seconds = (performance.now() - started) / 1000;
        const { steps: _steps, samples: _samples, ...fields } = m;
        const row = { ...fields, samples_per_s: samplesPerS, gflops: (samplesPerS * flopsPerSample) / 1e9, seconds, lr_scale: run.trainer.lrScale };
        epochs.push(metricsRow(row));
        log(epochLine(row, cfg.epochs, { loss: cfg.loss, sparsity: cfg.sparsity.kind, contractive: cfg.contractive > 0 }));
        if (o.metrics) {
          await writeOutput(outs.get('--metrics')!, JSON.stringify({ config: cfg, adapter: run.gpu.adapter, data: { name: data.name, sha256: data.sha256 }, kernel: o.kernel,
            recovery: { divergences: run.divergences, device_faults: run.deviceFaults }, epochs }, null, 1));
        }
        if (o.save && o.checkpointEvery > 0 && run.trainer.epoch % o.checkpointEvery === 0 && run.trainer.epoch < cfg.epochs) {
          log(`checkpoint ${await save(run.snapshot)} (epoch ${run.snapshot.epoch})`);
        }
      }
    } catch (e) {
      // Keep the last good state: a diverged or failed run still leaves a checkpoint to resume from.
      if (o.save && run.snapshot.epoch > (from?.epoch ?? 0)) {
        console.error(`saved the last good state (epoch ${run.snapshot.epoch}) to ${await save(run.snapshot)}`);
      }
      throw e;
    }
    const last = epochs[epochs.length - 1];
    console.log(`done: ${plural(cfg.epochs, 'epoch')} in ${((performance.now() - started) / 1000).toFixed(1)} s, final test MSE ${last.test_mse.toFixed(5)}`);
    // The checkpoint first: a picture that fails to render or write never costs the model (issue 14, item 1).
    const snapshot = run.snapshot;
    const pictures = o.recon || o.features ? trainerPictures(run.trainer) : null; // the last evaluation's final test batch
    const jobs = [...(o.save ? [{ out: outs.get('--save')!, produce: () => checkpoint(snapshot), checkpoint: true }] : []),
      ...([['--recon', 'recon'], ['--features', 'features']] as const).filter(([flag]) => outs.has(flag)).map(([flag, key]) => {
        let size = '';
        const produce = async () => { const img = (await pictures!)[key]; size = `${img.width}x${img.height}`; return encodeGrayPng(img); };
        return { out: outs.get(flag)!, produce, detail: () => size };
      })];
    pictures?.catch(() => {}); // its failure is reported by the job that needs it
    const failures = await writeOutputs(jobs, (l) => console.log(l));
    if (failures.length > 0) throw new Error(`some outputs were not written:\n  ${failures.join('\n  ')}`);
  } finally {
    run.release();
  }
}

// Dawn's start-up notices are filtered by running the CLI as a child of itself, unless --verbose.
if (!relaunchWithQuietStderr(process.argv.includes('--verbose'))) {
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
}
