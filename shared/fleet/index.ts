export { DEFAULT_WORKER_TTL_MS, openWorkerRegistry } from './registry-bucket.js';
export { WorkerDirectory } from './worker-directory.js';
export type { WorkerView } from './worker-directory.js';
