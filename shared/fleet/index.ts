export { DEFAULT_WORKER_TTL_MS, openWorkerRegistry, openWorkerRegistryBucket, workerRegistrySpec } from './registry-bucket.js';
export { WorkerDirectory } from './worker-directory.js';
export type { WorkerView } from './worker-directory.js';
