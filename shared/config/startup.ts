// A process's start: its options parsed from its command line and environment, or a clear exit.
import type { OptionSpecs, Options } from './option-spec.js';
import { HelpRequested, parseOptions, type Environment } from './options.js';

/** Prints a start-up failure (bad options, unreachable NATS) clearly and exits 2; --help prints usage and exits 0. */
export function exitOnStartupError(service: string, err: unknown): never {
  if (err instanceof HelpRequested) {
    process.stdout.write(err.text);
    process.exit(0);
  }
  process.stderr.write(`${service}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}

/**
 * The service's options; on a bad flag or variable (or --help) the process exits here, before any work.
 * command: how --help names the command (default: the service).
 */
export function optionsOrExit<S extends OptionSpecs>(
  service: string,
  specs: S,
  argv: readonly string[],
  env: Environment,
  command = service,
): Options<S> {
  try {
    return parseOptions(specs, argv, env, { command });
  } catch (err) {
    exitOnStartupError(service, err);
  }
}
