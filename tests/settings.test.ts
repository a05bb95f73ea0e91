// The settings table and its doors: for every setting, the CLI flag, the URL-hash key and the panel field build the
// same config, refuse the same out-of-range value with the same message, and keep the preset's other values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CUSTOM, configFromPanel, panelFromConfig, PANEL_SETTINGS } from '../src/app/panel-config.ts';
import { parseCli, USAGE } from '../src/cli/args.ts';
import { CLI_FLAGS } from '../src/cli/flags.ts';
import type { TrainConfig } from '../src/model/config.ts';
import { buildPlan, MAX_UNITS } from '../src/model/plan.ts';
import { PRESET_NAMES, preset, type PresetName } from '../src/model/presets.ts';
import { layersToString, recipeOf } from '../src/model/recipe.ts';
import { inactiveSettings, lookupIn } from '../src/model/setting-rules.ts';
import { presetDraft, SETTINGS, TOPICS, type Setting, type Value } from '../src/model/settings.ts';
import { configFromHash, hashFromConfig, validateConfig } from '../src/model/validate.ts';

const seed = presetDraft('seed');
/** The preset a row is tried on: an SAE preset for the SAE rows, else the seed. */
const home = (s: Setting): PresetName => (s.sae ? 'topk-sae' : 'seed');
const show = (v: Value) => (typeof v === 'boolean' ? (v ? '1' : '0') : String(v));

/** The three doors, each given one setting's value on top of `name`; an Error where the door refuses. */
function doors(s: Setting, v: Value, name: PresetName = home(s)): { cli?: TrainConfig | Error; hash: TrainConfig | Error; panel?: TrainConfig | Error } {
  const attempt = (f: () => TrainConfig) => { try { return f(); } catch (e) { return e as Error; } };
  const out: ReturnType<typeof doors> = {
    hash: attempt(() => {
      const r = configFromHash(s.key === 'preset' ? `preset=${v}` : `preset=${name}&${s.key}=${encodeURIComponent(show(v))}`);
      if (r.problems.length > 0) throw new Error(r.problems.join('\n'));
      return r.config;
    }),
  };
  if (s.flag) {
    const args = s.kind === 'bool' ? (v === !s.negated ? [`--${s.flag}`] : []) : [`--${s.flag}`, String(v)];
    out.cli = attempt(() => {
      const o = parseCli(s.key === 'preset' ? args : ['--preset', name, ...args]);
      assert.ok(o !== 'help');
      return o.cfg;
    });
  }
  if (s.label) {
    const base = preset(name);
    const p = panelFromConfig(base, name);
    p[s.key] = v;
    out.panel = attempt(() => configFromPanel(p, base, 784));
  }
  return out;
}

/** A valid value of `s` that differs from its home preset's. */
function otherValue(s: Setting): Value {
  const d = presetDraft(home(s));
  const now = s.get(d)!;
  if (s.kind === 'enum') return s.choices.find((c) => c !== now)!;
  if (s.kind === 'bool') return !now;
  const b = s.bounds(d);
  const pick = (t: number) => { const v = b.lo + (Math.min(b.hi, 1e9) - b.lo) * t; return s.kind === 'int' ? Math.round(v) : v; };
  return pick(0.3) !== now ? pick(0.3) : pick(0.6);
}

test('every setting: the CLI flag, the URL key and the panel field build the same config', () => {
  for (const s of SETTINGS) {
    const v = otherValue(s);
    const { cli, hash, panel } = doors(s, v);
    assert.ok(!(hash instanceof Error), `${s.key}=${v}: ${String(hash)}`);
    assert.equal(s.get({ cfg: hash, recipe: recipeOf(hash.model, s.key === 'preset' ? v as PresetName : home(s)) }), v, `${s.key} is set`);
    if (cli) assert.deepEqual(cli, hash, `--${s.flag} ${v}`);
    if (panel) {
      // The one documented difference: a new run's T follows its epochs; on the page, epochs of a live run only move the goal.
      const expected = s.key === 'epochs' ? { ...hash, schedule: { ...hash.schedule, T: seed.cfg.schedule.T } } : hash;
      assert.deepEqual(panel, expected, `panel ${s.key} = ${v}`);
    }
  }
  assert.ok(SETTINGS.filter((s) => s.flag).length >= 20 && PANEL_SETTINGS.length >= 20, 'the doors cover the table');
});

