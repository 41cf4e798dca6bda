// Runs a whole llm-atc cluster on this machine, each service its own process: a nats-server with
// JetStream (unless given a NATS URL), schedulers, an ingress, decode and prefill workers. Used by
// `npm start` and by the end-to-end tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { freePort, listKeys, startNatsServer, type NatsServerHandle } from '../nats/index.js';
import { kvBuckets } from '../protocol/index.js';

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
  readonly schedulers: number;
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
}

export interface ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
}

export class LocalCluster {
  readonly services: ServiceProcess[] = [];
  /** Prometheus /metrics port of each service without HTTP of its own (scheduler-N, decode-N, prefill-N). */
  readonly metricsPorts = new Map<string, number>();
  private nats: NatsServerHandle | undefined;
  natsUrl = '';
  private stopping: Promise<void> | undefined;

  constructor(readonly options: LocalClusterOptions) {}

  async start(): Promise<void> {
    if (this.options.natsUrl) this.natsUrl = this.options.natsUrl;
    else {
      this.nats = await startNatsServer({
        port: this.options.natsPort ?? 0,
        ...(this.options.natsServer ? { binary: this.options.natsServer } : {}),
      });
      this.natsUrl = this.nats.url;
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
    this.spawn('ingress', 'ingress', ['--port', String(this.options.httpPort)]);
  }

  async spawnWorker(name: string, service: 'decode-worker' | 'prefill-worker', seed: number): Promise<ServiceProcess> {
    const args = [
      '--worker-id',
      name,
      '--model',
      this.options.model,
      '--seed',
      String(seed),
      '--metrics-port',
      String(await this.metricsPortFor(name)),
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

  private async metricsPortFor(name: string): Promise<number> {
    const port = await freePort();
    this.metricsPorts.set(name, port);
    return port;
  }

  spawn(name: string, service: string, args: string[]): ServiceProcess {
    const child = spawn(process.execPath, ['--enable-source-maps', join(DIST, 'services', service, 'main.js'), ...args], {
      env: { ...process.env, ATC_NATS_URL: this.natsUrl, ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const emit = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line) this.options.onLine?.(name, line);
    };
    child.stdout?.on('data', emit);
    child.stderr?.on('data', emit);
    child.on('exit', (code, signal) => {
      if (!this.stopping) this.options.onLine?.(name, `exited (code ${code}, signal ${signal})`);
    });
    const proc = { name, child };
    this.services.push(proc);
    return proc;
  }

  /**
   * Waits until every worker has registered and a one-token completion goes through ingress, scheduler
   * and a worker: after it, every part of the cluster is in use.
   */
  async waitReady(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await this.waitForWorkers(deadline);
    const url = `http://127.0.0.1:${this.options.httpPort}/v1/completions`;
    let last = '';
    for (;;) {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: this.options.model, prompt: 'ready?', max_tokens: 1 }),
        });
        if (res.ok) return;
        last = `${res.status} ${await res.text()}`;
      } catch (err) {
        last = String(err);
      }
      if (Date.now() > deadline) throw new Error(`cluster not ready after ${timeoutMs} ms (${url}: ${last})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async waitForWorkers(deadline: number): Promise<void> {
    const expected = [
      ...Array.from({ length: this.options.decodeWorkers }, (_, i) => `decode-${i + 1}`),
      ...Array.from({ length: this.options.prefillWorkers }, (_, i) => `prefill-${i + 1}`),
    ];
    const nc = await connect({ servers: this.natsUrl.split(',') });
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
    this.nats = await startNatsServer({ port, ...(this.options.natsServer ? { binary: this.options.natsServer } : {}) });
  }

  /** Kills one service abruptly (SIGKILL), as a crash would. */
  kill(name: string): void {
    this.services.find((s) => s.name === name)?.child.kill('SIGKILL');
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
    })();
    return this.stopping;
  }
}
