// The Experiments panel's PCA baseline off the page's main thread: a one-shot module worker that fits PCA on the
// sweep's training images (a 784×784 eigendecomposition, seconds to tens of seconds) and posts the result back with
// the baseline attached, as the CLI's report has it (src/experiments/baselines.ts).
import type { DataSplit } from '../data/dataset.ts';
import { attachBaselines } from '../experiments/baselines.ts';
import { experiment } from '../experiments/definitions.ts';
import type { ExperimentResult } from '../experiments/runner.ts';

export interface BaselineRequest { name: string; result: ExperimentResult; data: DataSplit }
export type BaselineReply = { result: ExperimentResult } | { error: string };

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<BaselineRequest>) => void) | null;
  postMessage(message: BaselineReply): void;
};
scope.onmessage = (e) => {
  const { name, result, data } = e.data;
  try {
    attachBaselines(experiment(name), result, data);
    scope.postMessage({ result });
  } catch (err) {
    scope.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
};