test('an out-of-range value is refused by every door with the same message', () => {
  for (const s of SETTINGS) {
    if (s.kind === 'bool' || s.key === 'preset') continue;
    const b = s.kind === 'enum' ? null : s.bounds(presetDraft(home(s)));
    const bad: Value = s.kind === 'enum' ? 'nope' : b!.hiOpen ? b!.hi : b!.hi + 1;
    const { cli, hash, panel } = doors(s, bad);
    assert.ok(hash instanceof Error, `${s.key}=${bad} is refused`);
    const message = hash.message;
    assert.match(message, new RegExp(`must be .*, got "?${String(bad).replace('.', '\\.')}"?$`), s.key);
    if (cli) assert.equal((cli as Error).message, `--${s.flag}: ${message}`, `--${s.flag} ${bad}`);
    if (panel) assert.equal((panel as Error).message, message, `panel ${s.key}`);
    if (!s.recipe) {
      const cfg = structuredClone(presetDraft(home(s)).cfg);
      (s.set as (d: unknown, v: Value) => void)({ cfg, recipe: null }, bad);
      assert.deepEqual(validateConfig(cfg), [message], `validateConfig, ${s.key}`);
    }
  }
});

test("a preset's values survive every door: only the given setting changes", () => {
  const seedCfg = preset('seed');
  for (const name of PRESET_NAMES) {
    const cli = parseCli(['--preset', name]);
    assert.ok(cli !== 'help');
    assert.deepEqual(cli.cfg, preset(name), `--preset ${name}`);
    assert.deepEqual(configFromHash(`preset=${name}`).config, preset(name), `#preset=${name}`);
    const p = panelFromConfig(seedCfg, 'seed');
    p.preset = name;
    assert.deepEqual(configFromPanel(p, seedCfg, 784), preset(name), `panel preset ${name}`);
  }
  const cae = parseCli(['--preset', 'cae', '--epochs', '3']);
  assert.ok(cae !== 'help');
  assert.deepEqual(cae.cfg, { ...preset('cae'), epochs: 3, schedule: { ...preset('cae').schedule, T: 3 } }, 'lr, optimizer and λ stay the preset\'s');
  assert.deepEqual(configFromHash('preset=cae&epochs=3').config, cae.cfg, 'a short link reads like the command line');
});

test("a switched sparsity or corruption kind starts from its own weight or level, not the other kind's", () => {
  const base = preset('sae-kl');
  const p = { ...panelFromConfig(base, 'sae-kl'), sparsity: 'l1' };
  for (const cfg of [(parseCli(['--preset', 'sae-kl', '--sparsity', 'l1']) as { cfg: TrainConfig }).cfg,
    configFromHash('preset=sae-kl&sparsity=l1').config, configFromPanel(p, base, 784)]) {
    assert.deepEqual(cfg.sparsity, { kind: 'l1', weight: preset('sae-l1').sparsity.weight, rho: 0.05 }, 'λ is the l1 default, not β = 0.1');
  }
  const given = parseCli(['--preset', 'sae-kl', '--sparsity', 'l1', '--sparsity-weight', '0.02']);
  assert.ok(given !== 'help' && given.cfg.sparsity.weight === 0.02, 'a given weight wins');
  const same = parseCli(['--sparsity', 'kl']);
  assert.ok(same !== 'help' && same.cfg.sparsity.weight === preset('seed').sparsity.weight, 'the same kind keeps the preset\'s weight');
  const block = parseCli(['--preset', 'dae', '--noise', 'block']);
  assert.ok(block !== 'help');
  assert.deepEqual(block.cfg.corruption, { kind: 'block', level: 8 }, 'not σ = 0.1 as a side in pixels');
});

