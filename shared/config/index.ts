export { logLevelOption, metricsHostOption, metricsPortOption, modelOption, natsUrlOption } from './common-options.js';
export { closeOnSignals, exitOnStartupError } from './shutdown.js';
export { OptionsError, parseChoice, parseInteger, parseOptions, parseString, usage } from './options.js';
export type { OptionSpec, Options } from './options.js';
