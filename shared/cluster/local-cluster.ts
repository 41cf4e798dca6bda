// Runs a whole llm-atc cluster on this machine, each service its own process: a nats-server with
// JetStream (unless given a NATS URL), schedulers, an ingress, decode and prefill workers. Used by
// `npm start` and by the end-to-end tests.
//
// Security: the started nats-server refuses anonymous clients; every service connects as its role's
// user, every worker as its own (shared/nats/nats-auth.ts). Supervision: a service that exits on its own
// is started again after an exponential backoff; each child watches a pipe from this process and stops
// when it closes (this process died, even by SIGKILL), and a detached reaper stops the nats-server and
// removes its temp dir then (reaper.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type ConnectionOptions } from '@nats-io/transport-node';
import {
  authorizationBlock,
  freePort,
  listKeys,
  generateUsers,
  inboxPrefixOf,
  startNatsServer,
  type GeneratedUsers,
  type NatsServerHandle,
  type NatsUser,
} from '../nats/index.js';
import { kvBuckets } from '../protocol/index.js';

/** max_payload of the started nats-server, bytes: room for the ingress's largest body (8 MiB by default) in one message. */
export const LOCAL_NATS_MAX_PAYLOAD = 16 * 1024 * 1024;
/** Restart backoff of a crashed service: 0.5 s, doubling to at most 30 s; reset after a minute of running. */
const RESTART_BASE_MS = 500;
const RESTART_MAX_MS = 30_000;
const RESTART_RESET_AFTER_MS = 60_000;

// dist/, two levels above this compiled module (dist/shared/cluster).
const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface LocalClusterOptions {
  /** Use this NATS server instead of starting one. */
  readonly natsUrl?: string;
  /** Port of the started nats-server (0: free port). */
  readonly natsPort?: number;
  /** nats-server binary to start; default: on PATH, else /usr/sbin/nats-server. */
  readonly natsServer?: string;
  readonly httpPort: number;
  readonly decodeWorkers: number;
  readonly prefillWorkers: number;
  /** Scheduler replica processes (0 is fine with inProcessPicks). */
  readonly schedulers: number;
  /** The ingress picks in its own process (`--scheduler in-process`) instead of asking the replicas. */
  readonly inProcessPicks?: boolean;
  readonly model: string;
  /**
   * 'sim' (default): workers embed SimEngine. 'vllm-sim': each worker fronts its own vLLM-compatible
   * server process (services/vllm-sim) through VllmEngine, HTTP and ZMQ KV events, as it would a real vLLM.
   */
  readonly engine?: 'sim' | 'vllm-sim';
  /** Extra environment for every service (e.g. ATC_WORKER_TTL_MS, ATC_LOG_LEVEL). */
  readonly env?: Record<string, string>;
  /** Receives every output line of every service, with its name. */
  readonly onLine?: (service: string, line: string) => void;
  /**
   * NATS users and permissions on the started nats-server (default true). false: anonymous clients
   * allowed, as before (tests where access control is not the subject). Ignored with natsUrl: the
   * services then take ATC_NATS_USER etc. from the environment.
   */
  readonly natsAuth?: boolean;
  /** Start a service again when it exits on its own (default true). */
  readonly restart?: boolean;
  /** An API key for the readiness probe when the ingress checks keys (ATC_API_KEYS_FILE in env). */
  readonly apiKey?: string;
  /** NATS client users to create (role client), e.g. for tests of isolation between clients. Default ['client']. */
  readonly natsClients?: readonly string[];
  /**
   * Decode workers offer a direct connection on loopback (`--direct-listen 127.0.0.1:0`) and the ingress
   * sends them generate requests there, no broker between (default true). false: everything over NATS.
   */
  readonly directConnections?: boolean;
}

export interface ServiceProcess {
  readonly name: string;
  /** The current process (replaced when the service is restarted). */
  child: ChildProcess;
  readonly service: string;
  /** Its command line; a restart gives it a fresh --metrics-port (see relaunch). */
  args: readonly string[];
  /** How many times it was restarted. */
  restarts: number;
  /** Killed on purpose (kill()): not restarted. */
  killed: boolean;
}

/**
 * Extra node flags for every service, from ATC_SERVICE_NODE_FLAGS (space-separated): for profiling a
 * running cluster, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", which node refuses in NODE_OPTIONS.
 */
function nodeFlags(): string[] {
  return (process.env['ATC_SERVICE_NODE_FLAGS'] ?? '').split(' ').filter((f) => f !== '');
}

