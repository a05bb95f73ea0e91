// checkSaeConfig: each bad SAE setting is refused with the flag to fix; JumpReLU-only settings bind JumpReLU only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSaeConfig, type SaeConfig } from '../src/sae/trainer.ts';
import { TOPK } from './support/sae.ts';

test('checkSaeConfig names the bad setting', () => {
  const bad: [Partial<SaeConfig>, RegExp][] = [
    [{ kind: 'gated' as SaeConfig['kind'] }, /kind must be one of topk, batchtopk, jumprelu, l1, got gated/],
    [{ l0Weight: -1 }, /--l0-weight must be ≥ 0/],
    [{ l1Weight: NaN }, /--l1-weight must be ≥ 0/],
    [{ kind: 'jumprelu', bandwidth: 0 }, /--jump-bandwidth must be > 0/],
    [{ kind: 'jumprelu', thresholdInit: 0 }, /--threshold-init must be ≥ 0.000001 \(θ stays > 0\), got 0/],
    [{ bDecInit: 'mode' as SaeConfig['bDecInit'] }, /--b-dec-init must be mean or median, got mode/],
  ];
  for (const [change, message] of bad) assert.throws(() => checkSaeConfig({ ...TOPK, ...change }, 32), message, JSON.stringify(change));
  assert.doesNotThrow(() => checkSaeConfig({ ...TOPK, bandwidth: 0, thresholdInit: 0 }, 32), 'ε and θ₀ do not matter to TopK');
});
