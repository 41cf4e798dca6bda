// Prefill worker: wraps one engine, computes prompts' KV caches for decode workers.
import { runWorkerMain } from '../worker/worker-main.js';

await runWorkerMain('prefill', process.argv.slice(2), process.env);
