// The decode worker's side of disaggregated prefill: asks the assigned prefill worker to compute the
// prompt's KV cache. A prefill that fails or times out falls back to local prefill, visibly (log line
// and counter), never silently.
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { KvTransferParams } from '../engine/types.js';
import { decodeMessage, encodeMessage, workerSubjects, type GenerateRequestV1 } from '../protocol/index.js';

export class PrefillClient {
  /** Prefills that failed and were done locally instead. */
  fallbacks = 0;
  remotePrefills = 0;

  constructor(private readonly nc: NatsConnection, private readonly timeoutMs: number) {}

  /** Returns the kv_transfer_params for the decode engine, or undefined to prefill locally. */
  async prefill(request: GenerateRequestV1, signal: AbortSignal, log: Logger): Promise<KvTransferParams | undefined> {
    const workerId = request.prefillWorkerId!;
    try {
      const reply = await this.nc.request(workerSubjects.prefill(workerId), encodeMessage({
        type: 'prefill.request.v1', requestId: request.requestId, model: request.model, prompt: request.prompt, deadlineMs: request.deadlineMs,
      }), { timeout: Math.min(this.timeoutMs, Math.max(1, request.deadlineMs - Date.now())) });
      if (signal.aborted) return undefined;
      const msg = decodeMessage(reply.data, 'prefill.reply.v1', 'error.v1');
      if (msg.type === 'error.v1') throw new Error(`${msg.code}: ${msg.message}`);
      this.remotePrefills++;
      log.debug({ prefillWorkerId: workerId, handoffKey: msg.handoffKey, cachedPromptTokens: msg.cachedPromptTokens }, 'remote prefill done');
      // The KV-block handoff (reading msg.handoffKey from JetStream KV) is not wired yet: the decode
      // engine recomputes the prompt, so the remote prefill only warms the prefill engine's cache.
      return undefined;
    } catch (err) {
      this.fallbacks++;
      log.warn({ prefillWorkerId: workerId, err: String(err), pdFallback: true }, 'remote prefill failed: prefilling locally');
      return undefined;
    }
  }
}
