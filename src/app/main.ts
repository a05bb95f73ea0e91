// The page: acquires WebGPU (core level, then compatibility), says which adapter runs, loads the embedded digits and
// starts the app with the settings from the URL hash (or the seed preset). Without WebGPU it says what is missing.
import './style.css';
import { acquireBrowserGpu, webgpuMissingMessage } from '../gpu/browser.ts';
import type { Gpu } from '../gpu/device.ts';
import { configFromHash } from '../model/validate.ts';
import { AUTO_KERNEL } from '../train/autotune.ts';
import type { PresetName } from '../model/presets.ts';
import { App } from './app.ts';
import { Controls } from './controls.ts';
import { ExperimentsView } from './experiments-view.ts';
import { loadDigits } from './data.ts';
import { installDropzone } from './dropzone.ts';
import { Notices } from './notices.ts';
import { presetConfig } from './panel-config.ts';

const $ = (id: string) => document.getElementById(id) as HTMLElement;

function describeGpu(gpu: Gpu): string {
  const a = gpu.adapter;
  return `${a.name} · ${a.featureLevel} feature level · ${a.isFallback ? 'software fallback adapter' : 'not a fallback adapter'} · ` +
    `timestamp queries ${gpu.hasTimestamps ? 'yes' : 'no'}`;
}

/** Uncaptured errors are shown; a lost device is the session's Run's to replace (it says so in a notice). */
function watchDevice(gpu: Gpu, app: App): void {
  gpu.device.addEventListener('uncapturederror', (e) => app.error(`WebGPU error: ${(e as GPUUncapturedErrorEvent).error.message}`));
}

async function run(gpu: Gpu): Promise<void> {
  $('adapter').textContent = describeGpu(gpu);
  const data = await loadDigits();
  const inputDim = data.train.rows * data.train.cols;
  const fallback = presetConfig('seed', inputDim);
  const app = new App(gpu, fallback, data, AUTO_KERNEL);
  watchDevice(gpu, app);
  let cfg = fallback;
  let prefer: PresetName | null = 'seed';
  if (location.hash.length > 1) {
    const link = configFromHash(location.hash, inputDim);
    if (link.problems.length > 0) app.notices.error(`The link's settings were rejected:\n${link.problems.join('\n')}\nStarting from the seed preset.`);
    else ({ config: cfg, preset: prefer } = link);
  }
  const controls = new Controls(gpu, app, prefer);
  if (prefer) controls.config.preset = prefer;
  new ExperimentsView(controls.panel.gui, app, $('experiment'));
  installDropzone((f) => void controls.loadFile(f), (files) => controls.useFiles(files));
  if (!(await controls.apply(cfg)) && cfg !== fallback) {
    app.notices.error('Starting from the seed preset instead.');
    controls.config.preset = 'seed';
    await controls.apply(fallback);
  }
  document.body.dataset.ready = 'true';
}

acquireBrowserGpu(['core', 'compatibility']).then(
  (gpu) => run(gpu).catch((e: unknown) => new Notices($('notices')).error(`The page failed to start: ${e instanceof Error ? e.message : String(e)}`)),
  (e: unknown) => {
    $('adapter').textContent = 'no WebGPU';
    const text = e instanceof Error ? e.message : webgpuMissingMessage();
    new Notices($('notices')).error(/navigator\.gpu/.test(text) ? text : `${text} The browser has WebGPU but offers no adapter: see chrome://gpu; ` +
      'on Linux start Chrome with --enable-unsafe-webgpu plus --enable-features=Vulkan (or --use-webgpu-adapter=opengles).');
  },
);
