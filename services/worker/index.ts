export { WorkerRuntime } from './worker-runtime.js';
export type { WorkerRuntimeOptions } from './worker-runtime.js';
export { runWorkerMain } from './worker-main.js';
