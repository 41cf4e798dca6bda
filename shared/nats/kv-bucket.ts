// A JetStream KV bucket that outlives its server: when the nats-server comes back with an empty store
// (a restart without a data volume, a fresh node), the bucket is gone and every put fails with "stream
// not found", "no responders" or "jetstream not enabled". KvBucket recreates it (Kvm.create is
// idempotent for an unchanged config) after each reconnect and on such an error, then retries the
// operation once. Also lists keys without kv.keys(), whose consumer races with expiring and concurrent
// writes (duplicate keys, a 60 s hang: issue 14 finding 10).
import { Kvm, type KV, type KvOptions } from '@nats-io/kv';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';

export interface BucketSpec {
  readonly name: string;
  /** ms an entry lives after its last put; 0: forever. */
  readonly ttlMs: number;
  /** Copies of the bucket's stream in a JetStream cluster (--kv-replicas); 1 on a single server. */
  readonly replicas?: number;
  /** Bytes the bucket may hold in all (JetStream discards the oldest entries beyond it); default unlimited. */
  readonly maxBytes?: number;
  /** Largest value, bytes; default the server's max_payload. */
  readonly maxValueSize?: number;
}

/** Errors that mean the bucket's stream (or JetStream itself) is not there, as opposed to a bad request. */
export function isMissingStore(err: unknown): boolean {
  const text = `${err instanceof Error ? `${err.name} ${err.message}` : String(err)}`;
  return /stream not found|bucket not found|jetstream (is )?not enabled|no responders|NoResponders|503|not available/i.test(text);
}

function kvOptions(spec: BucketSpec): Partial<KvOptions> {
  return {
    history: 1,
    ttl: spec.ttlMs,
    ...(spec.replicas !== undefined && spec.replicas > 1 ? { replicas: spec.replicas } : {}),
    ...(spec.maxBytes !== undefined ? { max_bytes: spec.maxBytes } : {}),
    ...(spec.maxValueSize !== undefined ? { maxValueSize: spec.maxValueSize } : {}),
  };
}

export class KvBucket {
  private current: KV;
  private ensuring: Promise<KV> | undefined;
  /** Called after the bucket was recreated (watchers restart their watch). */
  onRecreated: () => void = () => undefined;

  private constructor(
    private readonly nc: NatsConnection,
    readonly spec: BucketSpec,
    kv: KV,
    private readonly logger: Logger | undefined,
  ) {
    this.current = kv;
  }

  /** Opens the bucket, creating it when missing (the first creator's TTL wins). */
  static async open(nc: NatsConnection, spec: BucketSpec, logger?: Logger): Promise<KvBucket> {
    const bucket = new KvBucket(nc, spec, await new Kvm(nc).create(spec.name, kvOptions(spec)), logger);
    bucket.followReconnects();
    return bucket;
  }

  get kv(): KV {
    return this.current;
  }

  /** Recreates the bucket if it is missing (coalesced: concurrent callers share one attempt). */
  ensure(): Promise<KV> {
    this.ensuring ??= (async () => {
      try {
        this.current = await new Kvm(this.nc).create(this.spec.name, kvOptions(this.spec));
        this.onRecreated();
        return this.current;
      } finally {
        this.ensuring = undefined;
      }
    })();
    return this.ensuring;
  }

  /** Runs `op`; when it fails because the store is missing, recreates the bucket and runs it once more. */
  async run<T>(op: (kv: KV) => Promise<T>): Promise<T> {
    try {
      return await op(this.current);
    } catch (err) {
      if (!isMissingStore(err) || this.nc.isClosed()) throw err;
      this.logger?.warn({ bucket: this.spec.name, err: String(err) }, 'KV bucket missing: recreating it');
      return await op(await this.ensure());
    }
  }

  /** Live keys (no delete markers, no duplicates): see listKeys. */
  keys(timeoutMs?: number): Promise<string[]> {
    return this.run(() => listKeys(this.nc, this.spec.name, timeoutMs));
  }

  /** After a reconnect the server may be a fresh one: make sure the bucket is there (retried for ~10 s). */
  private followReconnects(): void {
    void (async () => {
      for await (const status of this.nc.status()) {
        if (status.type !== 'reconnect') continue;
        for (let attempt = 0; attempt < 40 && !this.nc.isClosed(); attempt++) {
          try {
            await this.ensure();
            break;
          } catch (err) {
            // JetStream of a server that just started may take a moment (meta leader election in a cluster).
            if (attempt === 0) this.logger?.warn({ bucket: this.spec.name, err: String(err) }, 'KV bucket not reachable after reconnect');
            await new Promise((r) => setTimeout(r, 250));
          }
        }
      }
    })().catch(() => undefined);
  }
}

/**
 * The keys of a bucket holding a value now. One stream-info request with a subjects filter (the server
 * lists each subject once, so no duplicates and no consumer that can hang), then a get per key to drop
 * delete markers and entries that expired meanwhile.
 */
export async function listKeys(nc: NatsConnection, bucket: string, timeoutMs = 5_000): Promise<string[]> {
  const jsm = await jetstreamManager(nc, { timeout: timeoutMs });
  const prefix = `$KV.${bucket}.`;
  const info = await jsm.streams.info(`KV_${bucket}`, { subjects_filter: `${prefix}>` });
  const kv = await new Kvm(nc).open(bucket);
  const keys: string[] = [];
  for (const subject of Object.keys(info.state.subjects ?? {})) {
    const key = subject.slice(prefix.length);
    const entry = await kv.get(key);
    if (entry && entry.operation === 'PUT') keys.push(key);
  }
  return keys.sort();
}
