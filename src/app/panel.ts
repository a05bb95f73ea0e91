// The lil-gui panel: bound to one plain config object (PanelConfig) and one stats object it listens to. It only
// reports what changed and which button was pressed; the app turns that into session commands.
import GUI, { type Controller } from 'lil-gui';
import { rangeText } from '../model/setting-rules.ts';
import { TOPICS, presetDraft, type Setting } from '../model/settings.ts';
import { AUTO_KERNEL } from '../train/autotune.ts';
import { MATMUL_VARIANTS } from '../train/kernels.ts';
import { PANEL_PRESETS, PANEL_SETTINGS, type PanelConfig } from './panel-config.ts';
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
type Field = string; // a setting's key

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

    // One folder per topic and one field per setting with a panel label, in table order; the tooltip gives the
    // setting's help and range. lil-gui's min/max/step are not used: they clamp and round typed values silently,
    // where every door refuses an out-of-range value with the same message (validateConfig's).
    for (const topic of TOPICS) {
      const f = gui.addFolder(topic);
      this.configFolders.push(f);
      for (const s of PANEL_SETTINGS.filter((x) => x.topic === topic)) this.addField(f, s);
    }

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

  private addField(folder: GUI, s: Setting): void {
    const options = s.key === 'preset' ? PANEL_PRESETS : s.kind === 'enum' ? s.choices : undefined;
    const c = options ? folder.add(this.config, s.key, options as string[]) : folder.add(this.config, s.key);
    c.name(s.label!);
    const el = c.domElement;
    el.dataset.key = s.key;
    const needs = s.needs?.(() => undefined);
    const tip = `${s.help}; ${rangeText(s, presetDraft('seed'))}${needs ? `; only with ${needs}` : ''}`;
    el.title = tip;
    const help = document.createElement('span');
    help.id = `setting-help-${s.key}`;
    help.hidden = true; // still read as the field's description by assistive technology
    help.textContent = tip;
    el.append(help);
    for (const input of el.querySelectorAll('input, select')) {
      input.setAttribute('aria-describedby', help.id);
      // Its own name too: lil-gui's aria-labelledby label scrolls out of the panel, and a label the user cannot see
      // does not count as one (axe: label-title-only).
      input.setAttribute('aria-label', s.label!);
    }
    this.fields.set(s.key, c);
  }

  /** Show the config object's current values and enable only the fields that have an effect with them. */
  refresh(): void {
    const look = (key: string) => this.config[key];
    for (const s of PANEL_SETTINGS) {
      const c = this.fields.get(s.key)!;
      c.updateDisplay();
      c.enable(!s.needs?.(look));
    }
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
