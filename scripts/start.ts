// `npm start`: the whole llm-atc cluster on this machine, with readable prefixed logs. Ctrl-C stops it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exitOnStartupError, optionsOrExit } from '../shared/config/index.js';
import { formatLogLine } from './log-format.js';
import { LocalCluster } from '../shared/cluster/local-cluster.js';
import { portIsFree } from '../shared/nats/index.js';
import { ApiKeys } from '../services/ingress/api-keys.js';
import { START_OPTIONS, checkServiceEnvironment } from './start-options.js';

const opts = optionsOrExit('start', START_OPTIONS, process.argv.slice(2), process.env, 'npm start --');
let apiKeys: ApiKeys | undefined;
try {
  checkServiceEnvironment(process.env);
  apiKeys = opts.apiKeysFile ? ApiKeys.fromFile(opts.apiKeysFile) : undefined;
  // A taken port: the ingress would exit with EADDRINUSE while whatever holds the port answered for it.
  const host = process.env['ATC_HTTP_HOST'] || '0.0.0.0';
  if (!(await portIsFree(opts.port, host)))
    throw new Error(`port ${opts.port} (${host}) is taken by another process: stop it or choose another with --port`);
} catch (err) {
  exitOnStartupError('start', err);
}
const width = 12;
const cluster = new LocalCluster({
  ...(opts.apiKeysFile ? { env: { ATC_API_KEYS_FILE: opts.apiKeysFile } } : {}),
  natsAuth: !opts.noNatsAuth,
  ...(opts.natsUrl ? { natsUrl: opts.natsUrl } : {}),
  ...(opts.natsServer ? { natsServer: opts.natsServer } : {}),
  natsPort: opts.natsPort,
  httpPort: opts.port,
  decodeWorkers: opts.decodeWorkers,
  prefillWorkers: opts.prefillWorkers,
  schedulers: opts.schedulers,
  inProcessPicks: opts.schedulers === 0 || process.env['ATC_INGRESS_SCHEDULER'] === 'in-process',
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
// Run under npm (or a shell) that is killed: this process is handed to init, its parent id changes.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) void stop(1);
}, 500).unref();

try {
  await cluster.start();
  process.stdout.write(`${'[nats]'.padEnd(width)} ${cluster.natsUrl}${opts.natsUrl ? ' (existing)' : ' (started, JetStream on)'}\n`);
  await cluster.waitReady(60_000);
  const url = `http://127.0.0.1:${opts.port}`;
  process.stdout.write(`
llm-atc is up: OpenAI-compatible API at ${url}/v1 (model "${opts.model}"), NATS at ${cluster.natsUrl}
${apiKeysLine()}
${natsLine()}
Try:
  curl ${url}/v1/chat/completions -H 'content-type: application/json' \\${apiKeys ? `\n    -H "Authorization: Bearer $YOUR_KEY" \\` : ''}
    -d '{"model":"${opts.model}","messages":[{"role":"user","content":"Hello!"}],"max_tokens":32}'
Ctrl-C stops everything.

`);
} catch (err) {
  process.stderr.write(`start failed: ${err instanceof Error ? err.message : String(err)}\n`);
  await stop(1);
}

function apiKeysLine(): string {
  return apiKeys
    ? `API keys: required on /v1 (${apiKeys.size} from ${opts.apiKeysFile})`
    : 'API keys: OFF - no --api-keys-file / ATC_API_KEYS_FILE, so anyone who reaches the port can use the API';
}

/** Where the NATS credentials of the started server are: the client user's for the NATS API, the admin's for tools. */
function natsLine(): string {
  const users = cluster.users;
  if (opts.natsUrl)
    return 'NATS: existing server; the services use ATC_NATS_USER / ATC_NATS_PASSWORD / ATC_NATS_CREDS from the environment';
  if (!users || !cluster.natsWorkDir)
    return 'NATS: users and permissions OFF (--no-nats-auth): anyone who reaches the port can read every prompt';
  const file = (name: string, text: string) => {
    const path = join(cluster.natsWorkDir!, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };
  const client = users.clients[0]!;
  const clientFile = file('client.password', client.password + '\n');
  const adminFile = file('atc-admin.password', users.admin.password + '\n');
  return (
    `NATS: anonymous clients refused; one user per service role and worker. NATS API clients: user "${client.user}", ` +
    `inbox prefix _INBOX.${client.user}, password in ${clientFile}; all subjects: user "${users.admin.user}", password in ${adminFile}`
  );
}
