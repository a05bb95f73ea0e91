// What the panel's changes and buttons do: config changes are validated (validateConfig), coalesced and handed to
// the session, which applies them between steps; a rejected value is reported and the panel shows the active
// config again. Also the URL hash, checkpoints, data files and the kernel timer.
import type { Gpu } from '../gpu/device.ts';
import type { DataSplit } from '../data/dataset.ts';
import type { TrainConfig } from '../model/config.ts';
import { configFromHash, hashFromConfig, validateConfig } from '../model/validate.ts';
import type { PresetName } from '../model/presets.ts';
import type { App } from './app.ts';
import type { RunState } from './session.ts';
import { download, loadCheckpoint, saveCheckpoint } from './checkpoint-io.ts';
import { describeData, loadDigits, splitFromFiles } from './data.ts';
import { widthsText } from './describe.ts';
import { showKernelMessage, showKernelTimes } from './kernels-view.ts';
import { CUSTOM, configFromPanel, panelFromConfig, presetConfig, type PanelConfig } from './panel-config.ts';
import { Panel, type DeviceOptions, type PanelActions } from './panel.ts';
import { NO_TIMESTAMPS, profileKernels } from './profile.ts';
import { KernelCache } from '../gpu/kernels.ts';
import { buildPlan } from '../model/plan.ts';
import { AUTO_KERNEL, tuneMatmuls } from '../train/autotune.ts';
import { Busy } from './busy.ts';
import { confirmDiscard } from './confirm.ts';
import { Toolbar } from './toolbar.ts';

const pairs = (cfg: TrainConfig, prefer?: PresetName) => new Map(hashFromConfig(cfg, prefer).split('&').map((p) => p.split('=') as [string, string]));

/** "lr 0.001 → 0.01, batch 256 → 128": the settings that differ, in hash terms. */
export function describeChange(before: TrainConfig, after: TrainConfig): string {
  const a = pairs(before);
  const b = pairs(after);
  return [...b].filter(([k, v]) => a.get(k) !== v).map(([k, v]) => `${k} ${decodeURIComponent(a.get(k) ?? '–')} → ${decodeURIComponent(v)}`).join(', ');
}

/** Different parameter tensors (names or shapes): applying `b` after `a` starts from new weights. */
export function discardsWeights(a: TrainConfig, b: TrainConfig): boolean {
  const shapes = (c: TrainConfig) => JSON.stringify(buildPlan(c.model).params.map((t) => [t.name, t.shape]));
  return shapes(a) !== shapes(b);
}

export class Controls implements PanelActions {
  readonly config: PanelConfig;
  readonly panel: Panel;
  readonly device: DeviceOptions;
  readonly toolbar: Toolbar;
  readonly busy = new Busy(document.getElementById('busy')!);
  private pending = false;
  private readonly idxInput = document.getElementById('idx-files') as HTMLInputElement;
  private readonly checkpointInput = document.getElementById('checkpoint-file') as HTMLInputElement;

  constructor(private readonly gpu: Gpu, private readonly app: App, prefer: PresetName | null) {
    this.config = panelFromConfig(app.session.cfg, prefer ?? undefined);
    this.device = { kernel: app.session.kernel };
    this.panel = new Panel(this.config, app.stats, this, app.view, this.device, (key) => this.changed(key), () => app.redrawViews(), () => this.kernelChanged());
    this.toolbar = new Toolbar(this);
    app.onState = (s) => this.showRunState(s);
    app.onBuilt = () => this.showActive();
    this.showRunState('idle');
    this.idxInput.onchange = () => { this.useFiles([...(this.idxInput.files ?? [])]); this.idxInput.value = ''; };
    this.checkpointInput.onchange = () => { const f = this.checkpointInput.files?.[0]; if (f) this.loadFile(f); this.checkpointInput.value = ''; };
    window.addEventListener('hashchange', () => this.applyHash(location.hash));
    if (!gpu.hasTimestamps) showKernelMessage(document.getElementById('kernels')!, NO_TIMESTAMPS);
  }

  private get inputDim(): number {
    const d = this.app.session.data;
    return d.train.rows * d.train.cols;
  }

