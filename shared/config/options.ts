// Service options: each declared once with its flag, environment variable, default and documentation.
// Precedence: command-line flag, then environment variable, then default. Unknown flags and bad values
// fail at start-up with a message naming the option.

export interface OptionSpec<T> {
  /** Flag name without dashes, e.g. "port" for --port. */
  readonly flag: string;
  readonly env: string;
  readonly doc: string;
  readonly default: T;
  readonly parse: (raw: string, name: string) => T;
}

export class OptionsError extends Error {
  override name = 'OptionsError';
}

export const parseString = (raw: string) => raw;

export function parseInteger(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (raw: string, name: string): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new OptionsError(`${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(raw)}`);
    return n;
  };
}

export function parseChoice<T extends string>(choices: readonly T[]) {
  return (raw: string, name: string): T => {
    if (!(choices as readonly string[]).includes(raw)) throw new OptionsError(`${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(raw)}`);
    return raw as T;
  };
}

type Specs = Record<string, OptionSpec<unknown>>;
export type Options<S extends Specs> = { [K in keyof S]: S[K] extends OptionSpec<infer T> ? T : never };

export function parseOptions<S extends Specs>(
  specs: S,
  argv: readonly string[] = process.argv.slice(2),
  env: Readonly<Record<string, string | undefined>> = process.env,
): Options<S> {
  const byFlag = new Map(Object.entries(specs).map(([key, spec]) => [spec.flag, key]));
  const raw = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') throw new OptionsError(usage(specs));
    if (!arg.startsWith('--')) throw new OptionsError(`unexpected argument ${JSON.stringify(arg)}\n${usage(specs)}`);
    const eq = arg.indexOf('=');
    const flag = arg.slice(2, eq < 0 ? undefined : eq);
    const key = byFlag.get(flag);
    if (key === undefined) throw new OptionsError(`unknown option --${flag}\n${usage(specs)}`);
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new OptionsError(`--${flag} needs a value`);
    raw.set(key, value);
  }
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const fromFlag = raw.get(key);
    const fromEnv = env[spec.env];
    if (fromFlag !== undefined) out[key] = spec.parse(fromFlag, `--${spec.flag}`);
    else if (fromEnv !== undefined && fromEnv !== '') out[key] = spec.parse(fromEnv, spec.env);
    else out[key] = spec.default;
  }
  return out as Options<S>;
}

export function usage(specs: Specs): string {
  const lines = ['options (flag / environment variable, default):'];
  for (const spec of Object.values(specs)) {
    lines.push(`  --${spec.flag} / ${spec.env} (default ${JSON.stringify(spec.default)})\n      ${spec.doc}`);
  }
  return lines.join('\n');
}
