// Verdicts of the sparsity experiments: L1 and KL weight sweeps, L1 vs KL at matched sparsity.
import { all, breaks, byLabel, failed, ok, pct, v, type Verdict } from './claims-util.ts';
import type { ExperimentResult, RunResult } from './runner.ts';
import { fmt } from './table.ts';

export function sparsityWeight(r: ExperimentResult, name: string): Verdict {
  const runs = ok(r);
  const act = runs.map((run) => v(run, 'population_sparsity'));
  const mse = runs.map((run) => v(run, 'test_mse'));
  const [a, b] = [runs[0], runs[runs.length - 1]];
  const sparser = breaks(act, -1).length === 0;
  const worse = breaks(mse, 1).length === 0;
  return { agreement: all([sparser, worse]), points: [
    `active fraction ${fmt(v(a, 'population_sparsity'))} at ${a.label} → ${fmt(v(b, 'population_sparsity'))} at ${b.label}` +
      ` (${sparser ? 'falls at every step' : 'not monotone'}); mean activity ${fmt(v(a, 'mean_activity'))} → ${fmt(v(b, 'mean_activity'))}`,
    `test MSE ${fmt(v(a, 'test_mse'))} → ${fmt(v(b, 'test_mse'))} (${worse ? `rises at every step of ${name}` : 'not monotone'})`,
    `dead units (never active on the test split): ${runs.map((run) => `${run.label} ${fmt(v(run, 'dead_units'))}`).join(', ')}`,
  ] };
}

export function klWeight(r: ExperimentResult): Verdict {
  const base = sparsityWeight(r, 'β');
  const runs = ok(r);
  const rho = runs[0]?.config.sparsity.rho ?? 0.05;
  const near = runs.filter((run) => Math.abs(v(run, 'mean_activity') / rho - 1) <= 0.1);
  return { agreement: near.length > 0 ? 'agree' : 'disagree', points: [
    `mean activity against ρ = ${rho}: ${runs.map((run) => `${run.label} ${fmt(v(run, 'mean_activity'))}`).join(', ')}; ` +
      `within 10% of ρ: ${near.length ? near.map((run) => run.label).join(', ') : 'none'}`, ...base.points] };
}

/** The L1 weight whose active fraction equals `target`: log λ interpolated linearly in the active fraction between
 * the two ladder runs (sorted by λ) that bracket it, and the test MSE interpolated the same way; null if none do. */
export function matchedLambda(ladder: { lambda: number; active: number; mse: number }[], target: number): { lambda: number; mse: number } | null {
  for (let i = 0; i + 1 < ladder.length; i++) {
    const [a, b] = [ladder[i], ladder[i + 1]];
    if ((a.active - target) * (b.active - target) > 0 || a.active === b.active) continue;
    const t = (a.active - target) / (a.active - b.active);
    return { lambda: Math.exp(Math.log(a.lambda) + t * (Math.log(b.lambda) - Math.log(a.lambda))), mse: a.mse + t * (b.mse - a.mse) };
  }
  return null;
}

/** First epoch from which the active fraction stays within 10% of its final value. */
const settled = (run: RunResult) => {
  const f = run.epochs.map((e) => e.population_sparsity);
  const last = f[f.length - 1];
  let k = f.length;
  while (k > 0 && Math.abs(f[k - 1] / last - 1) <= 0.1) k--;
  return k + 1;
};

export function l1VsKl(r: ExperimentResult): Verdict {
  const runs = ok(r);
  const kl = runs.find((run) => run.config.sparsity.kind === 'kl');
  const l1 = runs.filter((run) => run.config.sparsity.kind === 'l1').sort((a, b) => a.config.sparsity.weight - b.config.sparsity.weight);
  const seedL1 = byLabel(r, 'L1 λ=0.01');
  if (!kl || !seedL1) return failed;
  const target = v(kl, 'population_sparsity');
  const rho = kl.config.sparsity.rho;
  const match = matchedLambda(l1.map((run) => ({ lambda: run.config.sparsity.weight, active: v(run, 'population_sparsity'), mse: v(run, 'test_mse') })), target);
  const closest = l1.reduce((b, run) => (Math.abs(v(run, 'population_sparsity') - target) < Math.abs(v(b, 'population_sparsity') - target) ? run : b));
  const similar = Math.abs(v(seedL1, 'population_sparsity') / target - 1) <= 0.25;
  const precise = Math.abs(v(kl, 'mean_activity') / rho - 1) <= 0.1;
  return { agreement: all([similar, precise]), points: [
    `the seed's pair: active fraction L1 λ=0.01 ${fmt(v(seedL1, 'population_sparsity'))} vs KL β=0.1 ${fmt(target)} ` +
      `(${pct(v(seedL1, 'population_sparsity'), target)}: ${similar ? 'similar, within 25%' : 'not similar'})`,
    match
      ? `matched sparsity: L1 reaches KL's active fraction at λ ≈ ${fmt(match.lambda)} (log-interpolated in the ladder), with test MSE ≈ ` +
        `${fmt(match.mse)} against KL's ${fmt(v(kl, 'test_mse'))} (${pct(match.mse, v(kl, 'test_mse'))})`
      : `matched sparsity: no two L1 runs bracket KL's active fraction ${fmt(target)}`,
    `closest L1 run: ${closest.label}, active ${fmt(v(closest, 'population_sparsity'))}, test MSE ${fmt(v(closest, 'test_mse'))}, ` +
      `${fmt(v(closest, 'dead_units'))} dead units; KL: ${fmt(v(kl, 'dead_units'))} dead units`,
    `KL's mean activity ${fmt(v(kl, 'mean_activity'))} against ρ = ${rho} (${precise ? 'within 10%: precise control' : 'off target'}); ` +
      `the active fraction settles (within 10% of its final value) from epoch ${settled(kl)} for KL, ${settled(seedL1)} for L1 λ=0.01`,
  ] };
}