  private showRunState(s: RunState): void {
    const hasModel = this.app.session.engine !== null;
    this.panel.setRunState(s, hasModel, this.gpu.hasTimestamps);
    this.toolbar.setRunState(s, hasModel);
  }

  /** True when there is nothing trained to lose, or the user agreed to discard it. */
  private async mayDiscard(what: string): Promise<boolean> {
    const t = this.app.session.engine;
    if (!t || t.globalStep === 0) return true;
    return confirmDiscard(`${what} throws away the model trained so far (epoch ${t.epoch}, step ${t.globalStep}). ` +
      'Its settings and curves stay in the run list.');
  }

  /** With 'auto' kernels, time the matmul variants for `cfg` first (between steps) so the wait shows its progress;
   * the trainer then finds the answers cached. */
  private async tune(cfg: TrainConfig, kernel = this.app.session.kernel): Promise<void> {
    if (kernel !== AUTO_KERNEL) return;
    const s = this.app.session;
    await s.command(() => tuneMatmuls(s.gpu, new KernelCache(s.gpu), cfg, undefined, false,
      (done, total) => this.busy.show(`Tuning matmul kernels for this adapter ${done}/${total}…`, done / total)));
  }

  /** The panel shows the session's active config, and the URL carries it. */
  private showActive(): void {
    Object.assign(this.config, panelFromConfig(this.app.session.cfg, this.config.preset));
    this.panel.refresh();
    this.showRunState(this.app.session.runState);
    const preset = this.config.preset === CUSTOM ? undefined : this.config.preset;
    history.replaceState(null, '', `#${hashFromConfig(this.app.session.cfg, preset)}`);
  }

  private changed(key: keyof PanelConfig): void {
    if (key === 'preset' && this.config.preset !== CUSTOM) {
      const name = this.config.preset;
      Object.assign(this.config, panelFromConfig(presetConfig(name, this.inputDim), name));
    }
    this.panel.refresh();
    if (this.pending) return;
    this.pending = true; // gui.load() and a preset change fire many changes at once: apply them together
    queueMicrotask(() => { this.pending = false; this.applyPanel(); });
  }

  private reject(message: string): void {
    this.app.notices.error(`${message}\nKept the previous settings.`);
    this.showActive();
  }

  private applyPanel(): void {
    let cfg: TrainConfig;
    try { cfg = configFromPanel(this.config, this.app.session.cfg, this.inputDim); } catch (e) { this.reject((e as Error).message); return; }
    const problems = validateConfig(cfg);
    if (problems.length > 0) { this.reject(problems.join('\n')); return; }
    void this.applyAsking(cfg);
  }

  private async applyAsking(cfg: TrainConfig): Promise<void> {
    if (discardsWeights(this.app.session.cfg, cfg) && !(await this.mayDiscard('A new architecture'))) { this.showActive(); return; }
    await this.apply(cfg);
  }

  /** Hand a valid config to the session and report what it did; the engine's own refusals are shown too. */
  async apply(cfg: TrainConfig): Promise<boolean> {
    const before = this.app.session.cfg;
    const hadModel = this.app.session.engine !== null;
    try {
      const outcome = await this.busy.during('Building the model…', async () => {
        await this.tune(cfg);
        return this.app.session.applyConfig(cfg);
      });
      if (outcome === 'rebuilt' && hadModel) {
        const [a, b] = [widthsText(before.model), widthsText(cfg.model)];
        this.app.notices.notice(`Architecture changed (${a !== b ? `${a} → ${b}` : 'new layer list'}): the model was rebuilt with new weights; press start.`);
      } else if (outcome === 'continued' || outcome === 'epochs') {
        const t = this.app.session.engine!;
        this.app.notices.notice(`Applied at step ${t.globalStep}: ${describeChange(before, cfg)}; training continues from the current weights.`);
      }
      this.showActive();
      return true;
    } catch (e) {
      this.reject(`This configuration was not applied: ${(e as Error).message}`);
      return false;
    }
  }

