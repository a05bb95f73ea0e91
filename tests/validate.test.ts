// The shared config rules: validateConfig's ranges and kinds, model recipes, and the URL-hash form of a config.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultTrainConfig, type TrainConfig } from '../src/model/config.ts';
import { PRESET_NAMES, preset } from '../src/model/presets.ts';
import { layersFromString, layersToString, modelFromRecipe, presetRecipe, recipeOf } from '../src/model/recipe.ts';
import { configFromHash, hashFromConfig, validateConfig } from '../src/model/validate.ts';

const clone = (c: TrainConfig): TrainConfig => structuredClone(c);

test('every preset is valid and round-trips through the hash', () => {
  for (const name of PRESET_NAMES) {
    const cfg = preset(name);
    assert.deepEqual(validateConfig(cfg), [], name);
    const hash = hashFromConfig(cfg, name);
    assert.match(hash, new RegExp(`^preset=${name}&`), 'a preset model is written as its recipe');
    const back = configFromHash(`#${hash}`);
    assert.deepEqual(back.problems, [], name);
    assert.equal(back.preset, name);
    assert.deepEqual(back.config, cfg, name);
  }
});

test('non-default values and a model no recipe builds round-trip exactly', () => {
  const cfg = preset('sae-kl', 100);
  Object.assign(cfg, { loss: 'bce', contractive: 0.125, epochs: 7, batch: 100, seed: 4294967295, shuffle: false });
  cfg.sparsity = { kind: 'l1', weight: 3e-4, rho: 0.1 };
  cfg.corruption = { kind: 'block', level: 9 };
  cfg.optimizer = { ...cfg.optimizer, kind: 'sgd', lr: 0.1 + 0.2, momentum: 0.95, eps: 1e-8 };
  cfg.schedule = { kind: 'cosine', T: 2.5, perStep: true, warmupEpochs: 2 };
  assert.deepEqual(configFromHash(hashFromConfig(cfg)).config, cfg);
  cfg.model.encoder.splice(1, 0, { kind: 'batchnorm' }, { kind: 'activation', fn: 'leaky_relu', alpha: 1e-3 });
  assert.equal(recipeOf(cfg.model), null);
  const hash = hashFromConfig(cfg);
  assert.match(hash, /^layers=784~linear256,batchnorm,leaky_relu0\.001,relu,linear100,sigmoid~/);
  const back = configFromHash(hash);
  assert.deepEqual(back.problems, []);
  assert.equal(back.preset, null);
  assert.deepEqual(back.config, cfg);
});

test('recipes scale inner widths with the outer one and are recovered from their models', () => {
  const m = modelFromRecipe({ preset: 'ae', hidden: 100, latent: 8, dropout: 0 });
  assert.equal(layersToString(m), '784~linear100,relu,linear50,relu,linear8~linear50,relu,linear100,relu,linear784,sigmoid');
  assert.deepEqual(recipeOf(m), { preset: 'ae', hidden: 100, latent: 8, dropout: 0 });
  assert.deepEqual(recipeOf(m, 'dae')?.preset, 'dae', 'ae and dae share a model: the preferred name wins');
  assert.deepEqual(presetRecipe('seed'), { preset: 'seed', hidden: 256, latent: 64, dropout: 0.2 });
  assert.deepEqual(layersFromString(layersToString(preset('seed').model)), preset('seed').model);
  assert.throws(() => layersFromString('784~linear64,swish~linear784'), /unknown layer "swish"/);
});

test('invalid values are rejected with a message naming the field', () => {
  const cases: [string, (c: TrainConfig) => void, RegExp][] = [
    ['rho', (c) => { c.sparsity.rho = 1.5; }, /ρ .*between 0 and 1, got 1\.5/],
    ['loss', (c) => { (c as { loss: string }).loss = 'huber'; }, /loss must be one of mse, bce, mae/],
    ['lr', (c) => { c.optimizer.lr = 0; }, /learning rate η0 must be in \(0, 10\]/],
    ['batch', (c) => { c.batch = 1; }, /batch must be an integer from 2/],
    ['epochs', (c) => { c.epochs = 2.5; }, /epochs must be an integer/],
    ['block', (c) => { c.corruption = { kind: 'block', level: 40 }; }, /block side in pixels must be an integer from 1 to 28 \(at most the image side\), got 40/],
    ['gaussian', (c) => { c.corruption = { kind: 'gaussian', level: -0.1 }; }, /σ must be in \[0, 10\]/],
    ['units', (c) => { c.model.encoder[0] = { kind: 'linear', units: 0 }; }, /model: encoder\.0: linear units/],
    ['warmup', (c) => { c.schedule.warmupEpochs = 11; }, /warm-up epochs must be an integer from 0 to 10 \(at most the epochs\), got 11/],
    ['seed', (c) => { c.seed = -1; }, /seed must be an integer/],
  ];
  for (const [what, change, message] of cases) {
    const cfg = clone(defaultTrainConfig());
    change(cfg);
    const problems = validateConfig(cfg);
    assert.equal(problems.length, 1, `${what}: ${problems.join('; ')}`);
    assert.match(problems[0], message, what);
  }
});

test('a bad hash gives problems, never a silently repaired config', () => {
  const cases: [string, RegExp][] = [
    ['preset=vae', /preset must be one of seed, ae/],
    ['preset=seed&hidden=12.5', /hidden width H must be an integer from 1 to 16384, got 12\.5/],
    ['preset=ae&dropout=0.3', /dropout p must be in \[0, 0\] \(preset ae has no dropout layer\), got 0\.3/],
    ['lr=fast', /learning rate η0 must be in \(0, 10\], got "fast"/],
    ['shuffle=yes', /shuffle must be 1 or 0, got "yes"/],
    ['colour=red', /unknown setting "colour"/],
    ['rho=0', /ρ .*strictly between 0 and 1/],
    ['layers=784~linear64,tanh~linear784&hidden=3', /hidden cannot be combined with layers/],
    ['lr=1&lr=2', /lr is given twice/],
  ];
  for (const [hash, message] of cases) {
    const { problems } = configFromHash(hash);
    assert.ok(problems.some((p) => message.test(p)), `${hash}: ${problems.join('; ')}`);
  }
  const short = configFromHash('#preset=cae&latent=16');
  assert.deepEqual(short.problems, []);
  assert.deepEqual(short.config, { ...preset('cae', 16) }, 'missing fields come from the preset');
});
