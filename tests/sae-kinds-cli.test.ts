// Every SAE preset trains through the CLI door (Node/Dawn, llvmpipe) on small planted data, with its own sparsity
// checked from the --metrics file: TopK's held-out L0 is k exactly every epoch; BatchTopK's (its evaluation uses the
// estimated threshold) settles at k; JumpReLU and L1 report their penalty; all lower the FVU and report the
// firing-density histogram.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { writeNpy } from '../src/data/npy.ts';
import { SAE_KINDS } from '../src/model/config.ts';
import { plantedData } from '../src/sae/planted.ts';
import type { SaeEpoch } from '../src/train/metrics.ts';

const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'wgae-sae-kinds-'));
const P = join(dir, 'planted');
const planted = plantedData({ dim: 16, features: 24, train: 1800, test: 200, active: 2, skew: 0.5, noise: 0.01, seed: 3 });
mkdirSync(P);
for (const [name, m] of Object.entries({ train: planted.train, test: planted.test, dictionary: planted.dictionary })) writeFileSync(join(P, `${name}.npy`), writeNpy(m));
const K = 3;
// BatchTopK's threshold is an EMA (rate 0.01) of each batch's smallest selected code: it needs a few hundred steps.
const EPOCHS: Record<string, number> = { topk: 3, batchtopk: 12, jumprelu: 3, l1: 3 };

for (const kind of SAE_KINDS) {
  test(`--preset ${kind}-sae trains on planted vectors and reports its sparsity`, async () => {
    const metrics = join(dir, `${kind}.json`);
    const { stdout } = await exec(process.execPath, ['--import', 'tsx', 'src/cli/train.ts', '--preset', `${kind}-sae`, '--data', P, '--d-sae', '48',
      '--topk', String(K), '--auxk', '16', '--dead-after', '1000', '--lr', '0.003', '--batch', '32', '--epochs', String(EPOCHS[kind]),
      '--metrics', metrics], { timeout: 120_000 });
    assert.match(stdout, new RegExp(`model ${kind} SAE 16→48→16`));
    const rows = (JSON.parse(readFileSync(metrics, 'utf8')).epochs as { sae: SaeEpoch }[]).map((r) => r.sae);
    const last = rows.at(-1)!;
    console.log(`${kind}: L0 ${rows.map((r) => r.l0.toFixed(3)).join(' ')}; FVU ${rows[0].fvu.toFixed(4)} → ${last.fvu.toFixed(4)}; ` +
      `penalty ${last.penalty.toPrecision(3)}; dead ${last.dead_fraction.toFixed(3)}`);
    assert.ok(last.fvu < rows[0].fvu, 'the FVU falls');
    const density = last.firing_density!;
    assert.equal(density.counts.reduce((a, b) => a + b, 0) + density.neverFired, 48, 'the histogram counts every latent once');
    if (kind === 'topk') for (const r of rows) assert.equal(r.l0, K, 'TopK: L0 = k exactly on the held-out split');
    if (kind === 'batchtopk') assert.ok(Math.abs(last.l0 - K) <= 0.02 * K, `BatchTopK: mean L0 ${last.l0} within 2% of k = ${K}`);
    if (kind === 'jumprelu' || kind === 'l1') assert.ok(rows.every((r) => r.penalty > 0 && r.aux === 0), 'a sparsity penalty, no AuxK');
  });
}