  private kernelChanged(): void {
    const kernel = this.device.kernel;
    this.busy.during('Building the model…', () => this.tune(this.app.session.cfg, kernel).then(() => this.app.session.setKernel(kernel))).then(() => this.app.notices.notice(`Matmul kernels: ${kernel}; training continues from the current weights.`),
      (e: Error) => {
        this.app.error(`Matmul kernels ${kernel} were not applied: ${e.message}`);
        this.device.kernel = this.app.session.kernel;
        this.panel.showDevice();
      });
  }

  applyHash(hash: string): void {
    const { config, problems, preset } = configFromHash(hash, this.inputDim);
    if (problems.length > 0) { this.app.notices.error(`The link's settings were rejected:\n${problems.join('\n')}`); this.showActive(); return; }
    if (preset) this.config.preset = preset;
    void this.applyAsking(config);
  }

  start(): void { this.app.session.start().catch((e: Error) => this.app.error(e.message)); }
  pause(): void { this.app.session.pause().catch((e: Error) => this.app.error(e.message)); }
  stepEpoch(): void { this.app.session.stepEpoch().catch((e: Error) => this.app.error(e.message)); }
  reset(): void { void this.resetAsking(); }

  private async resetAsking(): Promise<void> {
    if (!(await this.mayDiscard('Reset'))) return;
    await this.app.session.reset().then(() => this.app.notices.notice('Reset: new weights from the seed; the curves start over.'), (e: Error) => this.app.error(e.message));
  }

  saveCheckpoint(): void {
    saveCheckpoint(this.app.session).then(({ bytes, name }) => {
      download(bytes, name);
      this.app.notices.notice(`Saved ${name} (${(bytes.length / 1e6).toFixed(2)} MB).`);
    }, (e: Error) => this.app.error(`Saving failed: ${e.message}`));
  }

  loadCheckpoint(): void { this.checkpointInput.click(); }

  async loadFile(file: File): Promise<void> {
    try {
      const { notes } = await loadCheckpoint(this.app.session, new Uint8Array(await file.arrayBuffer()), file.name);
      const t = this.app.session.engine!;
      this.app.notices.notice(`Loaded ${file.name}: epoch ${t.epoch}, step ${t.globalStep}${notes.length ? `; ${notes.join('; ')}` : ''}.`);
    } catch (e) {
      this.app.error(`Could not load ${file.name}: ${(e as Error).message}\nThe current model is unchanged.`);
    }
  }

  loadIdx(): void { this.idxInput.click(); }
  useDigits(): void { void this.useData(loadDigits()); }
  useFiles(files: File[]): void { void this.useData(splitFromFiles(files)); }

  /** Train on other data: a fresh model (with the panel's settings, sized for the images) once the files check out. */
  private async useData(loading: Promise<DataSplit>): Promise<void> {
    try {
      const data = await loading;
      if (!(await this.mayDiscard('New training data'))) return;
      const cfg = configFromPanel(this.config, this.app.session.cfg, data.train.rows * data.train.cols);
      await this.app.session.command(() => this.app.session.install(cfg, data, null));
      this.app.notices.notice(`Training data: ${describeData(data)}; the model was rebuilt with new weights.`);
    } catch (e) {
      this.app.error(`${(e as Error).message}\nThe data and the model are unchanged.`);
    }
  }

  profile(): void {
    const root = document.getElementById('kernels')!;
    showKernelMessage(root, 'timing every dispatch of one step…');
    const s = this.app.session;
    s.command(() => profileKernels(s.gpu, s.cfg, s.data, s.kernel)).then((p) => {
      const rate = s.progress().samplesPerSec;
      showKernelTimes(root, p, rate > 0 ? (s.cfg.batch / rate) * 1000 : null);
    }, (e: Error) => { showKernelMessage(root, `timing failed: ${e.message}`); this.app.error(`Kernel timing failed: ${e.message}`); });
  }

  copyLink(): void {
    navigator.clipboard.writeText(location.href).then(() => this.app.notices.notice('Link copied.'),
      () => this.app.notices.notice(`Copy this link: ${location.href}`));
  }

  remember(): void {
    this.panel.rememberSettings();
    this.app.notices.notice('Settings remembered in this browser (lil-gui preset).');
  }

  recall(): void {
    if (!this.panel.recallSettings()) this.app.notices.notice('No settings remembered yet.');
  }
}
