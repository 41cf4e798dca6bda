// Mocha hooks: a whole local cluster (nats-server + every service as its own process) for a suite.
import { LocalCluster, type LocalClusterOptions } from '../../shared/cluster/local-cluster.js';
import { freePort } from '../../shared/nats/index.js';

export function useCluster(options: Partial<LocalClusterOptions> = {}): {
  readonly cluster: LocalCluster;
  readonly baseUrl: string;
  readonly logs: string[];
} {
  let cluster: LocalCluster | undefined;
  const logs: string[] = [];
  const handle = {
    get cluster(): LocalCluster {
      if (!cluster) throw new Error('cluster not started');
      return cluster;
    },
    get baseUrl(): string {
      return `http://127.0.0.1:${handle.cluster.options.httpPort}`;
    },
    logs,
  };
  before(async function () {
    this.timeout(60_000);
    cluster = new LocalCluster({
      httpPort: await freePort(),
      decodeWorkers: 2,
      prefillWorkers: 1,
      schedulers: 1,
      model: 'llama-3-8b',
      ...(process.env['ATC_NATS_SERVER'] ? { natsServer: process.env['ATC_NATS_SERVER'] } : {}),
      ...options,
      env: { ATC_LOG_LEVEL: process.env['ATC_TEST_LOG'] ?? 'warn', ...options.env },
      onLine: (service, line) => {
        logs.push(`[${service}] ${line}`);
        if (process.env['ATC_TEST_LOG']) process.stderr.write(`[${service}] ${line}\n`);
      },
    });
    try {
      await cluster.start();
      await cluster.waitReady(45_000);
    } catch (err) {
      process.stderr.write(`--- cluster logs ---\n${logs.slice(-60).join('\n')}\n`);
      throw err;
    }
  });
  after(async function () {
    this.timeout(20_000);
    await cluster?.stop();
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed' && logs.length) process.stderr.write(`--- cluster logs ---\n${logs.slice(-40).join('\n')}\n`);
  });
  return handle;
}
