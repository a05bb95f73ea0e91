// The command line's starting states: --resume (a checkpoint's config and whole TrainState, continued exactly) and
// --init (a new run from a checkpoint's weights; for an SAE also a SAELens directory or its safetensors file).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { readFileLimited } from '../io/files.ts';
import { decodeSafetensors } from '../io/safetensors.ts';
import type { TrainConfig } from '../model/config.ts';
import { plural } from '../model/describe.ts';
import { validateConfig } from '../model/validate.ts';
import { tensorPlan, weightsPlan } from '../sae/plan.ts';
import { checkpointConfig, checkpointState, decodeCheckpoint } from '../train/checkpoint.ts';
import type { RunData } from '../train/engines.ts';
import { isVectors } from '../train/engines.ts';
import { extendRun } from '../train/schedule.ts';
import type { TrainState } from '../train/state.ts';
import { stepsPerEpoch } from '../train/trainer.ts';
import { AUTO_KERNEL } from '../train/autotune.ts';
import type { CliOptions } from './args.ts';

const MAX_CHECKPOINT_BYTES = 2 ** 31;

async function readCheckpointFile(path: string, flag: string): Promise<{ bytes: Uint8Array; cfg: TrainConfig | undefined }> {
  const bytes = await readFileLimited(path, MAX_CHECKPOINT_BYTES, `--${flag}`);
  return { bytes, cfg: checkpointConfig(decodeSafetensors(bytes, path).metadata, path) };
}

/** Training steps of an epoch: an SAE takes every sample; the MLP leaves out a last batch of one (BatchNorm). */
const epochSteps = (cfg: TrainConfig, data: RunData) =>
  (isVectors(data) ? Math.ceil(data.train.rows / cfg.batch) : cfg.sae ? Math.ceil(data.train.count / cfg.batch) : stepsPerEpoch(data.train.count, cfg.batch));

/** --resume: the checkpoint's config (validated, with the new epoch goal) and its whole state. */
export async function readResume(o: CliOptions, data: RunData, log: (s: string) => void): Promise<TrainState> {
  const path = o.resume!;
  const { bytes, cfg: saved } = await readCheckpointFile(path, 'resume');
  if (!saved) throw new Error(`${path}: no config in its metadata, so the run cannot be resumed exactly; use --init to start from its weights`);
  const ck = await decodeCheckpoint(bytes, tensorPlan(saved), path, { full: true });
  if (ck.meta.dataSha256 !== data.sha256) {
    throw new Error(`${path} was trained on data with SHA-256 ${ck.meta.dataSha256?.slice(0, 16)}…, but --data ${o.data} has ${data.sha256.slice(0, 16)}…; ` +
      'resume with the same --data');
  }
  let cfg = saved;
  if (o.lrTGiven) {
    cfg = { ...cfg, schedule: { ...cfg.schedule, T: o.cfg.schedule.T } };
    log(`--lr-T ${o.cfg.schedule.T}: the cosine period changes from ${saved.schedule.T} to ${o.cfg.schedule.T} epochs (recorded in the config this run saves)`);
  }
  if (o.epochsGiven && o.lrTGiven) cfg = { ...cfg, epochs: o.cfg.epochs };
  else if (o.epochsGiven) {
    const extended = extendRun(saved, o.cfg.epochs);
    cfg = extended.cfg;
    if (extended.note) log(`--epochs ${o.cfg.epochs}: ${extended.note}`);
  }
  if (!o.epochsGiven && (o.exportActivations || o.exportSaelens)) {
    cfg = { ...cfg, epochs: ck.meta.epoch }; // an export of the checkpoint as it is
    log(`exporting the state after epoch ${ck.meta.epoch} of ${path} without training (give --epochs to train on first)`);
  } else if (cfg.epochs <= ck.meta.epoch) throw new Error(`${path} has already trained ${plural(ck.meta.epoch, 'epoch')}; give --epochs above ${ck.meta.epoch} to continue`);
  const problems = validateConfig(cfg);
  if (problems.length > 0) throw new Error(`--resume ${path} with --epochs ${cfg.epochs}:\n  ${problems.join('\n  ')}`);
  o.cfg = cfg;
  const state = checkpointState(ck, epochSteps(cfg, data));
  // A resume runs the recorded kernels (another variant sums in another order) unless a fixed --kernel was asked for.
  return o.kernel !== AUTO_KERNEL ? { ...state, kernels: {} } : state;
}

/** --init: a fresh run's position with the checkpoint's weights and running statistics. An SAE also takes a SAELens
 * directory (its sae_weights.safetensors) or that file: the same tensor names. */
export async function readInit(o: CliOptions): Promise<TrainState> {
  let path = o.init!;
  if (o.cfg.sae && isDirectory(path)) path = join(path, 'sae_weights.safetensors');
  const { bytes } = await readCheckpointFile(path, 'init');
  const { plan, finish } = weightsPlan(o.cfg, new Set(decodeSafetensors(bytes, path).tensors.keys()));
  const ck = await decodeCheckpoint(bytes, plan, path);
  finish(ck.params);
  const zeros = () => new Float32Array(ck.params.length);
  console.log(`initialised from ${path} (trained ${plural(ck.meta.epoch, 'epoch')}, ${plural(ck.meta.step, 'step')})`);
  return { params: ck.params, state: ck.state, m: zeros(), v: zeros(), epoch: 0, globalStep: 0, stepInEpoch: 0, lrScale: 1, kernels: {}, history: [] };
}

function isDirectory(path: string): boolean {
  try { return statSync(path).isDirectory(); } catch { return false; }
}
