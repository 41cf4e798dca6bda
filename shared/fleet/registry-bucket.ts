// The worker registry: a JetStream KV bucket whose TTL ages out the entry of a worker that stops
// heartbeating, so a dead worker drops out of scheduling on its own.
import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import { kvBuckets } from '../protocol/index.js';

/** ms; a worker's entry lives this long after its last heartbeat. Heartbeats come every third of it. */
export const DEFAULT_WORKER_TTL_MS = 6_000;

/** Opens (creating when missing) the registry bucket. The first creator's TTL wins. */
export async function openWorkerRegistry(nc: NatsConnection, ttlMs = DEFAULT_WORKER_TTL_MS): Promise<KV> {
  return await new Kvm(nc).create(kvBuckets.workers, { ttl: ttlMs, history: 1 });
}
