export { WorkerDirectory } from './worker-directory.js';
export type { WorkerView } from './worker-directory.js';
