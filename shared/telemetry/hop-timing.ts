// Bench-only stamps of where a request's time goes (bench/micro/path-latency.ts): with ATC_HOP_TIMING=1
// in its environment, each service stamps its hops (ms since the Unix epoch, sub-ms precise, from one
// clock per machine) and hands them on out of band: NATS headers on the scheduler's pick reply and the
// worker's stream messages, and the ingress's x-atc-hops response header. Off (the default) it costs one
// boolean test per hop and changes no message.
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';

/** Read once at start-up: a diagnostic switch of the benchmark, not a service option. */
export const HOP_TIMING = process.env['ATC_HOP_TIMING'] === '1';

/** NATS header and HTTP response header that carry the stamps. */
export const HOP_HEADER = 'atc-hops';
export const HOP_HTTP_HEADER = 'x-atc-hops';

/** ms since the Unix epoch, sub-ms precise; comparable across processes on one machine. */
export function hopNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Named stamps, in the order they were taken. */
export type HopStamps = Record<string, number>;

export function hopHeaders(stamps: HopStamps): MsgHdrs {
  const h = natsHeaders();
  h.set(HOP_HEADER, JSON.stringify(stamps));
  return h;
}

/** The stamps a NATS message carries, {} when none or malformed (diagnostics never fail a request). */
export function hopsOf(hdrs: MsgHdrs | undefined): HopStamps {
  const raw = hdrs?.get(HOP_HEADER);
  if (!raw) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null ? (parsed as HopStamps) : {};
  } catch {
    return {};
  }
}
