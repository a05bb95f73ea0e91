// A long sweep trained in parts (`--only A-B`, each part short enough to hold the shared machine's lock for a few
// minutes) and merged back into one result (`--merge DIR,DIR…`): the parts' runs in order, their PNG grids copied.
import { copyFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Experiment } from '../experiments/definitions.ts';
import type { ExperimentResult } from '../experiments/runner.ts';

/** `--only A-B` (1-based, inclusive) as the runner's first index and count, checked against the sweep's size. */
export function parseOnly(raw: string, exp: Experiment): { first: number; count: number } {
  const m = raw.match(/^(\d+)-(\d+)$/);
  const [a, b] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!(a >= 1 && b >= a && b <= exp.runs.length)) {
    throw new Error(`--only ${JSON.stringify(raw)}: must be A-B with 1 ≤ A ≤ B ≤ ${exp.runs.length} (the configurations of ${exp.name})`);
  }
  return { first: a - 1, count: b - a + 1 };
}

export function readResult(dir: string, exp: Experiment): ExperimentResult {
  const file = join(dir, 'results.json');
  if (!existsSync(file)) throw new Error(`${file} does not exist; run the experiment (or its part) into ${dir} first`);
  const r = JSON.parse(readFileSync(file, 'utf8')) as ExperimentResult;
  if (r.experiment !== exp.name) throw new Error(`${file} holds the experiment ${r.experiment}, not ${exp.name}`);
  return r;
}

/** The parts in `dirs` as one result (they must share data, epochs, seed and kernel, and not repeat a run); their
 * grids are copied into `out`. The wall time is the parts' sum; the commit lists each distinct one. */
export function mergeParts(exp: Experiment, dirs: string[], out: string): ExperimentResult {
  const parts = dirs.map((d) => readResult(d, exp));
  const [head] = parts;
  for (const [i, p] of parts.entries()) {
    for (const k of ['epochs', 'seed', 'kernel'] as const) {
      if (p[k] !== head[k]) throw new Error(`--merge: ${dirs[i]} has ${k} ${p[k]}, ${dirs[0]} has ${head[k]}`);
    }
    if (p.data.sha256 !== head.data.sha256) throw new Error(`--merge: ${dirs[i]} ran on other data (${p.data.name}) than ${dirs[0]} (${head.data.name})`);
  }
  const runs = parts.flatMap((p) => p.runs);
  const labels = runs.map((r) => r.label);
  const twice = labels.find((l, i) => labels.indexOf(l) !== i);
  if (twice) throw new Error(`--merge: the run ${JSON.stringify(twice)} is in more than one part`);
  runs.sort((a, b) => exp.runs.findIndex((s) => s.label === a.label) - exp.runs.findIndex((s) => s.label === b.label));
  for (const d of dirs) for (const f of readdirSync(d)) if (f.endsWith('.png') && f.startsWith(`${exp.name}-`)) copyFileSync(join(d, f), join(out, f));
  return { ...head, runs, commit: [...new Set(parts.map((p) => p.commit))].join(' + '),
    wall_s: parts.reduce((s, p) => s + (p.wall_s ?? NaN), 0), baselines: undefined };
}
