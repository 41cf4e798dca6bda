// Runs one completion/chat request on the engine and writes the response: SSE chunks ending in
// 'data: [DONE]' when streaming, one JSON body otherwise. A client that disconnects aborts the
// engine request, as vLLM does.
import type { ServerResponse } from 'node:http';
import { EngineError } from '../../shared/engine/types.js';
import type { Engine, EngineUsage, FinishReason, KvTransferParams } from '../../shared/engine/types.js';
import { SSE_DONE, sseEvent } from '../../shared/engine/vllm/sse.js';
import { ApiError, ApiErrorType } from './api-error.js';
import { fullResponse, streamChunk, usageChunk } from './openai-response.js';
import type { ResponseContext } from './openai-response.js';
import type { ParsedRequest } from './openai-request.js';
import type { ServerMetrics } from './server-metrics.js';

export function apiErrorFrom(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof EngineError) {
    return error.retryable
      ? new ApiError(503, error.message, ApiErrorType.Unavailable)
      : new ApiError(500, error.message, ApiErrorType.Internal);
  }
  return new ApiError(500, error instanceof Error ? error.message : String(error), ApiErrorType.Internal);
}

export function writeJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Stream headers; a chat stream opens, as vLLM's does, with a chunk carrying only the assistant role. */
function startStream(res: ServerResponse, ctx: ResponseContext): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  if (ctx.kind === 'chat') res.write(sseEvent(streamChunk(ctx, '', [], null, null, true)));
}

export async function runGeneration(
  engine: Engine,
  metrics: ServerMetrics,
  parsed: ParsedRequest,
  ctx: ResponseContext,
  res: ServerResponse,
): Promise<void> {
  const controller = new AbortController();
  // 'close' before the response finished = the client went away.
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new Error('client disconnected'));
  });
  const request = { ...parsed.engineRequest, signal: controller.signal };
  let text = '';
  const tokenIds: number[] = [];
  let completionTokens = 0;
  let first = true;
  let result: { finishReason: FinishReason; usage: EngineUsage; kvTransfer: KvTransferParams | undefined } | undefined;
  const running = (): EngineUsage => ({ promptTokens: parsed.promptTokens, completionTokens, cachedPromptTokens: 0 });
  try {
    for await (const output of engine.generate(request)) {
      if (output.type === 'tokens') {
        completionTokens += output.tokenIds.length;
        if (parsed.stream) {
          if (first) startStream(res, ctx);
          first = false;
          res.write(sseEvent(streamChunk(ctx, output.text, output.tokenIds, null, parsed.continuousUsage ? running() : null, false)));
        } else {
          text += output.text;
          tokenIds.push(...output.tokenIds);
        }
      } else {
        result = { finishReason: output.finishReason, usage: output.usage, kvTransfer: output.kvTransfer };
      }
    }
  } catch (error) {
    if (controller.signal.aborted) return;
    const apiError = apiErrorFrom(error);
    if (parsed.stream && !first) {
      // Headers are gone: vLLM reports a mid-stream failure as an error chunk, then [DONE].
      res.write(sseEvent(apiError.body()));
      res.end(sseEvent(SSE_DONE));
    } else writeJson(res, apiError.status, apiError.body());
    return;
  }
  if (!result) {
    writeJson(res, 500, new ApiError(500, 'engine ended without a finish output', ApiErrorType.Internal).body());
    return;
  }
  metrics.recordFinished(result.finishReason, result.usage);
  if (controller.signal.aborted) return;
  if (!parsed.stream) {
    writeJson(res, 200, fullResponse(ctx, text, tokenIds, result.finishReason, result.usage, result.kvTransfer));
    return;
  }
  if (first) startStream(res, ctx);
  res.write(sseEvent(streamChunk(ctx, '', [], result.finishReason, parsed.continuousUsage ? result.usage : null, false)));
  if (parsed.includeUsage) res.write(sseEvent(usageChunk(ctx, result.usage)));
  res.end(sseEvent(SSE_DONE));
}
