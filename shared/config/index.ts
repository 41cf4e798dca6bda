export {
  LOG_LEVELS,
  MAX_TIMER_MS,
  logLevelOption,
  metricsHostOption,
  metricsPortOption,
  modelOption,
  natsCredentialOptions,
  natsServerOption,
  natsUrlOption,
  tokenizerPathOption,
  tokenizerThreadsOption,
  workerTtlMsOption,
  kvReplicasOption,
} from './common-options.js';
export { OptionKind, option } from './option-spec.js';
export type { ListItem, NumberRange, OptionSpec, OptionSpecs, Options } from './option-spec.js';
export { OptionsError } from './option-values.js';
export { HelpRequested, parseOptions } from './options.js';
export type { Environment, ParseOptionsContext } from './options.js';
export { optionLines, usage } from './options-usage.js';
export { closeOnSignals } from './shutdown.js';
export { exitOnStartupError, optionsOrExit } from './startup.js';
