export { startVllmServer } from './server.js';
export type { VllmServer, VllmServerOptions } from './server.js';
export { ApiError, ApiErrorType } from './api-error.js';
export { parseVllmSimCli } from './cli-options.js';
export type { VllmSimCliOptions } from './cli-options.js';
