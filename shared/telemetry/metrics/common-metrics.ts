// Metrics every service exposes.
import { Counter, type Registry } from 'prom-client';

const NATS_RECONNECTS = 'atc_nats_reconnects_total';

/**
 * Registered once per registry: services sharing a process and its registry (the ingress with its
 * in-process scheduler) share these, as they share the NATS connection they count.
 */
export function commonMetrics(registry: Registry) {
  const existing = registry.getSingleMetric(NATS_RECONNECTS);
  return {
    /** Pass as connectNats({ onReconnect: () => metrics.natsReconnects.inc() }). */
    natsReconnects:
      existing instanceof Counter
        ? existing
        : new Counter({
            name: NATS_RECONNECTS,
            help: 'Times this process reconnected to NATS since it started.',
            registers: [registry],
          }),
  };
}
export type CommonMetrics = ReturnType<typeof commonMetrics>;
