// The scheduler's flow-control metrics: what waits in its queue, how long, and what it turned away.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { QUEUE_TIME_BUCKETS_S } from '../../prometheus/index.js';

/** One flow's queued requests, as the queue gauge reads them at scrape time. */
export interface QueuedFlow {
  readonly priority: string;
  readonly tenant: string;
  readonly count: number;
}

/** queued is read at every scrape. Tenant labels come from API keys or x-atc-tenant (operator-bounded). */
export function flowControlMetrics(registry: Registry, queued: () => Iterable<QueuedFlow>) {
  return {
    queueLength: new Gauge({
      name: 'atc_scheduler_queue_requests',
      help: "Requests waiting in this scheduler replica's flow-control queue, by priority and tenant.",
      labelNames: ['priority', 'tenant'],
      registers: [registry],
      collect() {
        this.reset();
        for (const f of queued()) this.set({ priority: f.priority, tenant: f.tenant }, f.count);
      },
    }),
    queueWait: new Histogram({
      name: 'atc_scheduler_queue_wait_seconds',
      help: 'Seconds a request waited in the flow-control queue before it was dispatched (0: admitted at once), by priority and tenant.',
      labelNames: ['priority', 'tenant'],
      buckets: [0, ...QUEUE_TIME_BUCKETS_S],
      registers: [registry],
    }),
    rejections: new Counter({
      name: 'atc_scheduler_rejections_total',
      help: 'Requests the flow control turned away, by priority and reason (queue_full, shed, queue_timeout: 429; no_worker, closed: 503).',
      labelNames: ['priority', 'reason'],
      registers: [registry],
    }),
  };
}
export type FlowControlMetrics = ReturnType<typeof flowControlMetrics>;
