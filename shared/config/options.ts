// Parses a command line and an environment against option declarations (option-spec.ts), with node:util
// parseArgs in strict mode: an unknown flag, a missing value or a stray argument is an error. Precedence:
// flag, then environment variable, then default. A bad value from either source fails here, at start-up,
// naming the flag or the variable and what it must be; a bad variable fails even when a flag overrides
// it, so that a misconfigured environment never lies in wait. An empty variable counts as unset.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { OptionKind, type OptionSpecs, type Options } from './option-spec.js';
import { OptionsError, parseValue } from './option-values.js';
import { usage } from './options-usage.js';

/** --help or -h was given: `text` is the usage; print it and exit 0. */
export class HelpRequested extends Error {
  override name = 'HelpRequested';
  constructor(readonly text: string) {
    super(text);
  }
}

export type Environment = Readonly<Record<string, string | undefined>>;

export interface ParseOptionsContext {
  /** The command as --help shows it, e.g. "ingress" or "npm run bench -- evaluate". */
  readonly command?: string;
}

function parseArgsOptions(specs: OptionSpecs): NonNullable<ParseArgsConfig['options']> {
  const out: NonNullable<ParseArgsConfig['options']> = { help: { type: 'boolean', short: 'h' } };
  const seen = new Set<string>();
  for (const spec of Object.values(specs)) {
    // Declaration mistakes, not user input: fail loudly whatever the command line.
    if (spec.flag === 'help' || seen.has(spec.flag)) throw new Error(`option --${spec.flag} is declared twice (or as --help)`);
    seen.add(spec.flag);
    out[spec.flag] = { type: spec.kind === OptionKind.Boolean ? 'boolean' : 'string' };
  }
  return out;
}

/** parseArgs's own errors (unknown option, missing value, stray argument) as OptionsError. */
function commandLine(specs: OptionSpecs, argv: readonly string[]): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({ args: [...argv], options: parseArgsOptions(specs), strict: true, allowPositionals: false }).values as Record<
      string,
      string | boolean | undefined
    >;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_'))
      throw new OptionsError(`${(err as Error).message} (--help lists the options)`);
    throw err;
  }
}

export function parseOptions<S extends OptionSpecs>(
  specs: S,
  argv: readonly string[],
  env: Environment = {},
  context: ParseOptionsContext = {},
): Options<S> {
  const flags = commandLine(specs, argv);
  if (flags['help'] === true) throw new HelpRequested(usage(context.command ?? 'command', specs));
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const rawEnv = spec.env === undefined ? undefined : env[spec.env];
    const fromEnv = rawEnv === undefined || rawEnv === '' ? undefined : { value: parseValue(spec, rawEnv, spec.env!) };
    const fromFlag = flags[spec.flag];
    if (typeof fromFlag === 'boolean') out[key] = fromFlag;
    else if (fromFlag !== undefined) out[key] = parseValue(spec, fromFlag, `--${spec.flag}`);
    else out[key] = fromEnv !== undefined ? fromEnv.value : spec.default;
  }
  return out as Options<S>;
}
