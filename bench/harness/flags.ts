// Command-line flags of a benchmark run: declared once (name, kind, default, doc), so that usage text,
// BENCHMARKS.md and validation agree, and an unknown or malformed flag is an error naming it.

export const FlagKind = { Number: 'number', String: 'string', Boolean: 'boolean' } as const;
export type FlagKind = (typeof FlagKind)[keyof typeof FlagKind];

export interface FlagSpec {
  /** Without the leading dashes. */
  readonly name: string;
  readonly kind: FlagKind;
  readonly doc: string;
  readonly default?: number | string | boolean;
}

export class Flags {
  private readonly values = new Map<string, string | true>();

  /** args: the command line after the scenario name (kept, so a worker thread can parse the same flags). */
  constructor(readonly args: readonly string[], readonly specs: readonly FlagSpec[]) {
    const byName = new Map(specs.map((s) => [s.name, s]));
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!;
      if (!arg.startsWith('--')) throw new Error(`unexpected argument '${arg}' (flags start with --)`);
      const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
      const spec = byName.get(name);
      if (spec === undefined) throw new Error(`unknown flag --${name} (known: ${specs.map((s) => `--${s.name}`).join(', ')})`);
      if (spec.kind === FlagKind.Boolean) {
        this.values.set(name, true);
        continue;
      }
      const value = inline ?? args[++i];
      if (value === undefined) throw new Error(`--${name} needs a value`);
      if (spec.kind === FlagKind.Number && !Number.isFinite(Number(value))) throw new Error(`--${name} must be a number, got '${value}'`);
      this.values.set(name, value);
    }
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  number(name: string): number {
    const v = this.values.get(name);
    if (typeof v === 'string') return Number(v);
    const d = this.spec(name).default;
    if (typeof d !== 'number') throw new Error(`--${name} is required`);
    return d;
  }

  /** A number that must be a positive integer. */
  count(name: string): number {
    const n = this.number(name);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${n}`);
    return n;
  }

  positive(name: string): number {
    const n = this.number(name);
    if (!(n > 0)) throw new Error(`--${name} must be > 0, got ${n}`);
    return n;
  }

  string(name: string): string {
    const v = this.values.get(name);
    if (typeof v === 'string') return v;
    const d = this.spec(name).default;
    if (typeof d !== 'string') throw new Error(`--${name} is required`);
    return d;
  }

  optionalString(name: string): string | undefined {
    const v = this.values.get(name);
    return typeof v === 'string' ? v : undefined;
  }

  bool(name: string): boolean {
    return this.values.get(name) === true;
  }

  /** A comma-separated list of numbers. */
  numbers(name: string): number[] {
    const raw = this.values.get(name);
    const d = this.spec(name).default;
    const text = typeof raw === 'string' ? raw : typeof d === 'string' ? d : '';
    const xs = text.split(',').map((s) => Number(s.trim()));
    if (xs.length === 0 || xs.some((x) => !(x > 0))) throw new Error(`--${name} must be a comma-separated list of numbers > 0, got '${text}'`);
    return xs;
  }

  private spec(name: string): FlagSpec {
    const s = this.specs.find((x) => x.name === name);
    if (s === undefined) throw new Error(`flag --${name} is not declared for this scenario`);
    return s;
  }
}

export function flagUsage(specs: readonly FlagSpec[]): string {
  return specs.map((s) => `    --${s.name}${s.kind === FlagKind.Boolean ? '' : ` <${s.kind}>`}  ${s.doc}${s.default !== undefined ? ` (default ${s.default})` : ''}`).join('\n');
}
