// Reads a plugin's `parameters` mapping with validation; every error names the plugin and the field.
import { SchedulingConfigError } from '../errors.js';

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  try {
    // JSON.stringify gives undefined for functions and symbols: name their type instead.
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value; // a cycle: say what it is, not '[object Object]'
  }
}

export interface NumberRule {
  readonly default: number;
  readonly min?: number;
  readonly max?: number;
  /** min is exclusive. */
  readonly minExclusive?: boolean;
  readonly integer?: boolean;
}

export class PluginParams {
  private readonly raw: Readonly<Record<string, unknown>>;
  private readonly read = new Set<string>();

  constructor(
    /** The plugin's instance name, for messages. */
    readonly plugin: string,
    raw: unknown,
  ) {
    if (raw === undefined || raw === null) this.raw = {};
    else if (typeof raw === 'object' && !Array.isArray(raw)) this.raw = raw as Record<string, unknown>;
    else throw new SchedulingConfigError(`plugin "${plugin}": "parameters" must be a mapping, got ${show(raw)}`);
  }

  fail(field: string, expectation: string, got: unknown): never {
    throw new SchedulingConfigError(`plugin "${this.plugin}": parameter "${field}" must be ${expectation}, got ${show(got)}`);
  }

  number(field: string, rule: NumberRule): number {
    this.read.add(field);
    const v = this.raw[field];
    if (v === undefined) return rule.default;
    const kind = rule.integer ? 'an integer' : 'a number';
    const bounds: string[] = [];
    if (rule.min !== undefined) bounds.push(`${rule.minExclusive ? '>' : '≥'} ${rule.min}`);
    if (rule.max !== undefined) bounds.push(`≤ ${rule.max}`);
    const expectation = `${kind}${bounds.length ? ' ' + bounds.join(' and ') : ''}`;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(field, expectation, v);
    if (rule.integer && !Number.isInteger(v)) this.fail(field, expectation, v);
    if (rule.min !== undefined && (rule.minExclusive ? v <= rule.min : v < rule.min)) this.fail(field, expectation, v);
    if (rule.max !== undefined && v > rule.max) this.fail(field, expectation, v);
    return v;
  }

  boolean(field: string, fallback: boolean): boolean {
    this.read.add(field);
    const v = this.raw[field];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') this.fail(field, 'true or false', v);
    return v;
  }

  oneOf<T extends string>(field: string, allowed: readonly T[], fallback: T): T {
    this.read.add(field);
    const v = this.raw[field];
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
      this.fail(field, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`, v);
    return v as T;
  }

  string(field: string, fallback: string): string {
    this.read.add(field);
    const v = this.raw[field];
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || v.length === 0) this.fail(field, 'a non-empty string', v);
    return v;
  }

  /** Call after reading every parameter: unknown fields are errors (typos must not pass silently). */
  done(): void {
    for (const key of Object.keys(this.raw))
      if (!this.read.has(key))
        throw new SchedulingConfigError(
          `plugin "${this.plugin}": unknown parameter "${key}"${this.read.size ? ` (known: ${[...this.read].join(', ')})` : ' (it takes none)'}`,
        );
  }
}
