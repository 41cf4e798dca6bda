// `npm start`: the whole llm-atc cluster on this machine, with readable prefixed logs. Ctrl-C stops it.
import { exitOnStartupError, optionsOrExit } from '../shared/config/index.js';
import { formatLogLine } from './log-format.js';
import { LocalCluster } from '../shared/cluster/local-cluster.js';
import { START_OPTIONS, checkServiceEnvironment } from './start-options.js';

const opts = optionsOrExit('start', START_OPTIONS, process.argv.slice(2), process.env, 'npm start --');
try {
  checkServiceEnvironment(process.env);
} catch (err) {
  exitOnStartupError('start', err);
}
const width = 12;
const cluster = new LocalCluster({
  ...(opts.natsUrl ? { natsUrl: opts.natsUrl } : {}),
  ...(opts.natsServer ? { natsServer: opts.natsServer } : {}),
  natsPort: opts.natsPort,
  httpPort: opts.port,
  decodeWorkers: opts.decodeWorkers,
  prefillWorkers: opts.prefillWorkers,
  schedulers: opts.schedulers,
  model: opts.model,
  onLine: (service, line) => process.stdout.write(formatLogLine(`[${service}]`.padEnd(width), line) + '\n'),
});

let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\nstopping llm-atc...\n');
  await cluster.stop();
  process.exit(code);
};
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

try {
  await cluster.start();
  process.stdout.write(`${'[nats]'.padEnd(width)} ${cluster.natsUrl}${opts.natsUrl ? ' (existing)' : ' (started, JetStream on)'}\n`);
  await cluster.waitReady(60_000);
  const url = `http://127.0.0.1:${opts.port}`;
  process.stdout.write(`
llm-atc is up: OpenAI-compatible API at ${url}/v1 (model "${opts.model}"), NATS at ${cluster.natsUrl}
Try:
  curl ${url}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"${opts.model}","messages":[{"role":"user","content":"Hello!"}],"max_tokens":32}'
Ctrl-C stops everything.

`);
} catch (err) {
  process.stderr.write(`start failed: ${err instanceof Error ? err.message : String(err)}\n`);
  await stop(1);
}
