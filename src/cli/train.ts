// `npm run train`: headless training in Node through Dawn, driven by the one Run (src/train/run.ts). One progress
// line per epoch (and a live line within it on a terminal), a metrics JSON rewritten atomically after each epoch with
// the whole history, safetensors checkpoints, exact resume, PNG pictures at the end, and Ctrl-C that stops at the
// next chunk and saves the last epoch boundary.
import { existsSync } from 'node:fs';
import { acquireNodeGpu } from '../gpu/node.ts';
import { makeDirs } from '../io/files.ts';
import { loadRunData } from '../data/run-data.ts';
import { checkOutputs, writeCheckpointSafely, writeOutput, writeOutputs } from '../io/outputs.ts';
import { checkCliOutputs } from './outputs.ts';
import { relaunchWithQuietStderr } from './quiet-stderr.ts';
import { saeModel } from '../model/config.ts';
import { describeModel, plural } from '../model/describe.ts';
import { AUTO_KERNEL, kernelSummary, RETUNE_KERNEL, useTuningStore } from '../train/autotune.ts';
import { limitsFor, Trainer } from '../train/trainer.ts';
import { encodeCheckpoint } from '../train/checkpoint.ts';
import { isVectors } from '../train/engines.ts';
import { epochLine, metricsRow, type EpochRow } from '../train/metrics.ts';
import { Run } from '../train/run.ts';
import { checkFits, type BufferLimits } from '../train/fit.ts';
import { resolvedChoices, type TrainState } from '../train/state.ts';
import { SaeEngine, saeLimits } from '../sae/engine.ts';
import { tensorPlan } from '../sae/plan.ts';
import { readInit, readResume } from './resume.ts';
import { activationJobs, dataLine, layerIndex, saelensJobs } from './sae-outputs.ts';
import { parseCli, USAGE, type CliOptions } from './args.ts';
import { encodeGrayPng, scaleGray } from '../viz/png.ts';
import { trainerPictures } from '../viz/trainer-pictures.ts';
import { fileTuningStore } from './tuning-cache.ts';
import { ProgressLine } from './progress.ts';

/** A file name for an interrupted run without --save that overwrites nothing (in the working directory). */
function interruptedPath(epoch: number): string {
  for (let i = 1; ; i++) {
    const p = `autoencoder-interrupted-epoch${epoch}${i > 1 ? `-${i}` : ''}.safetensors`;
    if (!existsSync(p)) return p;
  }
}

