// The lil-gui panel: bound to one plain config object (PanelConfig) and one stats object it listens to. It only
// reports what changed and which button was pressed; the app turns that into session commands.
import GUI, { type Controller } from 'lil-gui';
import { PRESET_NAMES } from '../model/presets.ts';
import { hasDropout } from '../model/recipe.ts';
import { AUTO_KERNEL } from '../train/autotune.ts';
import { MATMUL_VARIANTS } from '../train/kernels.ts';
import { CORRUPTION_KINDS, LOSS_KINDS, OPTIMIZER_KINDS, SPARSITY_KINDS } from '../model/validate.ts';
import { CUSTOM, PANEL_PRESETS, type PanelConfig } from './panel-config.ts';
import type { RunState } from './session.ts';

/** Read-only figures the panel shows (strings, already formatted). */
export interface Stats { state: string; epoch: string; step: string; throughput: string; eta: string; loss: string; test: string; lr: string; data: string }

export interface PanelActions {
  start(): void; pause(): void; stepEpoch(): void; reset(): void; saveCheckpoint(): void; loadCheckpoint(): void;
  useDigits(): void; loadIdx(): void; profile(): void; copyLink(): void; remember(): void; recall(): void;
}

/** Learned-feature views (model-views.ts): unit j's contribution over the all-inactive code, over the mean code, or
 * the raw one-hot decoding. */
export const FEATURE_VIEWS = ['unit on − all inactive', 'unit on − mean code', 'raw decoder(e_j)'] as const;
export interface ViewOptions { smoothing: number; features: (typeof FEATURE_VIEWS)[number] }
export interface DeviceOptions { kernel: string }

const PRESET_KEY = 'webgpu-autoencoder.panel-settings';
type Field = keyof PanelConfig;

export class Panel {
  readonly gui: GUI;
  private readonly fields = new Map<Field, Controller>();
  private readonly buttons = new Map<keyof PanelActions, Controller>();
  private readonly configFolders: GUI[] = [];
  private kernelField: Controller | null = null;

