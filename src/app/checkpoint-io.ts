// Checkpoints in the page: save the session's trainer as a safetensors download (the CLI's format: PyTorch names,
// optimiser state, config and position in the metadata) and load one back, bit for bit, between steps.
import { decodeSafetensors } from '../io/safetensors.ts';
import type { TrainConfig } from '../model/config.ts';
import { buildPlan } from '../model/plan.ts';
import { checkpointConfig, checkpointState, decodeCheckpoint, encodeCheckpoint } from '../train/checkpoint.ts';
import { stepsPerEpoch } from '../train/trainer.ts';
import type { Session } from './session.ts';

export async function saveCheckpoint(session: Session): Promise<{ bytes: Uint8Array; name: string }> {
  const s = await session.capture(); // the whole TrainState: lr scale, kernels and history included
  const bytes = await encodeCheckpoint(buildPlan(session.cfg.model), session.cfg, s, session.data.sha256);
  return { bytes, name: `autoencoder-epoch${s.epoch}-step${s.globalStep}.safetensors` };
}

export function download(bytes: Uint8Array, name: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Replace the session's model with a checkpoint's (its config, weights, running statistics, optimiser state, position,
 * learning-rate scale, kernels and history). Everything is checked before the current model is touched; on any error
 * it keeps training as it was. */
export async function loadCheckpoint(session: Session, bytes: Uint8Array, name: string): Promise<{ cfg: TrainConfig; notes: string[] }> {
  return session.command(async () => {
    const { metadata } = decodeSafetensors(bytes, name);
    const notes: string[] = [];
    const parsed = checkpointConfig(metadata, name);
    const cfg = parsed ?? session.cfg;
    if (!parsed) notes.push('it holds no config, so the current one is kept');
    const pixels = session.data.train.rows * session.data.train.cols;
    if (cfg.model.inputDim !== pixels) throw new Error(`${name} is a model for ${cfg.model.inputDim}-pixel images, but the data has ${pixels} pixels per image`);
    const ck = await decodeCheckpoint(bytes, buildPlan(cfg.model), name);
    if (!ck.m || !ck.v) notes.push('it has no optimiser state, so the optimiser starts afresh');
    if (ck.meta.dataSha256 && ck.meta.dataSha256 !== session.data.sha256) notes.push(`it was trained on other data (SHA-256 ${ck.meta.dataSha256.slice(0, 12)}…)`);
    if (ck.meta.lrScale !== 1) notes.push(`the divergence guard had scaled its learning rate by ${ck.meta.lrScale}, which continues`);
    await session.install(cfg, session.data, checkpointState(ck, stepsPerEpoch(session.data.train.count, cfg.batch)));
    return { cfg, notes };
  });
}
