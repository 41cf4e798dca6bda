// Writes a nats-server configuration with llm-atc's users and permissions (shared/nats/nats-auth.ts) and
// one password file per user, for deployments (docker compose, Kubernetes):
//   node dist/scripts/nats-config.js --out DIR --workers decode-1,decode-2,prefill-1 [--clients client] [--ingress-picks]
// DIR/nats.conf is the server's (-c), DIR/<user>.password each service's (ATC_NATS_PASSWORD_FILE). An
// existing DIR/nats.conf is kept (restarts keep their passwords) unless --force.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exitOnStartupError, option, optionsOrExit } from '../shared/config/index.js';
import { LOCAL_NATS_MAX_PAYLOAD } from '../shared/cluster/local-cluster.js';
import { authorizationBlock, generateUsers } from '../shared/nats/index.js';

const opts = optionsOrExit(
  'nats-config',
  {
    out: option.string({ flag: 'out', env: 'ATC_NATS_CONFIG_DIR', doc: 'directory to write nats.conf and the password files to' }),
    workers: option.list({ flag: 'workers', env: 'ATC_NATS_WORKERS', doc: 'worker ids, one NATS user each' }),
    clients: option.list({ flag: 'clients', env: 'ATC_NATS_CLIENTS', default: ['client'], doc: 'NATS API client users' }),
    maxPayload: option.integer({
      flag: 'max-payload',
      env: 'ATC_NATS_MAX_PAYLOAD',
      min: 1024 * 1024,
      max: 64 * 1024 * 1024,
      default: LOCAL_NATS_MAX_PAYLOAD,
      doc: "the server's max_payload, bytes (the ingress's 8 MiB bodies need more than 8 MiB)",
    }),
    force: option.boolean({ flag: 'force', doc: 'replace an existing configuration (new passwords)' }),
    ingressPicks: option.boolean({
      flag: 'ingress-picks',
      env: 'ATC_NATS_INGRESS_PICKS',
      doc: "give the ingress user a scheduler's feeds too, for an ingress run with --scheduler in-process",
    }),
  },
  process.argv.slice(2),
  process.env,
);
try {
  if (!opts.out) throw new Error('--out is required');
  if (!opts.workers) throw new Error('--workers is required (the worker ids, comma-separated)');
  const conf = join(opts.out, 'nats.conf');
  if (existsSync(conf) && !opts.force) {
    process.stdout.write(`nats-config: ${conf} exists, kept (--force replaces it)\n`);
    process.exit(0);
  }
  mkdirSync(opts.out, { recursive: true });
  const users = generateUsers(opts.workers, opts.clients, opts.ingressPicks);
  // Readable by the services' user in the containers (the directory is the deployment's secret).
  for (const u of users.all) writeFileSync(join(opts.out, `${u.user}.password`), u.password, { mode: 0o644 });
  writeFileSync(conf, JSON.stringify({ max_payload: opts.maxPayload, authorization: authorizationBlock(users.all) }, null, 2) + '\n', {
    mode: 0o644,
  });
  chmodSync(opts.out, 0o755);
  process.stdout.write(`nats-config: wrote ${conf} and ${users.all.length} password files (${users.all.map((u) => u.user).join(', ')})\n`);
} catch (err) {
  exitOnStartupError('nats-config', err);
}
