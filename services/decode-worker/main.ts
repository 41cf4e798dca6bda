// Decode worker: wraps one engine, runs requests, streams tokens to the requester.
import { runWorkerMain } from '../worker/worker-main.js';

await runWorkerMain('decode', process.argv.slice(2), process.env);
