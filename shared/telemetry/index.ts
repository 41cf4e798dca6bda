export { createLogger, logPrompts } from './logger.js';
export type { Logger } from './logger.js';