test('configurations that cannot mean anything are refused alike; flags without effect are warned about', () => {
  const kl = /KL sparsity needs a code activity in \(0, 1\), from a sigmoid or tanh code, but this model's code activation is identity/;
  assert.throws(() => parseCli(['--preset', 'ae', '--sparsity', 'kl']), kl);
  assert.match(configFromHash('preset=ae&sparsity=kl').problems.join('\n'), kl);
  const ae = preset('ae');
  assert.throws(() => configFromPanel({ ...panelFromConfig(ae, 'ae'), sparsity: 'kl' }, ae, 784), kl);
  for (const name of ['seed', 'sae-kl', 'cae'] as const) assert.doesNotThrow(() => parseCli(['--preset', name, '--sparsity', 'kl']), name);
  assert.match(configFromHash('layers=784~linear32,tanh~linear784&loss=bce').problems.join('\n'), /loss bce needs the decoder to end in a linear layer followed by a sigmoid/);
  const cases: [string[], RegExp][] = [
    [['--noise-level', '0.3'], /^--noise-level has no effect here: it applies only with a corruption/],
    [['--momentum', '0.5'], /^--momentum has no effect here: it applies only with optimizer sgd$/],
    [['--preset', 'sae-l1', '--rho', '0.1'], /^--rho has no effect here: it applies only with sparsity kl$/],
    [['--contractive-samples', '4'], /^--contractive-samples has no effect here: it applies only with contractive λ > 0$/],
  ];
  for (const [args, warning] of cases) {
    const o = parseCli(args);
    assert.ok(o !== 'help');
    assert.equal(o.warnings.length, 1, args.join(' '));
    assert.match(o.warnings[0], warning);
  }
  for (const args of [['--noise', 'gaussian', '--noise-level', '0.3'], ['--optimizer', 'sgd', '--momentum', '0.5'], ['--preset', 'cae', '--contractive-samples', '4']]) {
    const o = parseCli(args);
    assert.ok(o !== 'help');
    assert.deepEqual(o.warnings, [], args.join(' '));
  }
  // The panel greys out exactly the fields the command line warns about.
  const d = presetDraft('sae-l1');
  const p = panelFromConfig(d.cfg, 'sae-l1');
  for (const s of PANEL_SETTINGS) {
    assert.equal(Boolean(s.needs?.((k) => p[k])), inactiveSettings(d, [s.key]).length === 1, s.key);
    assert.equal(s.needs?.((k) => p[k]) ?? null, s.needs?.(lookupIn(d)) ?? null, s.key);
  }
});

test('an unknown flag gives one line naming the nearest flag', () => {
  const cases: [string, string][] = [['--lrr', '; did you mean --lr?'], ['--sparsity-wieght', '; did you mean --sparsity-weight?'],
    ['--noshuffle', '; did you mean --no-shuffle?'], ['--frobnicate', '']];
  for (const [flag, hint] of cases) {
    assert.throws(() => parseCli([flag, '1']), (e: Error) => e.message === `unknown option ${flag}${hint} (npm run train -- --help lists every option)`, flag);
  }
  assert.throws(() => parseCli(['--lr', '0.01', '--lr', '0.02']), /--lr is given twice/);
  assert.throws(() => parseCli(['fast']), /unexpected argument "fast": options start with --/);
});

test('--help lists every flag once, under its topic, in order', () => {
  assert.equal(parseCli(['--epochs', '3', '--help']), 'help');
  const topics = [...TOPICS, 'data & files', 'device', 'output'];
  const headings = USAGE.split('\n').filter((l) => /^\S.*:$/.test(l));
  assert.deepEqual(headings, topics.map((t) => `${t}:`));
  const section = (t: string) => USAGE.split(`\n${t}:\n`)[1].split('\n\n')[0];
  const flags = [...SETTINGS.filter((s) => s.flag).map((s) => [s.flag!, s.topic]), ...CLI_FLAGS.map((f) => [f.flag, f.topic]), ['beta', 'objective']];
  for (const [flag, topic] of flags) {
    assert.equal(USAGE.split(new RegExp(`^  --${flag}(?= |$)`, 'm')).length, 2, `--${flag} once`);
    assert.match(section(topic), new RegExp(`^  --${flag}(?= |$)`, 'm'), `--${flag} under ${topic}`);
  }
  assert.ok(USAGE.split('\n').every((l) => l.length <= 120), 'lines fit 120 columns');
});

test('--resume accepts exactly the flags that do not change what is trained', () => {
  for (const [flag, ok] of [['epochs', true], ['save', true], ['scale', true], ['retune', true], ['lr', false], ['init', false], ['preset', false], ['no-shuffle', false]] as const) {
    const value = ['retune', 'no-shuffle'].includes(flag) ? [] : [flag === 'preset' ? 'ae' : flag === 'save' || flag === 'init' ? 'f' : '2'];
    const run = () => parseCli(['--resume', 'x.safetensors', `--${flag}`, ...value]);
    if (ok) assert.doesNotThrow(run, flag);
    else assert.throws(run, new RegExp(`--resume continues the checkpoint's own config, so --${flag} cannot be given`), flag);
  }
});

