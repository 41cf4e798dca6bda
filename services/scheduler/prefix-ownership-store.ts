// Prefix-cache ownership persisted in the JetStream KV bucket atc_prefix_owners, one key per worker:
// a scheduler replica that starts fresh imports it and routes cache-aware from its first request,
// instead of waiting for new KV events. Every replica saves periodically (last writer wins: replicas
// fed by the same events hold the same index); a departed worker's key is deleted.
// Bounded (issue 14): only registered workers are saved and loaded (a snapshot of an id the registry
// does not hold is deleted at load), a snapshot holds at most MAX_SNAPSHOT_BLOCKS blocks, entries age out
// after BUCKET_TTL_MS without a save, and the bucket holds at most BUCKET_MAX_BYTES.
import type { NatsConnection } from '@nats-io/transport-node';
import { Packr } from 'msgpackr';
import type { Logger } from 'pino';
import { KvBucket } from '../../shared/nats/index.js';
import { ProtocolError, kvBuckets } from '../../shared/protocol/index.js';
import type { PrefixIndex, WorkerOwnership } from '../../shared/scheduling/index.js';
import { float64Bytes, record, num, str, type Rec } from '../../shared/protocol/validate.js';

const packr = new Packr({ useRecords: false });
/** ms; snapshots of a fleet whose schedulers all stopped age out. */
const BUCKET_TTL_MS = 60 * 60_000;
/** Bytes; ~16 B a block: room for 8e6 blocks, far above a real fleet's (64 engines x 1e5 blocks). */
const BUCKET_MAX_BYTES = 128 * 1024 * 1024;
/** Blocks in one snapshot: vLLM engines hold ~1e4..1e6 blocks (an 80 GB GPU at 16 tokens a block). */
export const MAX_SNAPSHOT_BLOCKS = 1 << 21;

function f64(obj: Rec, key: string): number[] {
  return Array.from(float64Bytes(obj, key, 'ownership', MAX_SNAPSHOT_BLOCKS));
}

export function encodeOwnership(o: WorkerOwnership): Uint8Array {
  return packr.pack({
    type: 'prefix.ownership.v1',
    workerId: o.workerId,
    blockSize: o.blockSize,
    lastSeq: o.lastSeq,
    engineHashDigests: new Uint8Array(Float64Array.from(o.engineHashDigests).buffer),
    blockHashes: new Uint8Array(Float64Array.from(o.blockHashes).buffer),
  });
}

export function decodeOwnership(bytes: Uint8Array): WorkerOwnership {
  const obj = record(packr.unpack(bytes), 'ownership');
  if (obj['type'] !== 'prefix.ownership.v1') throw new ProtocolError('ownership.type must be prefix.ownership.v1');
  const lastSeq = obj['lastSeq'] === null ? null : num(obj, 'lastSeq', 'ownership', { int: true, min: 0 });
  const engineHashDigests = f64(obj, 'engineHashDigests');
  const blockHashes = f64(obj, 'blockHashes');
  if (engineHashDigests.length !== blockHashes.length) throw new ProtocolError('ownership arrays differ in length');
  return {
    workerId: str(obj, 'workerId', 'ownership'),
    blockSize: num(obj, 'blockSize', 'ownership', { int: true, min: 1 }),
    lastSeq,
    engineHashDigests,
    blockHashes,
  };
}

export class PrefixOwnershipStore {
  private timer: NodeJS.Timeout | undefined;
  /** workerId -> lastSeq saved, to skip unchanged snapshots. */
  private readonly saved = new Map<string, number | null>();

  private constructor(
    private readonly bucket: KvBucket,
    private readonly index: PrefixIndex,
    private readonly logger: Logger,
    /** Whether a worker is registered now: only those are saved. */
    private readonly isRegistered: (workerId: string) => boolean,
  ) {}

  static async open(
    nc: NatsConnection,
    index: PrefixIndex,
    logger: Logger,
    options: { replicas?: number; isRegistered?: (workerId: string) => boolean } = {},
  ): Promise<PrefixOwnershipStore> {
    const bucket = await KvBucket.open(
      nc,
      { name: kvBuckets.prefixOwners, ttlMs: BUCKET_TTL_MS, maxBytes: BUCKET_MAX_BYTES, replicas: options.replicas ?? 1 },
      logger,
    );
    return new PrefixOwnershipStore(bucket, index, logger, options.isRegistered ?? (() => true));
  }

  /**
   * Imports the stored snapshots of the `registered` workers (the registry's keys) and deletes those of
   * any other id; returns how many workers' blocks were loaded.
   */
  async load(registered: ReadonlySet<string>): Promise<number> {
    let loaded = 0;
    for (const key of await this.bucket.keys()) {
      if (!registered.has(key)) {
        await this.bucket.run((kv) => kv.delete(key)).catch(() => undefined);
        this.logger.info({ workerId: key }, 'deleted prefix-ownership snapshot of an unregistered worker');
        continue;
      }
      const entry = await this.bucket.run((kv) => kv.get(key));
      if (!entry || entry.operation !== 'PUT') continue;
      try {
        const snapshot = decodeOwnership(entry.value);
        if (snapshot.workerId !== key) throw new ProtocolError(`snapshot of ${snapshot.workerId} under key ${key}`);
        this.index.importOwnership(snapshot);
        this.saved.set(snapshot.workerId, snapshot.lastSeq);
        loaded++;
      } catch (err) {
        this.logger.warn({ key, err: String(err) }, 'skipped bad prefix-ownership snapshot');
      }
    }
    return loaded;
  }

  /** Saves changed snapshots every `intervalMs`. */
  start(intervalMs: number): void {
    this.timer = setInterval(
      () => void this.save().catch((err: unknown) => this.logger.warn({ err: String(err) }, 'prefix-ownership save failed')),
      intervalMs,
    );
    this.timer.unref();
  }

  async save(): Promise<void> {
    for (const workerId of this.index.workerIds()) {
      if (!this.isRegistered(workerId)) continue;
      const snapshot = this.index.exportOwnership(workerId);
      if (!snapshot || snapshot.lastSeq === null || this.saved.get(workerId) === snapshot.lastSeq) continue;
      if (snapshot.blockHashes.length > MAX_SNAPSHOT_BLOCKS) continue;
      await this.bucket.run((kv) => kv.put(workerId, encodeOwnership(snapshot)));
      this.saved.set(workerId, snapshot.lastSeq);
    }
  }

  async delete(workerId: string): Promise<void> {
    this.saved.delete(workerId);
    await this.bucket.run((kv) => kv.delete(workerId));
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
