// Metrics every service exposes.
import { Counter, type Registry } from 'prom-client';

export function commonMetrics(registry: Registry) {
  return {
    /** Pass as connectNats({ onReconnect: () => metrics.natsReconnects.inc() }). */
    natsReconnects: new Counter({
      name: 'atc_nats_reconnects_total',
      help: 'Times this process reconnected to NATS since it started.',
      registers: [registry],
    }),
  };
}
export type CommonMetrics = ReturnType<typeof commonMetrics>;
