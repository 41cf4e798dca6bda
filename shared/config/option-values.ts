// Turns one raw option value (a flag's or an environment variable's text) into its typed value, or fails
// with a message that names where the value came from and what was expected.
import { OptionKind, type ListItem, type NumberRange, type OptionSpec } from './option-spec.js';

export class OptionsError extends Error {
  override name = 'OptionsError';
}

/** "in [0, 65535]", "> 0", ">= 1", "<= 10", or "" without bounds. */
export function rangeText(r: NumberRange): string {
  const lo = r.min === undefined ? undefined : `${r.exclusiveMin ? '(' : '['}${r.min}`;
  if (lo !== undefined && r.max !== undefined) return `in ${lo}, ${r.max}]`;
  if (r.min !== undefined) return `${r.exclusiveMin ? '>' : '>='} ${r.min}`;
  if (r.max !== undefined) return `<= ${r.max}`;
  return '';
}

/** What a value must be, as the usage text and error messages say it: "an integer in [0, 65535]". */
export function expected(spec: OptionSpec<unknown>): string {
  const range = rangeText(spec);
  const bounded = (noun: string) => (range === '' ? noun : `${noun} ${range}`);
  switch (spec.kind) {
    case OptionKind.Integer:
      return bounded('an integer');
    case OptionKind.Number:
      return bounded('a number');
    case OptionKind.Boolean:
      return 'a boolean (1, true, 0 or false)';
    case OptionKind.Choice:
      return `one of ${(spec.choices ?? []).join(', ')}`;
    case OptionKind.List:
      return `a comma-separated list of ${spec.item === OptionKind.String ? 'strings' : bounded(spec.item === OptionKind.Integer ? 'integers' : 'numbers')}`;
    default:
      return 'a string';
  }
}

function inRange(n: number, r: NumberRange): boolean {
  if (r.min !== undefined && (r.exclusiveMin ? !(n > r.min) : !(n >= r.min))) return false;
  return r.max === undefined || n <= r.max;
}

/** A number from text, or undefined: blank text is not 0, as Number('') would have it. */
function numeric(raw: string, item: ListItem, r: NumberRange): number | undefined {
  if (raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || (item === OptionKind.Integer && !Number.isSafeInteger(n))) return undefined;
  return inRange(n, r) ? n : undefined;
}

/** Parses `raw` as `spec` says; `source` names its origin in the error ("--port" or "ATC_HTTP_PORT"). */
export function parseValue(spec: OptionSpec<unknown>, raw: string, source: string): unknown {
  const fail = (): never => {
    throw new OptionsError(`${source} must be ${expected(spec)}, got ${JSON.stringify(raw)}`);
  };
  switch (spec.kind) {
    case OptionKind.Integer:
    case OptionKind.Number:
      return numeric(raw, spec.kind, spec) ?? fail();
    case OptionKind.Boolean:
      if (raw === '1' || raw === 'true') return true;
      if (raw === '0' || raw === 'false') return false;
      return fail();
    case OptionKind.Choice:
      return spec.choices?.includes(raw) ? raw : fail();
    case OptionKind.List: {
      const items = raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      if (items.length === 0) return fail();
      const item = spec.item ?? OptionKind.String;
      if (item === OptionKind.String) return items;
      return items.map((s) => numeric(s, item, spec) ?? fail());
    }
    default:
      return raw;
  }
}
