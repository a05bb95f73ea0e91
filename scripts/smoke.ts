import { acquireNodeGpu } from '/work/main/src/gpu/node.ts';
import { loadData } from '/work/main/src/data/node.ts';
import { defaultTrainConfig } from '/work/main/src/model/config.ts';
import { Trainer, limitsFor } from '/work/main/src/train/trainer.ts';
const cfg = defaultTrainConfig();
cfg.epochs = Number(process.argv[2] ?? 2);
const data = await loadData(process.argv[3] ?? 'default');
const gpu = await acquireNodeGpu('llvmpipe', limitsFor(cfg, data));
gpu.device.addEventListener('uncapturederror', (e: any) => console.error('GPU error', e.error.message));
const tr = await Trainer.create(gpu, cfg, data, process.argv[4] ?? 'rb8x8');
for (let e = 0; e < cfg.epochs; e++) {
  const { metrics, trainSeconds } = await tr.runEpoch();
  const m = await metrics;
  console.log(e, m.lr.toExponential(3), m.loss.toFixed(5), m.mse.toFixed(5), m.kl.toFixed(4), 'test', m.test_mse.toFixed(5), 'act', m.mean_activity.toFixed(3), (m.samples / trainSeconds).toFixed(0), 'samples/s', m.steps.slice(0,3).map(s=>s.loss.toFixed(4)).join(','));
}
tr.destroy(); gpu.release();