test('one limit on layer widths for every door and the planner', () => {
  assert.throws(() => buildPlan({ inputDim: 4, encoder: [{ kind: 'linear', units: MAX_UNITS + 1 }], decoder: [{ kind: 'linear', units: 4 }] }),
    new RegExp(`linear units must be an integer from 1 to ${MAX_UNITS}, got ${MAX_UNITS + 1}`));
  assert.throws(() => parseCli(['--latent', String(MAX_UNITS + 1)]), new RegExp(`code size Z must be an integer from 1 to ${MAX_UNITS}`));
  assert.match(configFromHash(`layers=784~linear${MAX_UNITS + 1},tanh~linear784`).problems.join('\n'), new RegExp(`to ${MAX_UNITS}, got ${MAX_UNITS + 1}`));
});

test('the table: unique keys, flags and labels; one line of help each; the new CLI flags parse', () => {
  const unique = (xs: (string | null)[]) => { const v = xs.filter((x) => x !== null); return new Set(v).size === v.length; };
  assert.ok(unique(SETTINGS.map((s) => s.key)) && unique([...SETTINGS.map((s) => s.flag), ...CLI_FLAGS.map((f) => f.flag)]) && unique(SETTINGS.map((s) => s.label)));
  for (const s of SETTINGS) assert.ok(s.help.length > 0 && !s.help.includes('\n'), s.key);
  const o = parseCli(['--scale', '3', '--verbose', '--retune', '--jacobian-metric']);
  assert.ok(o !== 'help');
  assert.deepEqual([o.scale, o.verbose, o.retune, o.jacobianMetric, o.warnings], [3, true, true, true, []]);
  const d = parseCli([]);
  assert.ok(d !== 'help');
  assert.deepEqual([d.scale, d.verbose, d.retune, d.jacobianMetric], [2, false, false, false]);
  assert.throws(() => parseCli(['--scale', '0']), /--scale: PNG scale must be an integer from 1 to 16, got 0/);
  const custom = panelFromConfig(configFromHash('layers=784~linear32,tanh~linear784,sigmoid').config);
  assert.equal(custom.preset, CUSTOM);
});

test('SAE presets: d_sae caps k and k_aux, flags of other kinds warn, the autoencoders\' objective is refused, links round-trip', () => {
  const o = parseCli(['--preset', 'topk-sae', '--d-sae', '64', '--auxk-weight', '0.5', '--normalize']);
  assert.ok(o !== 'help');
  assert.deepEqual(o.cfg.sae, { ...preset('topk-sae').sae!, dSae: 64, kAux: 64, auxWeight: 0.5, normalize: true }, 'k 32 stays, k_aux 256 → 64');
  assert.equal(layersToString(o.cfg.model), '784~linear64,relu~linear784');
  assert.deepEqual(o.warnings, []);
  const hash = configFromHash(hashFromConfig(o.cfg));
  assert.deepEqual([hash.problems, hash.preset, hash.config], [[], 'topk-sae', o.cfg], 'the link restores the SAE');
  const warned: [string[], RegExp][] = [
    [['--topk', '8'], /^--topk has no effect here: it applies only with preset topk-sae or batchtopk-sae$/],
    [['--d-sae', '8'], /^--d-sae has no effect here: it applies only with an SAE preset \(topk-sae, /],
    [['--preset', 'topk-sae', '--l0-weight', '0.1'], /^--l0-weight has no effect here: it applies only with preset jumprelu-sae$/],
    [['--preset', 'topk-sae', '--latent', '8'], /^--latent has no effect here: it applies only with an autoencoder preset \(an SAE has --d-sae\)$/],
  ];
  for (const [args, warning] of warned) {
    const w = parseCli(args);
    assert.ok(w !== 'help');
    assert.deepEqual(w.warnings.length, 1, args.join(' '));
    assert.match(w.warnings[0], warning);
  }
  assert.throws(() => parseCli(['--preset', 'topk-sae', '--loss', 'bce']), /--loss: a sparse autoencoder trains with loss mse/);
  assert.throws(() => parseCli(['--preset', 'topk-sae', '--noise', 'gaussian']), /a sparse autoencoder trains with no corruption/);
  assert.throws(() => parseCli(['--preset', 'topk-sae', '--topk', '300']), /--topk: k must be an integer from 1 to 256 \(at most 256 and d_sae\), got 300/);
  const p = panelFromConfig(preset('seed'), 'seed');
  assert.equal(p.dSae, preset('topk-sae').sae!.dSae, 'a non-SAE model shows an SAE preset\'s values (greyed out)');
  assert.ok(PANEL_SETTINGS.filter((s) => s.sae).every((s) => s.needs?.((k) => p[k])), 'every SAE field is greyed out for the seed');
});

