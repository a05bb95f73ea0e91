// The settings table applied the same way by every door: a range in words, a value read from text, the problems of
// a draft, the settings that do nothing in a config, and the draft a door's values describe.
import { SETTINGS, settingByKey, type Bounds, type Draft, type Lookup, type NumberSetting, type Setting, type Value } from './settings.ts';

export interface Problem { key: string | null; message: string } // key: the setting it is about, if one

/** "an integer from 1 to 28", "in (0, 10]", "strictly between 0 and 1". */
export function ruleText(b: Bounds, int: boolean): string {
  const [lo, hi] = [b.lo, b.hi].map((n) => (n >= 1e6 && Number.isInteger(Math.log10(n)) ? `1e${Math.log10(n)}` : String(n)));
  if (int) return `an integer from ${lo} to ${hi}`;
  if (b.loOpen && b.hiOpen) return `strictly between ${lo} and ${hi}`;
  return `in ${b.loOpen ? '(' : '['}${lo}, ${hi}${b.hiOpen ? ')' : ']'}`;
}

const integral = (s: NumberSetting, b: Bounds) => s.kind === 'int' || Boolean(b.int);

/** What a value of `s` must be in `d`: "learning rate η0 must be in (0, 10]". */
export function mustBe(s: Setting, d: Draft): string {
  if (s.kind === 'enum') return `${s.what} must be one of ${s.choices.join(', ')}`;
  if (s.kind === 'bool') return `${s.what} must be true or false`;
  const b = s.bounds(d);
  return `${b.what ?? s.what} must be ${ruleText(b, integral(s, b))}${b.note ? ` (${b.note})` : ''}`;
}

/** The range of `s` in words for help texts and tooltips (where it depends on other settings, said so). */
export function rangeText(s: Setting, d: Draft): string {
  if (s.kind === 'enum') return s.choices.join(' | ');
  if (s.kind === 'bool') return 'on or off';
  if (s.range) return s.range;
  const b = s.bounds(d);
  return ruleText(b, integral(s, b)) + (b.note ? ` (${b.note})` : '');
}

function read(s: Setting, d: Draft): Value | undefined {
  try { return s.get(d); } catch { return undefined; } // a malformed config (a checkpoint's JSON) lacks a field
}

/** The problem with `s`'s value in `d`, or null. */
export function valueProblem(s: Setting, d: Draft): string | null {
  if ((s.recipe && !d.recipe) || (s.sae && !d.cfg.sae)) return null;
  const v = read(s, d);
  let ok: boolean;
  if (s.kind === 'enum') ok = s.choices.includes(v as string);
  else if (s.kind === 'bool') ok = typeof v === 'boolean';
  else {
    const b = s.bounds(d);
    ok = typeof v === 'number' && Number.isFinite(v) && (!integral(s, b) || Number.isInteger(v)) &&
      (b.loOpen ? v > b.lo : v >= b.lo) && (b.hiOpen ? v < b.hi : v <= b.hi);
  }
  return ok ? null : `${mustBe(s, d)}, got ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`;
}

/** The problems of every setting in `d` that `which` selects. */
export function draftProblems(d: Draft, which: (s: Setting) => boolean = () => true): Problem[] {
  return SETTINGS.filter(which).flatMap((s) => {
    const message = valueProblem(s, d);
    return message ? [{ key: s.key, message }] : [];
  });
}

/** A door's text as a value of `s` (switches: 1/0 or true/false); throws "… must be …, got "text"". Ranges and
 * choices are checked later, on the whole draft, so every door reports them alike. */
export function parseText(s: Setting, text: string, d: Draft): Value {
  if (s.kind === 'enum') return text;
  if (s.kind === 'bool') {
    if (text === '1' || text === 'true') return true;
    if (text === '0' || text === 'false') return false;
    throw new Error(`${s.what} must be 1 or 0, got ${JSON.stringify(text)}`);
  }
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new Error(`${mustBe(s, d)}, got ${JSON.stringify(text)}`);
  return n;
}

export const lookupIn = (d: Draft): Lookup => (key) => {
  const s = settingByKey.get(key);
  return s ? read(s, d) : undefined;
};

/** Of the settings `keys`, those that have no effect in `d`, with what they need: [{ key: 'momentum', needs: 'optimizer sgd' }]. */
export function inactiveSettings(d: Draft, keys: Iterable<string>): { key: string; needs: string }[] {
  const look = lookupIn(d);
  return [...keys].flatMap((key) => {
    const needs = settingByKey.get(key)?.needs?.(look) ?? null;
    return needs ? [{ key, needs }] : [];
  });
}

/** The draft a door's typed values describe: the preset `given` names (else `start`), every other given value in
 * table order, then the follow rules for what was not given (`fresh`: the door builds a new run). */
export function applySettings(start: Draft, given: ReadonlyMap<string, Value>, fresh: boolean): { draft: Draft; problems: Problem[] } {
  const d = structuredClone(start);
  const problems: Problem[] = [];
  const set = (s: Setting, v: Value) => (s.set as (d: Draft, v: Value) => void)(d, v);
  const preset = settingByKey.get('preset')!;
  const name = given.get('preset');
  if (name !== undefined && preset.kind === 'enum' && !preset.choices.includes(name as string)) {
    problems.push({ key: 'preset', message: `${mustBe(preset, d)}, got ${JSON.stringify(name)}` }); // the draft keeps `start`'s
  } else if (name !== undefined) set(preset, name);
  const before = structuredClone(d);
  for (const s of SETTINGS) if (s.key !== 'preset' && given.has(s.key)) set(s, given.get(s.key)!);
  for (const s of SETTINGS) {
    const f = s.follows;
    // A follower takes its source's lead only when the source is valid (an invalid one is reported on its own).
    const lead = f && given.has(f.from) && !given.has(s.key) && (fresh || !f.freshOnly) && !valueProblem(settingByKey.get(f.from)!, d);
    if (f && lead) set(s, f.value(d, before));
  }
  return { draft: d, problems };
}
