// Worker-thread side of arm-pool.ts: rebuilds the scenario and its flags, runs one arm, posts the outcome.
import { parentPort, workerData } from 'node:worker_threads';
import { Flags } from './flags.js';
import { runArm } from '../run-scenario.js';
import { routingScenario } from '../scenarios/index.js';
import type { ArmWorkerData, ArmWorkerMessage } from './arm-pool.js';

const data = workerData as ArmWorkerData;
const post = (m: ArmWorkerMessage) => parentPort!.postMessage(m);
try {
  const scenario = routingScenario(data.scenarioName);
  const flags = new Flags(data.flagArgs, data.flagSpecs);
  const outcome = runArm({ ...data.options, scenario, flags }, data.policy, data.layoutIndex, {
    progress: (fraction, label) => post({ type: 'progress', fraction, label }),
    unitDone: (summary) => post({ type: 'unit', summary }),
    warn: (message) => post({ type: 'warn', message }),
  });
  post({ type: 'done', outcome });
} catch (err) {
  post({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
}
