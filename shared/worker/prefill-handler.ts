// Serves atc.worker.<id>.prefill: computes a prompt's KV cache on this worker's engine (one output
// token, not streamed, as vLLM does for do_remote_decode) and answers with the result.
import type { Msg } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Engine } from '../engine/types.js';
import { AtcError, ErrorCode, ProtocolError, decodeMessage, encodeMessage, type PrefillRequestV1 } from '../protocol/index.js';

export class PrefillHandler {
  private active = 0;
  constructor(private readonly workerId: string, private readonly engine: Engine, private readonly logger: Logger) {}

  get activeRequests(): number {
    return this.active;
  }

  handle(msg: Msg): void {
    let request: PrefillRequestV1;
    try {
      request = decodeMessage(msg.data, 'prefill.request.v1');
      if (request.model !== this.engine.model) throw new ProtocolError(`model ${JSON.stringify(request.model)} is not served by worker ${this.workerId}`);
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'rejected prefill request');
      this.respondError(msg, '', err);
      return;
    }
    this.active++;
    void this.run(msg, request).finally(() => this.active--);
  }

  private async run(msg: Msg, request: PrefillRequestV1): Promise<void> {
    const signal = AbortSignal.timeout(Math.max(1, request.deadlineMs - Date.now()));
    try {
      for await (const out of this.engine.generate({
        requestId: request.requestId, prompt: request.prompt, sampling: { maxTokens: 1, ignoreEos: true }, signal,
        kvTransfer: { do_remote_decode: true },
      })) {
        if (out.type !== 'finished') continue;
        if (out.finishReason === 'abort') throw new AtcError(ErrorCode.DeadlineExceeded, 'prefill deadline exceeded');
        msg.respond(encodeMessage({
          type: 'prefill.reply.v1', requestId: request.requestId, workerId: this.workerId, promptTokens: out.usage.promptTokens,
          cachedPromptTokens: out.usage.cachedPromptTokens, handoffKey: '',
        }));
        return;
      }
      throw new AtcError(ErrorCode.EngineFailed, 'engine ended the prefill without a result');
    } catch (err) {
      this.logger.warn({ requestId: request.requestId, err: String(err) }, 'prefill failed');
      this.respondError(msg, request.requestId, err);
    }
  }

  private respondError(msg: Msg, requestId: string, err: unknown): void {
    const e = err instanceof AtcError ? err : new AtcError(ErrorCode.EngineFailed, String(err));
    msg.respond(encodeMessage({ type: 'error.v1', requestId, code: e.code, message: e.message, retryable: e.retryable }));
  }
}