  constructor(readonly config: PanelConfig, stats: Stats, actions: PanelActions, view: ViewOptions, device: DeviceOptions,
    onChange: (key: Field) => void, onView: () => void, onDevice: () => void) {
    const gui = new GUI({ title: 'webgpu-autoencoder' });
    this.gui = gui;
    gui.domElement.classList.add('panel');
    const run = gui.addFolder('run');
    const button = (folder: GUI, key: keyof PanelActions, label: string) => {
      const c = folder.add(actions, key).name(label);
      c.domElement.dataset.action = key;
      this.buttons.set(key, c);
    };
    button(run, 'start', 'start');
    button(run, 'pause', 'pause');
    button(run, 'stepEpoch', 'step one epoch');
    button(run, 'reset', 'reset (new weights)');
    button(run, 'saveCheckpoint', 'save checkpoint (.safetensors)');
    button(run, 'loadCheckpoint', 'load checkpoint…');

    const s = gui.addFolder('stats');
    const stat = (key: keyof Stats, label: string) => {
      const c = s.add(stats, key).name(label).disable().listen();
      c.domElement.dataset.stat = key;
    };
    stat('state', 'state');
    stat('epoch', 'epoch');
    stat('step', 'step');
    stat('throughput', 'samples/s');
    stat('eta', 'ETA');
    stat('loss', 'loss (last step)');
    stat('test', 'test error');
    stat('lr', 'lr (GPU record)');

    const folder = (title: string) => {
      const f = gui.addFolder(title);
      this.configFolders.push(f);
      return f;
    };
    const field = (f: GUI, key: Field, label: string, options?: readonly string[]) => {
      const c = options ? f.add(config, key, options as string[]) : f.add(config, key);
      c.name(label);
      c.domElement.dataset.key = key;
      this.fields.set(key, c);
    };
    const model = folder('model');
    field(model, 'preset', 'preset', PANEL_PRESETS);
    field(model, 'hidden', 'hidden width H');
    field(model, 'latent', 'code size Z');
    field(model, 'dropout', 'dropout p');
    const objective = folder('objective');
    field(objective, 'loss', 'reconstruction loss', LOSS_KINDS);
    field(objective, 'sparsity', 'sparsity', SPARSITY_KINDS);
    field(objective, 'weight', 'sparsity weight β / λ');
    field(objective, 'rho', 'ρ (KL target activity)');
    field(objective, 'contractive', 'contractive λ');
    const corruption = folder('corruption');
    field(corruption, 'corruption', 'kind', CORRUPTION_KINDS);
    field(corruption, 'level', 'level (σ, p or side)');
    const optimiser = folder('optimiser & schedule');
    field(optimiser, 'optimizer', 'optimiser', OPTIMIZER_KINDS);
    field(optimiser, 'lr', 'η0 (learning rate)');
    field(optimiser, 'momentum', 'momentum (SGD)');
    field(optimiser, 'T', 'cosine period T (epochs)');
    field(optimiser, 'perStep', 'decay every step');
    field(optimiser, 'warmup', 'warm-up epochs');
    field(optimiser, 'batch', 'batch');
    field(optimiser, 'epochs', 'epochs');
    field(optimiser, 'seed', 'seed');
    field(optimiser, 'shuffle', 'shuffle');

    const data = gui.addFolder('data');
    data.add(stats, 'data').name('training on').disable().listen().domElement.dataset.stat = 'data';
    button(data, 'useDigits', 'embedded digits');
    button(data, 'loadIdx', 'load IDX files… (or drop them)');

    const views = gui.addFolder('views');
    views.add(view, 'smoothing', 0, 0.99, 0.01).name('curve smoothing').onChange(onView);
    views.add(view, 'features', FEATURE_VIEWS).name('features').onChange(onView).domElement.dataset.view = 'features';
    button(views, 'profile', 'time GPU kernels');
    const kernels = views.add(device, 'kernel', [AUTO_KERNEL, ...Object.keys(MATMUL_VARIANTS)]).name('matmul kernels').onFinishChange(onDevice);
    kernels.domElement.dataset.device = 'kernel';
    this.kernelField = kernels;

    const settings = gui.addFolder('settings');
    button(settings, 'copyLink', 'copy link to these settings');
    button(settings, 'remember', 'remember settings (this browser)');
    button(settings, 'recall', 'recall remembered settings');
    settings.close();

    gui.onFinishChange((e) => { if (e.object === config) onChange(e.property as Field); });
    this.refresh();
  }

  /** Show the config object's current values and enable only the fields that apply to them. */
  refresh(): void {
    for (const c of this.fields.values()) c.updateDisplay();
    const c = this.config;
    const custom = c.preset === CUSTOM;
    this.enable('hidden', !custom);
    this.enable('latent', !custom);
    this.enable('dropout', !custom && hasDropout(c.preset as (typeof PRESET_NAMES)[number]));
    this.enable('weight', c.sparsity !== 'none');
    this.enable('rho', c.sparsity === 'kl');
    this.enable('level', c.corruption !== 'none');
    this.enable('momentum', c.optimizer === 'sgd');
  }

  private enable(key: Field, on: boolean): void {
    this.fields.get(key)!.enable(on);
  }

  /** Show the matmul choice in use (after a rejected change, the one still running). */
  showDevice(): void {
    this.kernelField?.updateDisplay();
  }

  setRunState(s: RunState, hasModel: boolean, hasTimestamps: boolean): void {
    const running = s === 'running';
    this.buttons.get('start')!.enable(hasModel && !running && s !== 'finished');
    this.buttons.get('stepEpoch')!.enable(hasModel && !running && s !== 'finished');
    this.buttons.get('pause')!.enable(running);
    this.buttons.get('saveCheckpoint')!.enable(hasModel);
    this.buttons.get('profile')!.enable(hasModel && hasTimestamps);
  }

  /** lil-gui's own preset format (gui.save()) for the config folders only, kept in localStorage. */
  rememberSettings(): void {
    const saved = { controllers: {}, folders: Object.fromEntries(this.configFolders.map((f) => [f._title, f.save()])) };
    localStorage.setItem(PRESET_KEY, JSON.stringify(saved));
  }

  /** Load remembered settings through gui.load (which fires the usual change events); false if none are kept. */
  recallSettings(): boolean {
    const saved = localStorage.getItem(PRESET_KEY);
    if (!saved) return false;
    this.gui.load(JSON.parse(saved) as object);
    return true;
  }
}
