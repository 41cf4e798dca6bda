// How an option is declared: flag, optional environment variable, kind with its constraints, default and
// documentation, in one place. Specs are plain data (no functions), so usage text is generated from them
// and a benchmark can hand parsed values to a worker thread.

export const OptionKind = {
  String: 'string',
  Integer: 'integer',
  Number: 'number',
  Boolean: 'boolean',
  Choice: 'choice',
  List: 'list',
} as const;
export type OptionKind = (typeof OptionKind)[keyof typeof OptionKind];

/** What a comma list holds. */
export type ListItem = typeof OptionKind.String | typeof OptionKind.Integer | typeof OptionKind.Number;

/** Bounds of a number, an integer, or each number of a list. */
export interface NumberRange {
  readonly min?: number;
  readonly max?: number;
  /** min itself is out (a number "> min"). */
  readonly exclusiveMin?: boolean;
}

/** T is the parsed value's type: undefined is in it when the option has no default. */
export interface OptionSpec<T> extends NumberRange {
  readonly kind: OptionKind;
  /** Without the leading dashes, e.g. "port" for --port. */
  readonly flag: string;
  readonly env?: string;
  readonly doc: string;
  readonly default: T;
  /** How usage shows a default that depends on the machine or the process (e.g. "the CPU count"). */
  readonly defaultDoc?: string;
  /** Choice: the allowed values. */
  readonly choices?: readonly string[];
  /** List: the kind of each comma-separated item. */
  readonly item?: ListItem;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec<unknown>>>;

/** The typed values of a set of specs, by the same keys. */
export type Options<S extends OptionSpecs> = { readonly [K in keyof S]: S[K] extends OptionSpec<infer T> ? T : never };

interface Declared {
  readonly flag: string;
  readonly env?: string;
  readonly doc: string;
  readonly defaultDoc?: string;
}

type WithDefault<T> = Declared & { readonly default: T };
type WithoutDefault = Declared & { readonly default?: undefined };
type ListValue<I extends ListItem> = I extends typeof OptionKind.String ? string[] : number[];

function string(o: WithDefault<string>): OptionSpec<string>;
function string(o: WithoutDefault): OptionSpec<string | undefined>;
function string(o: Declared & { readonly default?: string }): OptionSpec<string | undefined> {
  return { ...o, kind: OptionKind.String, default: o.default };
}

function integer(o: WithDefault<number> & NumberRange): OptionSpec<number>;
function integer(o: WithoutDefault & NumberRange): OptionSpec<number | undefined>;
function integer(o: Declared & NumberRange & { readonly default?: number }): OptionSpec<number | undefined> {
  return { ...o, kind: OptionKind.Integer, default: o.default };
}

function number(o: WithDefault<number> & NumberRange): OptionSpec<number>;
function number(o: WithoutDefault & NumberRange): OptionSpec<number | undefined>;
function number(o: Declared & NumberRange & { readonly default?: number }): OptionSpec<number | undefined> {
  return { ...o, kind: OptionKind.Number, default: o.default };
}

/** A flag without a value (present: true); from the environment 1/true or 0/false. Default false. */
function boolean(o: Declared & { readonly default?: boolean }): OptionSpec<boolean> {
  return { ...o, kind: OptionKind.Boolean, default: o.default ?? false };
}

function choice<const C extends string>(o: WithDefault<NoInfer<C>> & { readonly choices: readonly C[] }): OptionSpec<C>;
function choice<const C extends string>(o: WithoutDefault & { readonly choices: readonly C[] }): OptionSpec<C | undefined>;
function choice(o: Declared & { readonly choices: readonly string[]; readonly default?: string }): OptionSpec<string | undefined> {
  return { ...o, kind: OptionKind.Choice, default: o.default };
}

/** Comma-separated items (blank items dropped; at least one). Numbers take a range, as `number` does. */
function list<const I extends ListItem = typeof OptionKind.String>(
  o: WithDefault<ListValue<I>> & NumberRange & { readonly item?: I },
): OptionSpec<ListValue<I>>;
function list<const I extends ListItem = typeof OptionKind.String>(
  o: WithoutDefault & NumberRange & { readonly item?: I },
): OptionSpec<ListValue<I> | undefined>;
function list(o: Declared & NumberRange & { readonly item?: ListItem; readonly default?: readonly unknown[] }): OptionSpec<unknown> {
  return { ...o, kind: OptionKind.List, item: o.item ?? OptionKind.String, default: o.default };
}

/** The declaration helpers: `option.integer({ flag: 'port', env: 'ATC_HTTP_PORT', min: 0, max: 65535, default: 8080, doc })`. */
export const option = { string, integer, number, boolean, choice, list };
