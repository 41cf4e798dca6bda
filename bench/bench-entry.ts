// One `npm run bench -- <name>` entry: its doc, its option declarations, and what it runs with their
// parsed values. The declarations make its usage text and its validation (shared/config).
import type { OptionSpecs, Options } from '../shared/config/index.js';

export interface BenchEntry {
  readonly doc: string;
  readonly options: OptionSpecs;
  /** opts: parsed against `options`; args: the command line after the entry's name, as typed. */
  readonly run: (opts: Options<OptionSpecs>, args: readonly string[]) => Promise<void>;
}

/** An entry whose run gets its options typed from its declarations. */
export function benchEntry<S extends OptionSpecs>(
  doc: string,
  options: S,
  run: (opts: Options<S>, args: readonly string[]) => Promise<void>,
): BenchEntry {
  return { doc, options, run: (opts, args) => run(opts as Options<S>, args) };
}
