import { defaultTrainConfig, seedModel } from './src/model/config.ts';
import { buildPlan } from './src/model/plan.ts';
import { initBuffers, initParams } from './src/model/init.ts';
import { decodeCheckpoint, encodeCheckpoint } from './src/train/checkpoint.ts';
import { preset } from './src/model/presets.ts';
const cfg = defaultTrainConfig(seedModel(32, 8));
const plan = buildPlan(cfg.model);
const b = await encodeCheckpoint(plan, cfg, { params: initParams(plan, 1), state: initBuffers(plan), m: null, v: null, step: 1, epoch: 1 }, 'x');
for (const other of [defaultTrainConfig(seedModel(64, 8)), preset('ae')]) {
  try { await decodeCheckpoint(b, buildPlan(other.model), 'a.safetensors'); } catch (e) { console.log((e as Error).message); }
}
