// Metrics every service exposes.
import type { MetricsRegistry } from './registry.js';

export function commonMetrics(registry: MetricsRegistry) {
  return {
    /** Pass as connectNats({ onReconnect: () => metrics.natsReconnects.inc() }). */
    natsReconnects: registry.counter({
      name: 'atc_nats_reconnects_total',
      help: 'Times this process reconnected to NATS since it started.',
    }),
  };
}
export type CommonMetrics = ReturnType<typeof commonMetrics>;
