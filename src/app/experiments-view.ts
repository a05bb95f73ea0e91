// The page's Experiments panel: pick one of src/experiments' sweeps, run it on this page's GPU and data from the
// session's command queue (training is paused first), follow its progress, then see its table, plots and picture
// grids (with the PCA baseline where the sweep has one), and download its files (the CLI's report, with the code
// version recorded as "unknown").
import type GUI from 'lil-gui';
import { EXPERIMENT_NAMES, experiment } from '../experiments/definitions.ts';
import { buildReport, type Artifact } from '../experiments/report.ts';
import { runExperiment, type ExperimentResult } from '../experiments/runner.ts';
import type { DataSplit } from '../data/dataset.ts';
import type { BaselineReply, BaselineRequest } from './baseline-worker.ts';
import { tableCells } from '../experiments/table.ts';
import type { App } from './app.ts';
import { el } from './dom.ts';
import { formatSeconds } from './progress-view.ts';

const blobUrl = (a: Artifact) => URL.createObjectURL(new Blob([a.content as BlobPart], { type: a.name.endsWith('.png') ? 'image/png' : a.name.endsWith('.svg') ? 'image/svg+xml' : 'text/plain' }));

/** `result` with the PCA baseline its sweep asks for (the best linear code of the same size, as in the CLI's report),
 * fitted in a worker: seconds on the embedded digits, tens of seconds on 60k images, and the page stays live. */
function withBaseline(name: string, result: ExperimentResult, data: DataSplit): Promise<ExperimentResult> {
  const worker = new Worker(new URL('./baseline-worker.ts', import.meta.url), { type: 'module' });
  return new Promise<ExperimentResult>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<BaselineReply>) => {
      if ('result' in e.data) resolve(e.data.result);
      else reject(new Error(`PCA baseline: ${e.data.error}`));
    };
    worker.onerror = (e) => reject(new Error(`PCA baseline: the worker failed (${e.message || 'it did not start'})`));
    worker.postMessage({ name, result, data } satisfies BaselineRequest);
  }).finally(() => worker.terminate());
}

export class ExperimentsView {
  readonly options = { experiment: EXPERIMENT_NAMES[0], epochs: experiment(EXPERIMENT_NAMES[0]).epochs }; // the sweep's own (seed 001)
  readonly status = { progress: '–' };
  private running = false;

  constructor(gui: GUI, private readonly app: App, private readonly out: HTMLElement) {
    const f = gui.addFolder('experiments');
    const name = f.add(this.options, 'experiment', EXPERIMENT_NAMES).name('experiment');
    const epochs = f.add(this.options, 'epochs', 1, 100, 1).name('epochs per run');
    name.onChange(() => { this.options.epochs = experiment(this.options.experiment).epochs; epochs.updateDisplay(); }); // each sweep's default
    name.domElement.dataset.key = 'experiment';
    epochs.domElement.dataset.key = 'experimentEpochs';
    f.add(this, 'run').name('run experiment (pauses training)').domElement.dataset.action = 'runExperiment';
    f.add(this.status, 'progress').name('progress').disable().listen().domElement.dataset.stat = 'experiment';
    f.close();
  }

  async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const exp = experiment(this.options.experiment);
    const { session } = this.app;
    try {
      await session.pause();
      this.status.progress = `${exp.name}: starting`;
      const t0 = performance.now();
      // ETA from the epochs finished so far (every run trains the same number of epochs; runs of one shape train
      // together as one batch, so epochs finish in any order of runs).
      let done = 0;
      const eta = (runs: number, epochs: number) => {
        const left = ((performance.now() - t0) / 1000 / Math.max(1, done)) * (runs * epochs - done);
        return done > 0 ? ` · ETA ${formatSeconds(left)}` : '';
      };
      let data = session.data; // the data the sweep runs on, for the PCA baseline below
      const { result: trained, pictures } = await session.command(() => runExperiment(session.gpu, data = session.data, exp, { epochs: this.options.epochs, // session.gpu: replaced if the device is lost
        onProgress: ({ run, runs, label, epoch, epochs, done: finished }) => {
          if (!finished) done++;
          this.status.progress = `run ${run + 1}/${runs} ${label}: epoch ${epoch}/${epochs}${eta(runs, epochs)}`;
        } }));
      if (exp.pca) this.status.progress = `${exp.name}: PCA baseline`;
      const result = exp.pca ? await withBaseline(exp.name, trained, data) : trained;
      this.status.progress = `${exp.name}: done`;
      this.show(exp.title, tableCells(exp, result), buildReport(exp, result, pictures));
      // The results appear below the charts, far from the panel: bring them to the user.
      this.app.notices.notice(`Experiment ${exp.name} finished in ${formatSeconds((performance.now() - t0) / 1000)}: its table, plots and grids are in the Experiment card.`);
      this.out.scrollIntoView({ behavior: 'smooth', block: 'start' });
      this.out.focus({ preventScroll: true });
    } catch (e) {
      this.status.progress = `${exp.name}: failed`;
      this.app.error(`The experiment ${exp.name} failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.running = false;
    }
  }

  private show(title: string, cells: { head: string[]; rows: string[][] }, report: ReturnType<typeof buildReport>): void {
    const table = el('table', { className: 'experiment-table' },
      el('tr', {}, ...cells.head.map((h) => el('th', {}, h))), ...cells.rows.map((r) => el('tr', {}, ...r.map((c) => el('td', {}, c)))));
    const plots = report.plots.map((a) => el('figure', {}, el('img', { src: blobUrl(a), alt: a.title })));
    const grids = report.pictures.map((a) => el('figure', {}, el('figcaption', { className: 'caption' }, a.title),
      el('img', { src: blobUrl(a), alt: a.title, className: 'pixels' })));
    const links = report.files.map((a) => el('a', { href: blobUrl(a), download: a.name }, a.name));
    this.out.replaceChildren(el('h2', {}, `experiment: ${title}`), table, ...plots, ...grids, el('p', { className: 'caption' }, 'files: ', ...links.flatMap((l) => [l, ' '])));
    this.out.hidden = false;
  }
}