export class LocalCluster {
  readonly services: ServiceProcess[] = [];
  /** Prometheus /metrics port of each service without HTTP of its own (scheduler-N, decode-N, prefill-N). */
  readonly metricsPorts = new Map<string, number>();
  private nats: NatsServerHandle | undefined;
  natsUrl = '';
  /** The started nats-server's temp dir (its configuration; removed on stop). */
  get natsWorkDir(): string | undefined {
    return this.nats?.workDir;
  }
  /** The NATS users of the started server (undefined without auth or with natsUrl). */
  users: GeneratedUsers | undefined;
  private reaper: ChildProcess | undefined;
  private stopping: Promise<void> | undefined;

  constructor(readonly options: LocalClusterOptions) {}

  private workerNames(): string[] {
    return [
      ...Array.from({ length: this.options.decodeWorkers }, (_, i) => `decode-${i + 1}`),
      ...Array.from({ length: this.options.prefillWorkers }, (_, i) => `prefill-${i + 1}`),
    ];
  }

  async start(): Promise<void> {
    if (this.options.natsUrl) this.natsUrl = this.options.natsUrl;
    else {
      if (this.options.natsAuth !== false)
        this.users = generateUsers(this.workerNames(), this.options.natsClients ?? ['client'], this.options.inProcessPicks === true);
      this.nats = await startNatsServer({
        port: this.options.natsPort ?? 0,
        ...(this.options.natsServer ? { binary: this.options.natsServer } : {}),
        ...(this.users ? { authorization: authorizationBlock(this.users.all) } : {}),
        maxPayload: LOCAL_NATS_MAX_PAYLOAD,
      });
      this.natsUrl = this.nats.url;
      this.startReaper(this.nats);
    }
    for (let i = 1; i <= this.options.schedulers; i++) {
      this.spawn(`scheduler-${i}`, 'scheduler', [
        '--replica-id',
        `scheduler-${i}`,
        '--metrics-port',
        String(await this.metricsPortFor(`scheduler-${i}`)),
      ]);
    }
    for (let i = 1; i <= this.options.decodeWorkers; i++) await this.spawnWorker(`decode-${i}`, 'decode-worker', i);
    for (let i = 1; i <= this.options.prefillWorkers; i++) await this.spawnWorker(`prefill-${i}`, 'prefill-worker', 100 + i);
    this.spawn('ingress', 'ingress', [
      '--port',
      String(this.options.httpPort),
      ...(this.options.inProcessPicks ? ['--scheduler', 'in-process'] : []),
      ...(this.options.directConnections === false ? ['--direct', 'off'] : []),
    ]);
  }

  async spawnWorker(name: string, service: 'decode-worker' | 'prefill-worker', seed: number): Promise<ServiceProcess> {
    await this.ensureWorkerUser(name);
    const args = [
      '--worker-id',
      name,
      '--model',
      this.options.model,
      '--seed',
      String(seed),
      '--metrics-port',
      String(await this.metricsPortFor(name)),
      ...(service === 'decode-worker' && this.options.directConnections !== false ? ['--direct-listen', '127.0.0.1:0'] : []),
    ];
    if (this.options.engine === 'vllm-sim') {
      const [httpPort, zmqPort] = [await freePort(), await freePort()];
      this.spawn(`vllm-${name}`, 'vllm-sim', [
        '--port',
        String(httpPort),
        '--served-model-name',
        this.options.model,
        '--seed',
        String(seed),
        // vLLM binds its publisher when the endpoint has '*', and subscribers connect to it.
        '--kv-events-endpoint',
        `tcp://*:${zmqPort}`,
      ]);
      args.push('--vllm-url', `http://127.0.0.1:${httpPort}`, '--vllm-kv-events', `tcp://127.0.0.1:${zmqPort}`);
    }
    return this.spawn(name, service, args);
  }

  /**
   * Starts a service again on a fresh metrics port. A port from freePort() is only free when it is
   * picked: until the child binds it, any process may take it (e.g. as the local end of an outgoing
   * connection) and keep it, and a restart on the same port would then fail forever with EADDRINUSE.
   */
  private async relaunch(proc: ServiceProcess): Promise<void> {
    if (this.stopping || proc.killed) return;
    const at = proc.args.indexOf('--metrics-port');
    if (at >= 0) {
      const args = [...proc.args];
      args[at + 1] = String(await this.metricsPortFor(proc.name));
      proc.args = args;
    }
    if (!this.stopping && !proc.killed) proc.child = this.launch(proc);
  }

  private async metricsPortFor(name: string): Promise<number> {
    const port = await freePort();
    this.metricsPorts.set(name, port);
    return port;
  }

