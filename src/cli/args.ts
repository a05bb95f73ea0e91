// Command-line arguments of `npm run train`, derived from the settings table (src/model/settings.ts) and the CLI's
// own flags (./flags.ts): parsed strictly, applied on top of the chosen preset as the page and the URL apply them,
// and checked by the same rules, so a flag only ever changes its own setting.
import type { TrainConfig } from '../model/config.ts';
import { PRESET_NAMES } from '../model/presets.ts';
import { inactiveSettings, parseText, rangeText, ruleText } from '../model/setting-rules.ts';
import { SETTINGS, TOPICS, presetDraft, settingByKey, type Setting, type Value } from '../model/settings.ts';
import { buildConfig } from '../model/validate.ts';
import { BETA_FLAG, CLI_FLAGS, HELP_HINT, unknownFlag, type CliFiles, type CliFlag, type CliTopic } from './flags.ts';

export interface CliOptions extends CliFiles {
  cfg: TrainConfig;
  epochsGiven: boolean;
  lrTGiven: boolean; // with --resume: the schedule change to record
  warnings: string[]; // flags that have no effect in this configuration, one sentence each
}

type Spec = { switch: boolean; setting?: Setting; cli?: CliFlag };
const SPECS = new Map<string, Spec>([
  ...SETTINGS.filter((s) => s.flag).map((s): [string, Spec] => [s.flag!, { switch: s.kind === 'bool', setting: s }]),
  ...CLI_FLAGS.map((f): [string, Spec] => [f.flag, { switch: f.arg === undefined, cli: f }]),
  [BETA_FLAG.flag, { switch: false }],
]);
/** Flags that may accompany --resume: they choose files, devices, output and how far to train, not what is trained. */
const RESUMABLE = new Set([...SETTINGS.filter((s) => s.resumable).map((s) => s.flag!), ...CLI_FLAGS.filter((f) => f.resumable).map((f) => f.flag)]);

/** argv as flag → value (true for a switch): `--flag value` or `--flag=value`; throws on anything else. */
function tokenize(argv: string[]): Map<string, string | true> {
  const out = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(arg)}: options start with -- (${HELP_HINT})`);
    const at = arg.indexOf('=');
    const name = arg.slice(2, at < 0 ? undefined : at);
    const spec = SPECS.get(name);
    if (!spec) throw new Error(unknownFlag(name, [...SPECS.keys()]));
    if (out.has(name)) throw new Error(`--${name} is given twice`);
    if (spec.switch) {
      if (at >= 0) throw new Error(`--${name} is a switch and takes no value`);
      out.set(name, true);
      continue;
    }
    const value = at >= 0 ? arg.slice(at + 1) : argv[++i];
    if (value === undefined || value === '' || (at < 0 && value.startsWith('--'))) throw new Error(`--${name} needs a value`);
    out.set(name, value);
  }
  return out;
}

function cliValue(f: CliFlag, raw: string | true | undefined): Value | null {
  if (raw === undefined) return f.def;
  if (raw === true) return true;
  const what = f.what ?? f.flag;
  if (f.choices && !f.choices.includes(raw)) throw new Error(`--${f.flag}: ${what} must be one of ${f.choices.join(', ')}, got ${JSON.stringify(raw)}`);
  if (!f.bounds) return raw;
  const v = Number(raw);
  if (!(Number.isInteger(v) && v >= f.bounds.lo && v <= f.bounds.hi)) throw new Error(`--${f.flag}: ${what} must be ${ruleText(f.bounds, true)}, got ${raw}`);
  return v;
}

export function parseCli(argv: string[]): CliOptions | 'help' {
  const a = tokenize(argv);
  if (a.has('help')) return 'help';
  if (a.has('resume')) {
    const given = [...a.keys()].filter((k) => !RESUMABLE.has(k));
    if (given.length > 0) {
      throw new Error(`--resume continues the checkpoint's own config, so --${given.join(', --')} cannot be given with it ` +
        '(use --init FILE to start a new run from its weights instead)');
    }
  }
  const start = presetDraft('seed');
  const given = new Map<string, Value>();
  const problems: string[] = [];
  for (const s of SETTINGS) {
    const raw = s.flag ? a.get(s.flag) : undefined;
    if (raw === undefined) continue;
    if (s.kind === 'bool') given.set(s.key, !s.negated);
    else try { given.set(s.key, parseText(s, raw as string, start)); } catch (e) { problems.push(`--${s.flag}: ${(e as Error).message}`); }
  }
  const beta = a.get(BETA_FLAG.flag);
  if (beta !== undefined) {
    if (a.has('sparsity') || a.has('sparsity-weight')) throw new Error('--beta is --sparsity kl --sparsity-weight β: give one or the other');
    const w = parseText(settingByKey.get('weight')!, beta as string, start) as number;
    given.set('sparsity', w > 0 ? 'kl' : 'none').set('weight', w);
  }
  const { draft, problems: more } = buildConfig(start, given, start.cfg.model.inputDim, true);
  const flagOf = (key: string | null) => settingByKey.get(key ?? '')?.flag;
  problems.push(...more.map((p) => (flagOf(p.key) && a.has(flagOf(p.key)!) ? `--${flagOf(p.key)}: ${p.message}` : p.message)));
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const files = Object.fromEntries(CLI_FLAGS.filter((f) => f.field !== 'help').map((f) => [f.field, cliValue(f, a.get(f.flag))])) as unknown as CliFiles;
  if (files.checkpointEvery > 0 && !files.save) throw new Error('--checkpoint-every needs --save FILE (where the checkpoints go)');
  const typed = [...given.keys()].filter((k) => beta === undefined || (k !== 'sparsity' && k !== 'weight'));
  const warnings = inactiveSettings(draft, typed).map(({ key, needs }) => `--${flagOf(key)} has no effect here: it applies only with ${needs}`);
  if (files.jacobianMetric && draft.cfg.contractive > 0) warnings.push('--jacobian-metric has no effect here: ‖J‖²_F is measured every epoch anyway when λ > 0');
  return { cfg: draft.cfg, epochsGiven: a.has('epochs'), lrTGiven: a.has('lr-T'), warnings, ...files };
}

