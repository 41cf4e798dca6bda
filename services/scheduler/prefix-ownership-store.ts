// Prefix-cache ownership persisted in the JetStream KV bucket atc_prefix_owners, one key per worker:
// a scheduler replica that starts fresh imports it and routes cache-aware from its first request,
// instead of waiting for new KV events. Every replica saves periodically (last writer wins: replicas
// fed by the same events hold the same index); a departed worker's key is deleted.
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { Packr } from 'msgpackr';
import type { Logger } from 'pino';
import { ProtocolError, kvBuckets } from '../../shared/protocol/index.js';
import type { PrefixIndex, WorkerOwnership } from '../../shared/scheduling/index.js';
import { record, num, str, type Rec } from '../../shared/protocol/validate.js';

const packr = new Packr({ useRecords: false });
/** ms; snapshots of a fleet whose schedulers all stopped age out. */
const BUCKET_TTL_MS = 60 * 60_000;

function f64(obj: Rec, key: string): number[] {
  const v = obj[key];
  if (!(v instanceof Uint8Array) || v.byteLength % 8 !== 0) throw new ProtocolError(`ownership.${key} must be bytes of float64 values`);
  const copy = new Uint8Array(v);
  return Array.from(new Float64Array(copy.buffer, 0, copy.byteLength / 8));
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
    private readonly bucket: KV,
    private readonly index: PrefixIndex,
    private readonly logger: Logger,
  ) {}

  static async open(nc: NatsConnection, index: PrefixIndex, logger: Logger): Promise<PrefixOwnershipStore> {
    const bucket = await new Kvm(nc).create(kvBuckets.prefixOwners, { ttl: BUCKET_TTL_MS, history: 1 });
    return new PrefixOwnershipStore(bucket, index, logger);
  }

  /** Imports every stored snapshot; returns how many workers' blocks were loaded. */
  async load(): Promise<number> {
    let loaded = 0;
    for await (const key of await this.bucket.keys()) {
      const entry = await this.bucket.get(key);
      if (!entry || entry.operation !== 'PUT') continue;
      try {
        const snapshot = decodeOwnership(entry.value);
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
      const snapshot = this.index.exportOwnership(workerId);
      if (!snapshot || snapshot.lastSeq === null || this.saved.get(workerId) === snapshot.lastSeq) continue;
      await this.bucket.put(workerId, encodeOwnership(snapshot));
      this.saved.set(workerId, snapshot.lastSeq);
    }
  }

  async delete(workerId: string): Promise<void> {
    this.saved.delete(workerId);
    await this.bucket.delete(workerId);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