  /**
   * A worker started after the cluster (a test adding capacity) needs its own NATS user: added to the
   * configuration, the server reloaded, and ready once the new user can connect.
   */
  private async ensureWorkerUser(workerId: string): Promise<void> {
    if (!this.users || !this.nats || this.users.workers.has(workerId)) return;
    const user = generateUsers([workerId], []).workers.get(workerId)!;
    (this.users.workers as Map<string, NatsUser>).set(workerId, user);
    this.users = { ...this.users, all: [...this.users.all, user] };
    this.nats.reloadAuthorization(authorizationBlock(this.users.all));
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await (await connect({ servers: this.natsUrl, user: user.user, pass: user.password })).close();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`nats-server did not take the new user ${user.user}: ${String(err)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** The NATS user a service connects as (undefined without auth). */
  private userFor(name: string, service: string): NatsUser | undefined {
    if (!this.users) return undefined;
    if (service === 'ingress') return this.users.ingress;
    if (service === 'scheduler') return this.users.scheduler;
    if (service === 'decode-worker' || service === 'prefill-worker') {
      const user = this.users.workers.get(name);
      if (!user) throw new Error(`no NATS user for worker ${name}: the cluster creates users for the workers it was started with`);
      return user;
    }
    return undefined; // vllm-sim: no NATS
  }

  /** Connection options for a test or tool on this cluster's NATS, as `role` (default: the admin user). */
  natsConnectOptions(role: 'admin' | 'client' | 'ingress' | 'scheduler' = 'admin', clientIndex = 0): ConnectionOptions {
    const user = !this.users
      ? undefined
      : role === 'admin'
        ? this.users.admin
        : role === 'client'
          ? this.users.clients[clientIndex]
          : this.users[role];
    return {
      servers: this.natsUrl,
      ...(user ? { user: user.user, pass: user.password, inboxPrefix: inboxPrefixOf(user.user) } : {}),
    };
  }

  spawn(name: string, service: string, args: string[]): ServiceProcess {
    const proc: ServiceProcess = { name, service, args, child: undefined as unknown as ChildProcess, restarts: 0, killed: false };
    proc.child = this.launch(proc);
    this.services.push(proc);
    return proc;
  }

  private launch(proc: ServiceProcess): ChildProcess {
    const { name, service, args } = proc;
    const user = this.userFor(name, service);
    const child = spawn(process.execPath, [...nodeFlags(), '--enable-source-maps', join(DIST, 'services', service, 'main.js'), ...args], {
      env: {
        ...process.env,
        ATC_NATS_URL: this.natsUrl,
        ...(user ? { ATC_NATS_USER: user.user, ATC_NATS_PASSWORD: user.password } : {}),
        // The child stops when its stdin (a pipe from here) closes: this process is gone.
        ATC_EXIT_WITH_PARENT: '1',
        ...this.options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.reaper?.stdin?.write(`${child.pid}\n`);
    const startedAt = Date.now();
    const emit = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line) this.options.onLine?.(name, line);
    };
    child.stdout?.on('data', emit);
    child.stderr?.on('data', emit);
    child.stdin?.on('error', () => undefined); // a child that died before reading it
    child.on('exit', (code, signal) => {
      if (this.stopping) return;
      if (proc.killed || this.options.restart === false) {
        this.options.onLine?.(name, `exited (code ${code}, signal ${signal})`);
        return;
      }
      if (Date.now() - startedAt > RESTART_RESET_AFTER_MS) proc.restarts = 0;
      const delayMs = Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** proc.restarts);
      proc.restarts++;
      this.options.onLine?.(name, `exited (code ${code}, signal ${signal}); restarting in ${delayMs} ms (restart ${proc.restarts})`);
      setTimeout(() => void this.relaunch(proc), delayMs).unref();
    });
    return child;
  }

  /**
   * A detached process that outlives this one: when this process dies (its stdin pipe closes) it waits
   * for the services (they stop themselves on the same signal) and then stops the nats-server and
   * removes its temp dir.
   */
  private startReaper(nats: NatsServerHandle): void {
    if (nats.pid === undefined) return;
    const reaper = spawn(process.execPath, [join(DIST, 'shared', 'cluster', 'reaper.js'), String(nats.pid), nats.workDir], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
    reaper.stdin?.on('error', () => undefined);
    reaper.unref();
    // Its pipe must not keep this process alive either.
    (reaper.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    this.reaper = reaper;
  }

  /**
   * Waits until every worker has registered, every service without HTTP of its own serves its metrics
   * (a scheduler replica opens them once it takes picks), and a one-token completion goes through
   * ingress, scheduler and a worker: after it, every part of the cluster is in use.
   */
  async waitReady(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await this.waitForWorkers(deadline);
    await this.waitForMetrics(deadline);
    const url = `http://127.0.0.1:${this.options.httpPort}/v1/completions`;
    let last = '';
    for (;;) {
      // Our ingress echoes this id: an answer without it comes from another process on the port.
      const probeId = `ready-${randomUUID()}`;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': probeId, ...this.httpAuthHeaders() },
          body: JSON.stringify({ model: this.options.model, prompt: 'ready?', max_tokens: 1 }),
        });
        if (res.headers.get('x-request-id') !== probeId)
          throw new Error(`port ${this.options.httpPort} is answered by another process, not the llm-atc ingress`);
        if (res.ok) return;
        // API keys on and none to probe with: our ingress answered, which is as far as this probe can see.
        if (res.status === 401 && !this.options.apiKey) return;
        last = `${res.status} ${await res.text()}`;
      } catch (err) {
        if (err instanceof Error && err.message.includes('another process')) throw err;
        last = String(err);
      }
      if (Date.now() > deadline) throw new Error(`cluster not ready after ${timeoutMs} ms (${url}: ${last})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private httpAuthHeaders(): Record<string, string> {
    return this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {};
  }

  private async waitForMetrics(deadline: number): Promise<void> {
    for (;;) {
      const missing: string[] = [];
      for (const proc of this.services) {
        const port = this.metricsPorts.get(proc.name);
        if (port === undefined || proc.killed) continue;
        try {
          const res = await fetch(`http://127.0.0.1:${port}/metrics`);
          // Every service's registry has llm-atc's own metrics; another program on the port would not.
          if (!(res.ok && (await res.text()).includes('# HELP atc_'))) missing.push(proc.name);
        } catch {
          missing.push(proc.name);
        }
      }
      if (missing.length === 0) return;
      if (Date.now() > deadline) throw new Error(`services not serving their metrics in time: ${missing.join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async waitForWorkers(deadline: number): Promise<void> {
    const expected = this.workerNames();
    const nc = await connect(this.users ? { ...this.natsConnectOptions('ingress') } : { servers: this.natsUrl, ...natsEnvCredentials() });
    try {
      for (;;) {
        // Read, never created here: the services create the bucket with their TTL.
        let keys = new Set<string>();
        try {
          keys = new Set(await listKeys(nc, kvBuckets.workers));
        } catch {
          // the bucket does not exist yet
        }
        const missing = expected.filter((id) => !keys.has(id));
        if (missing.length === 0) return;
        if (Date.now() > deadline) throw new Error(`workers not registered in time: ${missing.join(', ')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await nc.close();
    }
  }

  /**
   * Stops the cluster's own nats-server and starts a new one on the same port with an empty store, as a
   * restart without a data volume does: every bucket is gone, the services must recreate them.
   */
  async restartNatsEmpty(): Promise<void> {
    if (!this.nats) throw new Error('restartNatsEmpty: this cluster uses an outside NATS server');
    const port = this.nats.port;
    await this.nats.stop();
    this.nats = await startNatsServer({
      port,
      ...(this.options.natsServer ? { binary: this.options.natsServer } : {}),
      ...(this.users ? { authorization: authorizationBlock(this.users.all) } : {}),
      maxPayload: LOCAL_NATS_MAX_PAYLOAD,
    });
    this.startReaper(this.nats);
  }

  /** Kills one service abruptly (SIGKILL), as a crash would, for good: it is not restarted. */
  kill(name: string): void {
    const proc = this.services.find((s) => s.name === name);
    if (!proc) return;
    proc.killed = true;
    proc.child.kill('SIGKILL');
  }

  /** Idempotent: SIGTERM to every service (SIGKILL after 5 s), then the nats-server. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all(
        this.services.map(
          ({ child }) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
              child.once('exit', () => {
                clearTimeout(timer);
                resolve();
              });
              child.kill('SIGTERM');
            }),
        ),
      );
      await this.nats?.stop();
      this.reaper?.kill('SIGTERM');
    })();
    return this.stopping;
  }
}

/** Credentials of the environment (ATC_NATS_USER, ATC_NATS_PASSWORD) for the cluster's own probe of an existing server. */
function natsEnvCredentials(): Partial<ConnectionOptions> {
  const user = process.env['ATC_NATS_USER'];
  if (!user) return {};
  return { user, pass: process.env['ATC_NATS_PASSWORD'] ?? '', inboxPrefix: process.env['ATC_NATS_INBOX_PREFIX'] ?? inboxPrefixOf(user) };
}
