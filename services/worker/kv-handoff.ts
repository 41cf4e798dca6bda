// KV-block handoff records between a prefill worker and a decode worker, in the JetStream KV bucket
// atc_kv_handoff: the prefill side puts what the decode side needs to pull the prompt's KV blocks
// (NixlConnector's kv_transfer_params: engine id, block ids, host, port, tp size, request id), the
// decode side takes it (get, then delete). The bucket's TTL expires records a dead decode worker left.
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { KvBucket } from '../../shared/nats/index.js';
import { Packr } from 'msgpackr';
import type { KvTransferParams } from '../../shared/engine/types.js';
import { ProtocolError, kvBuckets } from '../../shared/protocol/index.js';
import { intArray, num, optNum, optStr, record, str } from '../../shared/protocol/validate.js';

const packr = new Packr({ useRecords: false });

/** ms a handoff record lives if nobody takes it (vLLM's NixlConnector abort timeout is 480 s; ours is shorter). */
export const DEFAULT_HANDOFF_TTL_MS = 60_000;

export interface KvHandoffRecordV1 {
  readonly type: 'kv.handoff.v1';
  readonly requestId: string;
  /** The prefill worker that holds the blocks (it frees them when told they were pulled). */
  readonly prefillWorkerId: string;
  readonly remoteEngineId: string;
  readonly remoteBlockIds: readonly number[];
  readonly remoteHost: string;
  readonly remotePort: number;
  readonly remoteRequestId: string;
  readonly tpSize: number;
  readonly promptTokens: number;
  /** ms since the epoch after which the prefill engine may have freed the blocks. */
  readonly expiresAtMs: number;
}

/** KV keys allow [-/_=.a-zA-Z0-9]; request ids are mapped onto that alphabet. */
export function handoffKey(requestId: string): string {
  return `h.${requestId.replace(/[^-_=a-zA-Z0-9]/g, '_')}`;
}

export function decodeHandoff(bytes: Uint8Array): KvHandoffRecordV1 {
  const o = record(packr.unpack(bytes), 'handoff');
  if (o['type'] !== 'kv.handoff.v1') throw new ProtocolError('handoff.type must be kv.handoff.v1');
  return {
    type: 'kv.handoff.v1',
    requestId: str(o, 'requestId', 'handoff'),
    prefillWorkerId: str(o, 'prefillWorkerId', 'handoff'),
    remoteEngineId: str(o, 'remoteEngineId', 'handoff'),
    remoteBlockIds: intArray(o, 'remoteBlockIds', 'handoff'),
    remoteHost: str(o, 'remoteHost', 'handoff'),
    remotePort: num(o, 'remotePort', 'handoff', { int: true, min: 0 }),
    remoteRequestId: str(o, 'remoteRequestId', 'handoff'),
    tpSize: num(o, 'tpSize', 'handoff', { int: true, min: 1 }),
    promptTokens: num(o, 'promptTokens', 'handoff', { int: true, min: 0 }),
    expiresAtMs: num(o, 'expiresAtMs', 'handoff'),
  };
}

/** The record for the prefill engine's returned kv_transfer_params; undefined if they are incomplete. */
export function handoffFromKvTransfer(
  requestId: string,
  prefillWorkerId: string,
  promptTokens: number,
  p: KvTransferParams,
  ttlMs: number,
): KvHandoffRecordV1 | undefined {
  const o = p as Record<string, unknown>;
  try {
    return {
      type: 'kv.handoff.v1',
      requestId,
      prefillWorkerId,
      remoteEngineId: str(o, 'remote_engine_id', 'kv_transfer_params'),
      remoteBlockIds: intArray(o, 'remote_block_ids', 'kv_transfer_params'),
      remoteHost: optStr(o, 'remote_host', 'kv_transfer_params') ?? '',
      remotePort: optNum(o, 'remote_port', 'kv_transfer_params', { int: true, min: 0 }) ?? 0,
      remoteRequestId: optStr(o, 'remote_request_id', 'kv_transfer_params') ?? requestId,
      tpSize: optNum(o, 'tp_size', 'kv_transfer_params', { int: true, min: 1 }) ?? 1,
      promptTokens,
      expiresAtMs: Date.now() + ttlMs,
    };
  } catch {
    return undefined;
  }
}

/** The decode side's kv_transfer_params, exactly as vLLM's NixlConnector expects them. */
export function kvTransferForDecode(r: KvHandoffRecordV1): KvTransferParams {
  return {
    do_remote_prefill: true,
    do_remote_decode: false,
    remote_engine_id: r.remoteEngineId,
    remote_block_ids: r.remoteBlockIds,
    remote_host: r.remoteHost,
    remote_port: r.remotePort,
    remote_request_id: r.remoteRequestId,
    tp_size: r.tpSize,
  };
}

export class KvHandoffStore {
  private constructor(
    private readonly bucket: KvBucket,
    readonly ttlMs: number,
  ) {}

  /** replicas: copies of the bucket in a JetStream cluster (--kv-replicas). */
  static async open(nc: NatsConnection, ttlMs = DEFAULT_HANDOFF_TTL_MS, replicas = 1, logger?: Logger): Promise<KvHandoffStore> {
    return new KvHandoffStore(await KvBucket.open(nc, { name: kvBuckets.kvHandoff, ttlMs, replicas }, logger), ttlMs);
  }

  async put(r: KvHandoffRecordV1): Promise<string> {
    const key = handoffKey(r.requestId);
    await this.bucket.run((kv) => kv.put(key, packr.pack(r)));
    return key;
  }

  /** Reads and deletes a record; undefined when it is gone (expired, or taken). */
  async take(key: string): Promise<KvHandoffRecordV1 | undefined> {
    const entry = await this.bucket.run((kv) => kv.get(key));
    if (!entry || entry.operation !== 'PUT') return undefined;
    await this.bucket.run((kv) => kv.delete(key));
    return decodeHandoff(entry.value);
  }

  keys(): Promise<string[]> {
    return this.bucket.keys();
  }
}
