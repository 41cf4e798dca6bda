// Worker-thread side of the evaluation: runs one CapacityTask and posts its result.
import { parentPort, workerData } from 'node:worker_threads';
import type { TaskMessage } from '../harness/worker-tasks.js';
import { runCapacityTask, type CapacityTask, type CapacityTaskResult } from './capacity-task.js';

const task = workerData as CapacityTask;
const post = (m: TaskMessage<CapacityTaskResult>) => parentPort!.postMessage(m);
try {
  const result = runCapacityTask(task, (label, fraction) => post({ type: 'progress', fraction, label }));
  post({ type: 'done', result });
} catch (err) {
  post({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
}
