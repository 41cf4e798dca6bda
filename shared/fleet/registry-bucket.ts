// The worker registry: a JetStream KV bucket whose TTL ages out the entry of a worker that stops
// heartbeating, so a dead worker drops out of scheduling on its own.
import type { NatsConnection } from '@nats-io/transport-node';
import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import { KvBucket, type BucketSpec } from '../nats/kv-bucket.js';
import { kvBuckets } from '../protocol/index.js';

/** ms; a worker's entry lives this long after its last heartbeat. Heartbeats come every third of it. */
export const DEFAULT_WORKER_TTL_MS = 6_000;

export function workerRegistrySpec(ttlMs = DEFAULT_WORKER_TTL_MS, replicas = 1): BucketSpec {
  return { name: kvBuckets.workers, ttlMs, replicas };
}

/** Opens (creating when missing) the registry bucket. The first creator's TTL wins. */
export async function openWorkerRegistry(nc: NatsConnection, ttlMs = DEFAULT_WORKER_TTL_MS): Promise<KV> {
  return (await KvBucket.open(nc, workerRegistrySpec(ttlMs))).kv;
}

/** The registry as services hold it: recreated when the server comes back empty. */
export function openWorkerRegistryBucket(nc: NatsConnection, ttlMs: number, replicas: number, logger: Logger): Promise<KvBucket> {
  return KvBucket.open(nc, workerRegistrySpec(ttlMs, replicas), logger);
}
