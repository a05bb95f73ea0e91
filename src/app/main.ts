// The page: acquires WebGPU (core, then compatibility), shows the adapter, and trains the seed model on the
// embedded digits with per-epoch lines and a reconstruction strip. The full tuning panel is the app issue's work.
import { acquireBrowserGpu, webgpuMissingMessage } from '../gpu/browser.ts';
import { readBuffer } from '../gpu/readback.ts';
import type { Gpu } from '../gpu/device.ts';
import { IDX_FILE_NAMES, splitFromIdxFiles, type IdxRole, type NamedBytes } from '../data/dataset.ts';
import { defaultTrainConfig } from '../model/config.ts';
import { pad4 } from '../model/plan.ts';
import { Trainer } from '../train/trainer.ts';
import { epochLine, stepFlops } from '../cli/report.ts';

const digitUrls = import.meta.glob('../../data/digits/*.gz', { query: '?url', import: 'default', eager: true }) as Record<string, string>;
const $ = (id: string) => document.getElementById(id) as HTMLElement;

function drawStrip(canvas: HTMLCanvasElement, input: Float32Array, output: Float32Array, count: number): void {
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(28 * count, 56);
  const stride = pad4(784);
  for (let s = 0; s < count; s++) {
    for (let p = 0; p < 784; p++) {
      const x = s * 28 + (p % 28);
      for (const [row0, src] of [[0, input], [28, output]] as const) {
        const at = ((row0 + Math.floor(p / 28)) * 28 * count + x) * 4;
        const v = Math.round(Math.min(1, Math.max(0, src[s * stride + p])) * 255);
        img.data.set([v, v, v, 255], at);
      }
    }
  }
  ctx.putImageData(img, 0, 0);
}

/** The embedded digits, fetched file by file (built asset names carry content hashes). */
async function loadDigits() {
  const files = {} as Record<IdxRole, NamedBytes>;
  for (const role of Object.keys(IDX_FILE_NAMES) as IdxRole[]) {
    const name = `${IDX_FILE_NAMES[role]}.gz`;
    const url = Object.entries(digitUrls).find(([path]) => path.endsWith(`/${name}`))?.[1];
    if (!url) throw new Error(`the page was built without data/digits/${name}`);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`fetching ${url} failed: HTTP ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    // A server may send .gz files with Content-Encoding: gzip, and then fetch hands over the decoded bytes.
    files[role] = { name: bytes[0] === 0x1f && bytes[1] === 0x8b ? name : IDX_FILE_NAMES[role], bytes };
  }
  return splitFromIdxFiles('digits', files);
}

async function train(gpu: Gpu): Promise<void> {
  const log = $('log');
  const button = $('start') as HTMLButtonElement;
  button.disabled = true;
  const data = await loadDigits();
  const cfg = defaultTrainConfig();
  const trainer = await Trainer.create(gpu, cfg, data);
  const flops = stepFlops(trainer.plan);
  log.textContent = `data: ${data.train.count} train / ${data.test.count} test digits; ${trainer.stepsPerEpoch} steps per epoch\n`;
  const started = performance.now();
  for (let e = 0; e < cfg.epochs; e++) {
    const { metrics, trainSeconds } = await trainer.runEpoch(1, (s) => { $('progress').textContent = `epoch ${e + 1}: step ${s}/${trainer.stepsPerEpoch}`; });
    const m = await metrics;
    const sps = m.samples / trainSeconds;
    log.textContent += epochLine({ ...m, samples_per_s: sps, gflops: (sps * flops) / 1e9, seconds: (performance.now() - started) / 1000 }, cfg.epochs) + '\n';
    // The last evaluation batch is still in the activation buffers: show its first inputs and reconstructions.
    const n = trainer.graph.acts.length - 1;
    const [input, output] = await Promise.all([readBuffer(gpu.device, trainer.graph.acts[0]), readBuffer(gpu.device, trainer.graph.acts[n])]);
    drawStrip($('recon') as HTMLCanvasElement, new Float32Array(input), new Float32Array(output), 12);
  }
  $('progress').textContent = 'done';
  trainer.destroy();
}

acquireBrowserGpu(['core', 'compatibility']).then(
  (gpu) => {
    $('adapter').textContent = `${gpu.adapter.name} (${gpu.adapter.featureLevel}${gpu.adapter.isFallback ? ', fallback' : ''})`;
    const button = $('start') as HTMLButtonElement;
    button.disabled = false;
    button.onclick = () => train(gpu).catch((e: unknown) => { $('log').textContent += `error: ${e instanceof Error ? e.message : String(e)}\n`; });
  },
  (e: unknown) => { $('adapter').textContent = e instanceof Error ? e.message : webgpuMissingMessage(); },
);
