// Serves atc.worker.<id>.prefill: computes a prompt's KV cache on this worker's engine with vLLM's
// disaggregation semantics (kv_transfer_params.do_remote_decode: one output token, not streamed), records
// the KV-block handoff in JetStream KV and answers with its key. Serves atc.worker.<id>.release: the
// decode side pulled the blocks, so the engine frees them before its lease ends.
import type { Msg } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Engine, EngineOutput } from '../../shared/engine/types.js';
import { AtcError, ErrorCode, ProtocolError, decodeMessage, encodeMessage, type PrefillRequestV1 } from '../../shared/protocol/index.js';
import {
  AtcAttr,
  SpanKind,
  SpanName,
  contextFromMessage,
  requestLogger,
  withSpan,
  type WorkerMetrics,
} from '../../shared/telemetry/index.js';
import { handoffFromKvTransfer, type KvHandoffStore } from './kv-handoff.js';

export class PrefillHandler {
  private active = 0;

  constructor(
    private readonly workerId: string,
    private readonly engine: Engine,
    private readonly handoffs: KvHandoffStore,
    private readonly metrics: WorkerMetrics,
    private readonly logger: Logger,
  ) {}

  get activeRequests(): number {
    return this.active;
  }

  handle(msg: Msg): void {
    let request: PrefillRequestV1;
    try {
      request = decodeMessage(msg.data, 'prefill.request.v1');
      if (request.model !== this.engine.model)
        throw new ProtocolError(`model ${JSON.stringify(request.model)} is not served by worker ${this.workerId}`);
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'rejected prefill request');
      this.respondError(msg, '', err);
      return;
    }
    this.active++;
    void withSpan(
      SpanName.PrefillPrefill,
      { [AtcAttr.RequestId]: request.requestId, [AtcAttr.WorkerId]: this.workerId },
      () => this.run(msg, request),
      { kind: SpanKind.SERVER, parent: contextFromMessage(msg) },
    )
      .catch(() => undefined)
      .finally(() => this.active--);
  }

  /** A kv.release.v1 message; malformed ones are dropped with a log line. */
  release(msg: Msg): void {
    try {
      const { requestId } = decodeMessage(msg.data, 'kv.release.v1');
      this.engine.releaseRemoteBlocks?.(requestId);
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'dropped malformed KV release message');
    }
  }

  private async run(msg: Msg, request: PrefillRequestV1): Promise<void> {
    const signal = AbortSignal.timeout(Math.max(1, request.deadlineMs - Date.now()));
    const log = requestLogger(this.logger, request.requestId);
    try {
      const out = await withSpan(SpanName.EnginePrefill, { 'atc.engine.kind': this.engine.kind }, async (engineSpan) => {
        const finished = await this.prefillOnEngine(request, signal);
        engineSpan.setAttributes({ [AtcAttr.QueueTimeMs]: finished.queuedMs });
        return finished;
      });
      const handoff = out.kvTransfer
        ? handoffFromKvTransfer(request.requestId, this.workerId, out.usage.promptTokens, out.kvTransfer, this.handoffs.ttlMs)
        : undefined;
      // An engine that returns no transfer params leaves nothing to hand off: the decode side prefills itself.
      const key = handoff ? await this.handoffs.put(handoff) : '';
      this.metrics.kvHandoffs.inc({ role: 'prefill', outcome: key ? 'ok' : 'none' });
      this.metrics.requests.inc({ role: 'prefill', outcome: 'ok' });
      this.metrics.queueTime.observe({ role: 'prefill' }, out.queuedMs / 1000);
      log.debug(
        { handoffKey: key, blocks: handoff?.remoteBlockIds.length ?? 0, cachedPromptTokens: out.usage.cachedPromptTokens },
        'prefill done',
      );
      msg.respond(
        encodeMessage({
          type: 'prefill.reply.v1',
          requestId: request.requestId,
          workerId: this.workerId,
          promptTokens: out.usage.promptTokens,
          cachedPromptTokens: out.usage.cachedPromptTokens,
          handoffKey: key,
        }),
      );
    } catch (err) {
      log.warn({ err: String(err) }, 'prefill failed');
      this.metrics.requests.inc({ role: 'prefill', outcome: 'error' });
      this.respondError(msg, request.requestId, err);
      throw err; // recorded on the span
    }
  }

  /** vLLM's disaggregated prefill: do_remote_decode, one output token; the finished output carries kv_transfer_params. */
  private async prefillOnEngine(request: PrefillRequestV1, signal: AbortSignal): Promise<Extract<EngineOutput, { type: 'finished' }>> {
    for await (const out of this.engine.generate({
      requestId: request.requestId,
      prompt: request.prompt,
      sampling: { maxTokens: 1, ignoreEos: true },
      signal,
      kvTransfer: { do_remote_decode: true, do_remote_prefill: false },
    })) {
      if (out.type !== 'finished') continue;
      if (out.finishReason === 'abort') throw new AtcError(ErrorCode.DeadlineExceeded, 'prefill deadline exceeded');
      return out;
    }
    throw new AtcError(ErrorCode.EngineFailed, 'engine ended the prefill without a result');
  }

  private respondError(msg: Msg, requestId: string, err: unknown): void {
    const e = err instanceof AtcError ? err : new AtcError(ErrorCode.EngineFailed, String(err));
    msg.respond(encodeMessage({ type: 'error.v1', requestId, code: e.code, message: e.message, retryable: e.retryable }));
  }
}