/** A help line: the flag and its placeholder, then the text from column 26 (on the next line when the flag is
 * longer), wrapped at 118 columns. */
function line(flag: string, text: string): string {
  const lines = [`  ${flag}`.length < 25 ? `  ${flag}`.padEnd(25) : `  ${flag}`];
  if (lines[0].length > 25) lines.push(' '.repeat(25));
  for (const w of text.split(' ')) {
    if (lines[lines.length - 1].length + w.length >= 118) lines.push(' '.repeat(25));
    lines[lines.length - 1] += ` ${w}`;
  }
  return lines.join('\n');
}

/** "default 0.001", or "default: the preset's (seed 64)" where presets differ. */
function defaultText(s: Setting): string {
  if (s.key === 'preset') return 'default seed';
  if (s.kind === 'bool') return ''; // a switch's help says what it turns on or off
  const values = PRESET_NAMES.map((n) => s.get(presetDraft(n))).filter((v) => v !== undefined); // SAE rows: SAE presets only
  const first = values[0];
  return values.every((v) => v === first) ? `default ${first}` : `default: the preset's (seed ${first})`;
}

function settingLine(s: Setting): string {
  const seed = presetDraft('seed');
  const arg = s.kind === 'enum' ? s.choices.join('|') : s.kind === 'bool' ? '' : (s.arg ?? 'x');
  const range = s.kind === 'number' || s.kind === 'int' ? rangeText(s, seed) : '';
  const needs = s.recipe ? null : s.needs?.(() => undefined); // the command line always builds a preset's model
  const extra = [range, defaultText(s), needs ? `only with ${needs}` : ''].filter(Boolean).join('; ');
  return line(`--${s.flag} ${arg}`.trimEnd(), `${s.help}${extra ? ` (${extra})` : ''}`);
}

function cliLine(f: CliFlag): string {
  // A long list of choices goes into the text, where it wraps: `--kernel K … (K: auto, rb4x4, …; default auto)`.
  const inline = f.choices && f.choices.join('|').length <= 40;
  const arg = inline ? f.choices!.join('|') : (f.arg ?? '');
  const choices = f.choices && !inline ? `${f.arg}: ${f.choices.join(', ')}; ` : '';
  const def = f.choices || (typeof f.def === 'number' && f.def !== 0) ? ` (${choices}default ${f.def})` : '';
  return line(`--${f.flag} ${arg}`.trimEnd(), f.help + def);
}

const TOPIC_ORDER: readonly CliTopic[] = [...TOPICS, 'data & files', 'device', 'output'];

export const USAGE = [
  'Usage: npm run train -- [options]',
  'Settings not given come from --preset; a flag changes only its own setting (the page and its links use the same rules).',
  ...TOPIC_ORDER.flatMap((t) => ['', `${t}:`,
    ...SETTINGS.filter((s) => s.flag && s.topic === t).map(settingLine),
    ...(BETA_FLAG.topic === t ? [line(`--${BETA_FLAG.flag} ${BETA_FLAG.arg}`, BETA_FLAG.help)] : []),
    ...CLI_FLAGS.filter((f) => f.topic === t).map(cliLine)]),
].join('\n');
