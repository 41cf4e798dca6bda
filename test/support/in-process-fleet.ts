// Mocha hooks: a small fleet of in-process services on the suite's nats-server (a scheduler, a decode and
// a prefill worker over SimEngine, an ingress on a free HTTP port), for suites that send many requests.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { IngressService } from '../../services/ingress/ingress-service.js';
import { SchedulerService } from '../../services/scheduler/scheduler-service.js';
import { WorkerRuntime } from '../../services/worker/index.js';
import { clientApi } from '../../shared/protocol/index.js';
import { testLogger } from './quiet-logger.js';
import { until } from './poll.js';
import { simEngine } from './sim-engine.js';

export const FLEET_MODEL = 'test-model';

export interface InProcessFleet {
  readonly scheduler: SchedulerService;
  readonly workers: readonly WorkerRuntime[];
  readonly ingress: IngressService;
  /** A plain client connection for the test. */
  readonly client: NatsConnection;
  readonly baseUrl: string;
}

export function useInProcessFleet(nats: { readonly url: string }): { readonly fleet: InProcessFleet } {
  let fleet: InProcessFleet | undefined;
  before(async function () {
    this.timeout(30_000);
    const scheduler = await SchedulerService.start({ natsUrl: nats.url, logger: testLogger('scheduler'), replicaId: 'fuzz-s1' });
    const workers: WorkerRuntime[] = [];
    for (const [id, role] of [
      ['fuzz-d1', 'decode'],
      ['fuzz-p1', 'prefill'],
    ] as const) {
      workers.push(
        await WorkerRuntime.start({
          workerId: id,
          role,
          natsUrl: nats.url,
          logger: testLogger(id),
          loadReportMs: 100,
          engine: simEngine(id, FLEET_MODEL),
        }),
      );
    }
    const ingress = await IngressService.start({
      natsUrl: nats.url,
      logger: testLogger('ingress'),
      http: { port: 0, host: '127.0.0.1', maxBodyBytes: 1 << 20 },
      limits: { maxTokensLimit: 4_096, defaultCompletionMaxTokens: 4, defaultChatMaxTokens: 4 },
    });
    const client = await connect({ servers: nats.url });
    await until(() => ingress.http !== undefined && scheduler.directory.live().length === 2, 'the scheduler to see both workers', 10_000);
    await until(
      async () => {
        const models = JSON.parse(
          new TextDecoder().decode((await client.request(clientApi.models, new Uint8Array(), { timeout: 2000 })).data),
        ) as {
          data: unknown[];
        };
        return models.data.length > 0;
      },
      'the ingress to serve the model',
      10_000,
      50,
    );
    fleet = { scheduler, workers, ingress, client, baseUrl: `http://127.0.0.1:${ingress.port}` };
  });
  after(async () => {
    await fleet?.client.close();
    await fleet?.ingress.close();
    await Promise.all(fleet?.workers.map((w) => w.close()) ?? []);
    await fleet?.scheduler.close();
  });
  return {
    get fleet(): InProcessFleet {
      if (!fleet) throw new Error('fleet not started');
      return fleet;
    },
  };
}
