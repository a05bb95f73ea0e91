// Verdicts of the robustness experiments: the contractive trade-off, the Gaussian noise level, the noise-type matrix,
// and the preset table.
import { all, breaks, failed, ok, pct, v, type Verdict } from './claims-util.ts';
import type { Column } from './definitions.ts';
import type { ExperimentResult, RunResult } from './runner.ts';
import { fmt } from './table.ts';

export function contractive(r: ExperimentResult): Verdict {
  const runs = ok(r).sort((a, b) => a.config.contractive - b.config.contractive);
  if (runs.length < 2) return failed;
  const j = runs.map((run) => v(run, 'jacobian_fro2'));
  const mse = runs.map((run) => v(run, 'test_mse'));
  const [lo, hi] = [runs[0], runs[runs.length - 1]];
  const knee = [...runs].reverse().find((run) => v(run, 'test_mse') <= mse[0] * 1.05)!;
  const contracts = breaks(j, -1).length === 0;
  const costs = breaks(mse, 1).length === 0;
  return { agreement: all([contracts, costs]), points: [
    `‖J‖²_F ${fmt(j[0])} at ${lo.label} → ${fmt(j[j.length - 1])} at ${hi.label} (${(j[0] / j[j.length - 1]).toFixed(1)}× lower; ` +
      `${contracts ? 'falls at every step' : 'not monotone'})`,
    `test MSE ${fmt(mse[0])} → ${fmt(mse[mse.length - 1])} (${pct(mse[mse.length - 1], mse[0])}; ${costs ? 'rises at every step' : 'not monotone'})`,
    `the price of each step of λ: ${runs.slice(1).map((run, i) => `${runs[i].label} → ${run.label} ‖J‖²_F ÷${(j[i] / j[i + 1]).toFixed(1)} ` +
      `for ${pct(mse[i + 1], mse[i])} test MSE`).join('; ')}`,
    knee === lo
      ? `no λ above ${lo.label} keeps the test MSE within 5% of its ${fmt(mse[0])}`
      : `the largest λ within 5% of ${lo.label}'s test MSE is ${knee.label} (‖J‖²_F ${fmt(v(knee, 'jacobian_fro2'))}, ` +
        `${(j[0] / v(knee, 'jacobian_fro2')).toFixed(1)}× below ${lo.label}, for ${pct(v(knee, 'test_mse'), mse[0])} MSE)`,
  ] };
}

/** For a noisy→clean matrix (rows: runs, columns: evaluations), the best run per column. */
const bestPerColumn = (runs: RunResult[], cols: Column[]) => cols.map((c) => runs.reduce((b, run) => (v(run, c) < v(b, c) ? run : b)));

export function noiseLevel(r: ExperimentResult): Verdict {
  const runs = ok(r);
  const plain = runs.find((run) => run.config.corruption.kind === 'none');
  const dae = runs.filter((run) => run.config.corruption.kind === 'gaussian');
  if (!plain || dae.length < 2) return failed;
  const col = (s: number): Column => `eval:on σ=${s}`;
  const levels = dae.map((run) => run.config.corruption.level);
  const best = bestPerColumn(runs, levels.map(col));
  const own = dae.filter((run, i) => best[i] === run).length;
  const beatPlain = dae.filter((run) => v(run, col(run.config.corruption.level)) < v(plain, col(run.config.corruption.level)));
  const [low, high] = [dae[0], dae[dae.length - 1]];
  const lowS = low.config.corruption.level;
  const mean = (run: RunResult) => levels.reduce((s, l) => s + v(run, col(l)), 0) / levels.length;
  const overall = runs.reduce((b, run) => (mean(run) < mean(b) ? run : b));
  return { agreement: beatPlain.length === dae.length ? 'agree' : beatPlain.length > 0 ? 'partly agree' : 'disagree', points: [
    `each test σ is denoised best by: ${levels.map((l, i) => `σ=${l} → ${best[i].label}`).join(', ')} (${own} of ${levels.length} by the model trained on it)`,
    `${beatPlain.length} of ${dae.length} denoising models beat the plain autoencoder on their own noise level`,
    `high on low: ${high.label} on σ=${lowS} gives ${fmt(v(high, col(lowS)))}, against ${fmt(v(low, col(lowS)))} for ${low.label} and ` +
      `${fmt(v(plain, col(lowS)))} for the plain autoencoder`,
    `best over all test levels (mean noisy→clean MSE): ${overall.label} (${fmt(mean(overall))}); clean test MSE rises from ` +
      `${fmt(v(plain, 'test_mse'))} (plain) to ${fmt(v(high, 'test_mse'))} (${high.label})`,
  ] };
}

export function noiseRobustness(r: ExperimentResult): Verdict {
  const runs = ok(r);
  const cols = Object.keys(runs[0]?.evals ?? {}).map((k): Column => `eval:${k}`);
  // Run "trained on X" belongs to column "on X"; a sweep cut short (--only parts) judges the rows it has.
  const ownCol = (run: RunResult) => cols.find((c) => c === `eval:on ${run.label.replace(/^trained on /, '')}`);
  const owner = (c: Column) => runs.find((run) => ownCol(run) === c);
  if (runs.length < 2 || runs.some((run) => !ownCol(run))) return failed;
  const best = bestPerColumn(runs, cols);
  const own = cols.filter((c, k) => owner(c) && best[k] === owner(c)).length;
  const judged = cols.filter((c) => owner(c)).length;
  const transfer = runs.map((run) => `${run.label}: ` +
    cols.flatMap((c) => { const o = owner(c); return o && o !== run ? [`${c.slice(5)} ${pct(v(run, c), v(o, c))}`] : []; }).join(', '));
  return { agreement: own === judged ? 'agree' : own > 0 ? 'partly agree' : 'disagree', points: [
    `${own} of ${judged} corruptions are cleaned best by the model trained on them: ${cols.map((c, i) => `${c.slice(5)} → ${best[i].label}`).join('; ')}` +
      (judged < cols.length ? ` (${cols.length - judged} corruption${cols.length - judged === 1 ? ' has' : 's have'} no model of its own in this run)` : ''),
    `off-diagonal error against the matched model's, per trained model: ${transfer.join('; ')}`,
    `clean test MSE: ${runs.map((run) => `${run.label} ${fmt(v(run, 'test_mse'))}`).join(', ')}`,
  ] };
}

export function presets(r: ExperimentResult): Verdict {
  const runs = ok(r);
  const kl = runs.find((run) => run.label === 'sae-kl');
  const cae = runs.find((run) => run.label === 'cae');
  if (!kl || !cae) return failed;
  const rho = kl.config.sparsity.rho;
  const onTarget = Math.abs(v(kl, 'mean_activity') / rho - 1) <= 0.1;
  const leastSensitive = runs.every((run) => run === cae || v(run, 'jacobian_fro2') > v(cae, 'jacobian_fro2'));
  const best = runs.reduce((b, run) => (v(run, 'test_mse') < v(b, 'test_mse') ? run : b));
  return { agreement: all([onTarget, leastSensitive]), points: [
    `sae-kl's mean activity ${fmt(v(kl, 'mean_activity'))} against ρ = ${rho} (${onTarget ? 'within 10%' : 'off target'})`,
    `cae ${leastSensitive ? 'has' : 'does not have'} the lowest ‖J‖²_F (${fmt(v(cae, 'jacobian_fro2'))})`,
    `lowest test MSE: ${best.label} (${fmt(v(best, 'test_mse'))})`,
  ] };
}
