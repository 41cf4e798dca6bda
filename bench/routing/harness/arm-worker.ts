// Worker-thread side of arm-pool.ts: rebuilds the scenario, runs one arm, posts the outcome.
import { parentPort, workerData } from 'node:worker_threads';
import { runArm, type ArmOutcome } from '../arm.js';
import { routingScenario } from '../scenarios/index.js';
import type { ArmWorkerData } from './arm-pool.js';
import type { TaskMessage } from './worker-tasks.js';

const data = workerData as ArmWorkerData;
const post = (m: TaskMessage<ArmOutcome>) => parentPort!.postMessage(m);
try {
  const scenario = routingScenario(data.scenarioName);
  const result = runArm({ ...data.options, scenario }, data.policy, data.layoutIndex, {
    progress: (fraction, label) => post({ type: 'progress', fraction, label }),
    unitDone: (summary) => post({ type: 'unit', summary }),
    warn: (message) => post({ type: 'warn', message }),
  });
  post({ type: 'done', result });
} catch (err) {
  post({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
}