async function main(o: CliOptions): Promise<number> {
  const log = (s: string) => { if (!o.quiet) console.log(s); };
  if (o.cfg.sae && (o.recon || o.features)) throw new Error('--recon and --features draw the MLP autoencoders\' images; an SAE has --export-saelens');
  if (!o.cfg.sae && !o.resume && o.exportSaelens) throw new Error('--export-saelens writes a sparse autoencoder: give an SAE preset (--preset topk-sae)');
  if (o.cfg.sae && !o.resume && o.exportActivations) throw new Error('--export-activations writes an autoencoder\'s hidden activations: give an autoencoder preset');
  for (const dir of [o.exportSaelens, o.exportActivations]) if (dir) makeDirs(dir);
  const outs = checkCliOutputs(o);
  for (const w of o.warnings) console.error(`warning: ${w}`);
  const store = fileTuningStore();
  useTuningStore(store);
  const data = await loadRunData(o.data);
  // An SAE's input is the data's width (the flags were read before the data: 784 by default).
  if (o.cfg.sae && !o.resume) o.cfg.model = saeModel(isVectors(data) ? data.dim : data.train.rows * data.train.cols, o.cfg.sae.dSae);
  const from = o.resume ? await readResume(o, data, log) : o.init ? await readInit(o) : undefined;
  const cfg = o.cfg;
  // Checked again on the resumed config (an SAE checkpoint resumed without an SAE preset), before any training.
  if (cfg.sae && (o.recon || o.features)) throw new Error('--recon and --features draw the MLP autoencoders\' images; an SAE has --export-saelens');
  const images = isVectors(data) ? null : data;
  const acquire = () => acquireNodeGpu(o.adapter, cfg.sae ? saeLimits(cfg) : images ? limitsFor(cfg, images) : {}).catch((e: unknown) => {
    const limits = (e as { adapterLimits?: BufferLimits }).adapterLimits;
    if (limits && images && !cfg.sae) checkFits(cfg, images, limits, `the ${o.adapter} adapter`); // names what would fit
    throw e;
  });
  const kernel = o.retune && o.kernel === AUTO_KERNEL ? RETUNE_KERNEL : o.kernel;
  const run = await Run.start({ hooks: { acquire, log: (line) => console.log(line) }, cfg, data, kernel, from,
    options: { maxRollbacks: o.maxRollbacks, jacobianMetric: o.jacobianMetric ? 'every' : undefined } });
  const startEpoch = run.good.epoch;
  let signal: string | null = null;
  let signalAt = 0;
  const onSignal = (name: string) => () => {
    // A second Ctrl-C stops now (the last checkpoint on disk is still whole). One sent to the whole process group
    // (pkill, systemd's control-group stop) reaches this process twice at once, directly and forwarded by the
    // quiet-stderr parent: a repeat within a second is that one request, not a second Ctrl-C.
    if (signal) { if (performance.now() - signalAt > 1000) process.exit(130); return; }
    signal = name;
    signalAt = performance.now();
    run.stopRequested = true;
    console.error(`\n${name}: stopping after the current steps; the state at the last epoch boundary will be saved (Ctrl-C again to quit at once)`);
  };
  process.on('SIGINT', onSignal('SIGINT'));
  process.on('SIGTERM', onSignal('SIGTERM'));
  const sae = run.engine instanceof SaeEngine ? run.engine : null;
  const checkpoint = (s: TrainState) => encodeCheckpoint(tensorPlan(cfg), cfg, s, data.sha256, sae ? { normalize_factor: String(sae.scale) } : {});
  const save = async (s: TrainState) => writeCheckpointSafely(outs.get('--save')!, await checkpoint(s), (l) => console.error(l));
  try {
    if (o.exportSaelens && !sae) throw new Error('--export-saelens writes a sparse autoencoder, and this checkpoint holds an autoencoder');
    if (o.exportActivations && sae) throw new Error('--export-activations writes an autoencoder\'s activations, and this checkpoint holds a sparse autoencoder');
    const layer = o.exportActivations ? layerIndex(run.trainer.plan, o.layer) : null;
    const engine = run.engine;
    if (o.resume) log(`resumed ${o.resume} at epoch ${run.good.epoch} (step ${run.good.globalStep}${run.good.lrScale !== 1 ? `, learning rate ×${run.good.lrScale}` : ''}); training to ${cfg.epochs} epochs`);
    for (const line of dataLine(data, cfg)) log(line);
    const kernelNote = from && Object.keys(from.kernels).length > 0 ? 'as recorded in the checkpoint' : o.kernel;
    const tuned = o.kernel === AUTO_KERNEL && engine instanceof Trainer
      ? ` (${kernelSummary(resolvedChoices(engine))}; timings ${o.retune ? 'measured again and ' : ''}kept in ${store.where})` : '';
    const adapter = `adapter ${run.gpu.adapter.name} (${run.gpu.adapter.featureLevel}${run.gpu.adapter.isFallback ? ', fallback' : ''})`;
    log(sae ? adapter : `${adapter}, matmul kernel ${kernelNote}${tuned}`);
    log(`model ${describeModel(cfg)}, batch ${cfg.batch}, ${engine.stepsPerEpoch} steps/epoch, lr ${cfg.optimizer.lr}${cfg.schedule.kind === 'constant' ? ' (constant)' : ''}`);
    for (const note of engine.notes) log(`note: ${note}`);
    const started = performance.now();
    const writeMetrics = async () => {
      if (!o.metrics) return;
      // Numbered from 1 in the file, as the epoch lines print them ("epoch 1/10" is `epoch: 1`).
      const epochs = run.history.map(({ steps: _steps, ...row }: EpochRow) => metricsRow(row));
      await writeOutput(outs.get('--metrics')!, JSON.stringify({ config: cfg, adapter: run.gpu.adapter, data: { name: data.name, sha256: data.sha256 }, kernel: o.kernel,
        recovery: { divergences: run.divergences, device_faults: run.deviceFaults }, epochs }, null, 1));
    };
    const progress = new ProgressLine(process.stdout.isTTY === true && !o.quiet);
    try {
      while (!run.done && !run.stopRequested) {
        const result = await run.chunk();
        if (!result) { progress.show(run, cfg.epochs); continue; }
        progress.clear();
        log(epochLine(result.row, cfg));
        await writeMetrics();
        if (o.save && o.checkpointEvery > 0 && run.good.epoch % o.checkpointEvery === 0 && run.good.epoch < cfg.epochs) {
          log(`checkpoint ${await save(run.good)} (epoch ${run.good.epoch})`);
        }
      }
      progress.clear();
    } catch (e) {
      progress.clear();
      // Keep the last good state: a diverged or failed run still leaves a checkpoint to resume from.
      if (o.save && run.good.epoch > startEpoch) console.error(`saved the last good state (epoch ${run.good.epoch}) to ${await save(run.good)}`);
      throw e;
    }
    if (run.stopRequested && !run.done) {
      const out = o.save ? outs.get('--save')! : checkOutputs([{ flag: '--save', path: interruptedPath(run.good.epoch) }], []).get('--save')!;
      const path = await writeCheckpointSafely(out, await checkpoint(run.good), (l) => console.error(l));
      console.error(`${signal ?? 'stopped'}: saved the state after epoch ${run.good.epoch} (step ${run.good.globalStep}) to ${path}; ` +
        `continue with: npm run train -- --resume ${path}${o.data !== 'default' ? ` --data ${o.data}` : ''}`);
      return signal === 'SIGTERM' ? 143 : 130;
    }
    const last = run.history[run.history.length - 1];
    console.log(`done: ${plural(cfg.epochs, 'epoch')} in ${((performance.now() - started) / 1000).toFixed(1)} s, final test MSE ${last.test_mse.toFixed(5)}`);
    // The checkpoint first: a picture that fails to render or write never costs the model.
    const good = run.good;
    const pictures = o.recon || o.features ? trainerPictures(run.trainer) : null; // the last evaluation's final test batch
    const jobs = [...(o.save ? [{ out: outs.get('--save')!, produce: () => checkpoint(good), checkpoint: true }] : []),
      ...(o.exportSaelens && sae ? saelensJobs(sae, good, data.name, outs) : []),
      ...(o.exportActivations ? activationJobs(run.trainer, layer!, outs) : []),
      ...([['--recon', 'recon'], ['--features', 'features']] as const).filter(([flag]) => outs.has(flag)).map(([flag, key]) => {
        let size = '';
        const produce = async () => {
          const img = scaleGray((await pictures!)[key], o.scale);
          size = `${img.width}x${img.height}, ×${o.scale}`;
          return encodeGrayPng(img);
        };
        return { out: outs.get(flag)!, produce, detail: () => size };
      })];
    pictures?.catch(() => {}); // its failure is reported by the job that needs it
    const failures = await writeOutputs(jobs, (l) => console.log(l));
    if (failures.length > 0) throw new Error(`some outputs were not written:\n  ${failures.join('\n  ')}`);
    return 0;
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
    main(opts).then((code) => process.exit(code), (e) => {
      console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    });
  }
}
