// `npm start`: the whole llm-atc cluster on this machine, with readable prefixed logs. Ctrl-C stops it.
import { parseInteger, parseOptions, parseString, exitOnStartupError } from '../shared/config/index.js';
import { formatLogLine } from './log-format.js';
import { LocalCluster } from './local-cluster.js';

const specs = {
  port: { flag: 'port', env: 'ATC_HTTP_PORT', doc: 'ingress HTTP port', default: 8080, parse: parseInteger(1, 65535) },
  natsUrl: { flag: 'nats-url', env: 'ATC_NATS_URL', doc: 'use this NATS server instead of starting one', default: '', parse: parseString },
  natsPort: { flag: 'nats-port', env: 'ATC_NATS_PORT', doc: 'port of the started nats-server (0: free port)', default: 0, parse: parseInteger(0, 65535) },
  decodeWorkers: { flag: 'decode-workers', env: 'ATC_DECODE_WORKERS', doc: 'number of decode workers', default: 2, parse: parseInteger(0, 64) },
  prefillWorkers: { flag: 'prefill-workers', env: 'ATC_PREFILL_WORKERS', doc: 'number of prefill workers', default: 1, parse: parseInteger(0, 64) },
  schedulers: { flag: 'schedulers', env: 'ATC_SCHEDULERS', doc: 'number of scheduler replicas', default: 1, parse: parseInteger(1, 16) },
  model: { flag: 'model', env: 'ATC_MODEL', doc: 'model name the workers serve', default: 'llama-3-8b', parse: parseString },
};

let opts;
try {
  opts = parseOptions(specs);
} catch (err) {
  exitOnStartupError('start', err);
}
const width = 12;
const cluster = new LocalCluster({
  ...(opts.natsUrl ? { natsUrl: opts.natsUrl } : {}),
  natsPort: opts.natsPort, httpPort: opts.port, decodeWorkers: opts.decodeWorkers, prefillWorkers: opts.prefillWorkers,
  schedulers: opts.schedulers, model: opts.model,
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
