// What seed 001 claims for each experiment (quoted from its text), and whether a result agrees, computed from the
// numbers so a re-run on other data or epochs re-judges itself. Each verdict names the figures it rests on.
import { all, breaks, byLabel, failed, ok, pct, v, type Verdict } from './claims-util.ts';
import { contractive, noiseLevel, noiseRobustness, presets } from './claims-noise.ts';
import { klWeight, l1VsKl, sparsityWeight } from './claims-sparsity.ts';
import type { ExperimentResult, RunResult } from './runner.ts';
import { fmt } from './table.ts';

export interface Claim { claim: string; verdict: (r: ExperimentResult) => Verdict }

function losses(r: ExperimentResult): Verdict {
  const [mse, bce, mae] = ['mse', 'bce', 'mae'].map((l) => byLabel(r, l));
  if (!mse || !bce || !mae) return failed;
  const s = (run: RunResult) => v(run, 'sharpness');
  const sharpest = [mse, bce, mae].reduce((b, run) => (s(run) > s(b) ? run : b));
  const pca = r.baselines?.[0];
  return { agreement: all([s(bce) > s(mse), s(mae) > s(mse)]), points: [
    `sharpness ratio (reconstructions' gradient energy / inputs'): MSE ${fmt(s(mse))}, BCE ${fmt(s(bce))}, MAE ${fmt(s(mae))}` +
      `${pca?.sharpness != null ? `, ${pca.label} ${fmt(pca.sharpness)}` : ''}; sharpest: ${sharpest.label.toUpperCase()}`,
    `BCE ${s(bce) > s(mse) ? 'is' : 'is not'} sharper than MSE (${pct(s(bce), s(mse))}); MAE ${s(mae) > s(mse) ? 'is' : 'is not'} (${pct(s(mae), s(mse))})`,
    `test MSE: MSE-trained ${fmt(v(mse, 'eval:test MSE'))}, BCE-trained ${fmt(v(bce, 'eval:test MSE'))}, MAE-trained ${fmt(v(mae, 'eval:test MSE'))}` +
      `${pca ? `; ${pca.label} ${fmt(pca.test_mse)}` : ''}`,
  ] };
}

function latent(r: ExperimentResult): Verdict {
  const runs = ok(r);
  const ys = runs.map((run) => v(run, 'test_mse'));
  const up = breaks(ys, -1).map((i) => `${runs[i].label} → ${runs[i + 1].label}`);
  const best = Math.min(...ys);
  const enough = runs.find((run) => v(run, 'test_mse') <= best * 1.1)!;
  const beats = runs.filter((run) => v(run, 'test_mse') < v(run, 'pca_mse')).map((run) => run.label);
  const first = runs[0];
  const last = runs[runs.length - 1];
  return { agreement: up.length === 0 ? 'agree' : 'partly agree', points: [
    `test MSE ${fmt(v(first, 'test_mse'))} at ${first.label} → ${fmt(v(last, 'test_mse'))} at ${last.label}; ` +
      (up.length ? `it rises at ${up.join(', ')}` : 'it falls at every step'),
    `diminishing returns: ${enough.label} is the smallest code within 10% of the best (${fmt(best)})`,
    `against PCA with the same code size: the autoencoder is better at ${beats.length ? beats.join(', ') : 'no size'}` +
      ` (PCA: ${fmt(v(first, 'pca_mse'))} at ${first.label}, ${fmt(v(last, 'pca_mse'))} at ${last.label})`,
  ] };
}

export const CLAIMS: Record<string, Claim> = {
  losses: { verdict: losses, claim: 'MSE "tends to produce **blurry** reconstructions (averages over modes)"; BCE "often gives **sharper** ' +
    'reconstructions than MSE"; MAE "can lead to sharper edges in reconstructions". Exercise 1: "Compare reconstruction quality ' +
    'visually and numerically. Which produces the sharpest outputs?"' },
  latent: { verdict: latent, claim: 'find_optimal_latent_dim trains the autoencoder for 15 epochs at each of dims = [2, 4, 8, 16, 32, 64, ' +
    '128, 256] and picks the "optimal latent dimension by reconstruction error": the test error should fall as the code grows, ' +
    'with diminishing returns.' },
  'l1-weight': { verdict: (r) => sparsityWeight(r, 'λ'), claim: 'The L1 penalty "encourages many activations to be exactly zero". ' +
    'Exercise 2: "How does sparsity weight affect the trade-off between reconstruction quality and sparsity? Do stronger constraints ' +
    'lead to more interpretable features?"' },
  'l1-vs-kl': { verdict: l1VsKl, claim: 'Exercise 3: "Train two models with similar effective sparsity: L1 with λ = 0.01 and KL with ' +
    'β = 0.1, ρ = 0.05. Compare training dynamics, final sparsity levels, and feature quality." The seed\'s table: L1 "may not reach ' +
    'exact target sparsity", KL gives "precise control over sparsity".' },
  contractive: { verdict: contractive, claim: 'Exercise 4: "Plot reconstruction error vs encoder sensitivity. What is the optimal ' +
    'trade-off?" The seed: "Low λ → better reconstruction, less robustness; high λ → more robustness, worse reconstruction".' },
  'noise-level': { verdict: noiseLevel, claim: 'The denoising objective "forces the network to learn robust features that can ' +
    'recover the underlying signal from corrupted observations". Exercise 5: "Is there an optimal noise level for training? Can a ' +
    'model trained on high noise denoise low noise?"' },
  'noise-robustness': { verdict: noiseRobustness, claim: 'Exercise 6: "Train three separate models, each on one noise type ' +
    '(Gaussian, salt-and-pepper, masking). Test each model on all noise types. Does training on one noise type generalize to ' +
    'others?" The seed gives each corruption its own use case (Gaussian "general purpose", salt-and-pepper "document/sensor ' +
    'data", masking "occlusion robustness"): each should be removed best by the model trained on it.' },
  presets: { verdict: presets, claim: 'The seed\'s models as presets (issue 3): the KL model holds its mean code activity at ρ, the ' +
    'contractive model has the least sensitive encoder.' },
  'kl-weight': { verdict: klWeight, claim: 'The KL penalty "is minimized when ρ̂_j = ρ, providing **precise control** over the target ' +
    'activation level". Exercise 2: "How does sparsity weight affect the trade-off between reconstruction quality and sparsity?"' },
};
