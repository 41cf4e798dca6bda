// The decode worker's side of disaggregated prefill: asks the assigned prefill worker to compute the
// prompt's KV cache, takes the handoff record from JetStream KV, and gives the decode engine vLLM's
// do_remote_prefill kv_transfer_params. A prefill that fails, times out or hands off nothing falls
// back to local prefill, visibly (a warning log line with pdFallback=true and a counter), never silently.
// While it waits, it pings the prefill worker (atc.worker.<id>.ping): a dead one (no responders: its
// subscription went with its connection) or a hung one (no answer in PING_TIMEOUT_MS) is given up at
// once, within ~2 s, instead of after the whole prefill timeout (issue 14, finding 7).
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { KvTransferParams } from '../../shared/engine/types.js';
import { decodeMessage, encodeMessage, workerSubjects, type GenerateRequestV1 } from '../../shared/protocol/index.js';
import { AtcAttr, SpanKind, SpanName, traceHeaders, withSpan, type WorkerMetrics } from '../../shared/telemetry/index.js';
import { kvTransferForDecode, type KvHandoffStore } from './kv-handoff.js';

export interface RemotePrefill {
  readonly kvTransfer: KvTransferParams;
  /** Tells the prefill worker the blocks were pulled (call once the decode engine produced a token). */
  readonly release: () => void;
}

/** ms between liveness pings to the prefill worker while a prefill is pending. */
const PING_EVERY_MS = 500;
/** ms a ping may take: a worker whose event loop stalls this long counts as hung (with PING_EVERY_MS, loss is noticed within 2 s). */
const PING_TIMEOUT_MS = 1_500;

/** A remote prefill's outcome: the handed-off KV, or why the decode engine prefills locally. */
export type PrefillOutcome = { readonly remote: RemotePrefill } | { readonly fallback: string };

export class PrefillClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly handoffs: KvHandoffStore,
    private readonly timeoutMs: number,
    private readonly metrics: WorkerMetrics,
  ) {}

  /** The remote prefill's transfer params, or why to prefill locally (a reason starting with a short code). Never throws. */
  prefill(request: GenerateRequestV1, signal: AbortSignal, log: Logger): Promise<PrefillOutcome> {
    const workerId = request.prefillWorkerId!;
    return withSpan(
      SpanName.DecodeRemotePrefill,
      { [AtcAttr.PrefillWorker]: workerId },
      async (span) => {
        const result = await this.attempt(request, workerId, signal, log);
        if (typeof result === 'string') {
          this.metrics.pdFallbacks.inc({ reason: result.split(':')[0]! });
          this.metrics.remotePrefills.inc({ outcome: 'fallback' });
          span.setAttributes({ [AtcAttr.PdFallback]: true, [AtcAttr.PdFallbackReason]: result });
          log.warn({ prefillWorkerId: workerId, err: result, pdFallback: true }, 'remote prefill failed: prefilling locally');
          return { fallback: result };
        }
        this.metrics.remotePrefills.inc({ outcome: 'ok' });
        span.setAttributes({ [AtcAttr.PdFallback]: false });
        return { remote: result };
      },
      { kind: SpanKind.CLIENT },
    );
  }

  /** Resolves with a reason once the prefill worker stops answering pings; `stop()` ends the watch. */
  private watchLiveness(workerId: string): { lost: Promise<string>; stop: () => void } {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const lost = new Promise<string>((resolve) => {
      const probe = () => {
        if (stopped || this.nc.isClosed()) return;
        this.nc.request(workerSubjects.ping(workerId), new Uint8Array(0), { timeout: PING_TIMEOUT_MS }).then(
          () => {
            if (!stopped) timer = setTimeout(probe, PING_EVERY_MS);
          },
          (err: unknown) => {
            if (stopped) return;
            const name = err instanceof Error ? err.name : '';
            resolve(
              name === 'TimeoutError'
                ? `worker_lost: prefill worker ${workerId} did not answer a ping within ${PING_TIMEOUT_MS} ms`
                : `worker_lost: prefill worker ${workerId} is gone (${String(err)})`,
            );
          },
        );
      };
      timer = setTimeout(probe, PING_EVERY_MS);
    });
    return {
      lost,
      stop: () => {
        stopped = true;
        clearTimeout(timer);
      },
    };
  }

  /** The handed-off KV, or why there is none (a reason starting with a short code). */
  private async attempt(request: GenerateRequestV1, workerId: string, signal: AbortSignal, log: Logger): Promise<RemotePrefill | string> {
    const liveness = this.watchLiveness(workerId);
    try {
      const h = traceHeaders();
      const pending = this.nc.request(
        workerSubjects.prefill(workerId),
        encodeMessage({
          type: 'prefill.request.v1',
          requestId: request.requestId,
          model: request.model,
          prompt: request.prompt,
          deadlineMs: request.deadlineMs,
        }),
        { timeout: Math.min(this.timeoutMs, Math.max(1, request.deadlineMs - Date.now())), ...(h ? { headers: h } : {}) },
      );
      const reply = await Promise.race([pending, liveness.lost]);
      if (typeof reply === 'string') {
        // The prefill worker is gone; if it answers after all, its handoff is left to expire.
        pending.catch(() => undefined);
        return reply;
      }
      liveness.stop();
      if (signal.aborted) return 'cancelled: the request was cancelled during the prefill';
      const msg = decodeMessage(reply.data, 'prefill.reply.v1', 'error.v1');
      if (msg.type === 'error.v1') return `${msg.code}: ${msg.message}`;
      if (!msg.handoffKey) return 'no_handoff: the prefill engine handed off no KV blocks';
      const record = await this.handoffs.take(msg.handoffKey);
      if (!record) return `handoff_gone: handoff record ${msg.handoffKey} is gone (expired?)`;
      if (Date.now() > record.expiresAtMs) return `handoff_expired: handoff record ${msg.handoffKey} expired`;
      log.debug(
        { prefillWorkerId: workerId, handoffKey: msg.handoffKey, blocks: record.remoteBlockIds.length },
        'remote prefill handed off',
      );
      let released = false;
      return {
        kvTransfer: kvTransferForDecode(record),
        release: () => {
          if (released || this.nc.isClosed()) return;
          released = true;
          this.nc.publish(workerSubjects.release(workerId), encodeMessage({ type: 'kv.release.v1', requestId: record.remoteRequestId }));
        },
      };
    } catch (err) {
      const name = err instanceof Error ? err.name : 'Error';
      const code =
        name === 'TimeoutError'
          ? 'timeout'
          : name === 'NoRespondersError' || String(err).includes('no responders')
            ? 'no_responders'
            : 'error';
      return `${code}: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      liveness.stop();
    }
  }
}
