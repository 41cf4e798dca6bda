// Response bodies in vLLM's shapes (vllm/entrypoints/openai/completion/protocol.py and
// chat_completion/protocol.py): ids 'cmpl-…'/'chatcmpl-…', usage with prompt_tokens_details.
import type { EngineUsage, FinishReason, KvTransferParams } from '../../shared/engine/types.js';

export type ApiKind = 'completion' | 'chat';

export interface ResponseContext {
  readonly kind: ApiKind;
  readonly id: string;
  /** s since the epoch. */
  readonly created: number;
  readonly model: string;
  readonly returnTokenIds: boolean;
}

export function responseId(kind: ApiKind, requestId: string): string {
  return `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${requestId}`;
}

export function usageBody(usage: EngineUsage): Record<string, unknown> {
  return {
    prompt_tokens: usage.promptTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
    completion_tokens: usage.completionTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedPromptTokens },
  };
}

/** 'abort' is what vLLM reports for a request it aborted; OpenAI clients see it verbatim. */
function finish(reason: FinishReason | null): string | null {
  return reason;
}

/** One streamed chunk carrying new text (and possibly the finish reason). */
export function streamChunk(
  ctx: ResponseContext,
  text: string,
  tokenIds: readonly number[],
  finishReason: FinishReason | null,
  usage: EngineUsage | null,
  first: boolean,
): Record<string, unknown> {
  const choice: Record<string, unknown> =
    ctx.kind === 'chat'
      ? {
          index: 0,
          delta: first ? { role: 'assistant', content: text } : text === '' && finishReason ? {} : { content: text },
          logprobs: null,
        }
      : { index: 0, text, logprobs: null };
  choice['finish_reason'] = finish(finishReason);
  choice['stop_reason'] = null;
  if (ctx.returnTokenIds) choice['token_ids'] = [...tokenIds];
  const chunk: Record<string, unknown> = {
    id: ctx.id,
    object: ctx.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion',
    created: ctx.created,
    model: ctx.model,
    choices: [choice],
  };
  if (usage) chunk['usage'] = usageBody(usage);
  return chunk;
}

/** The final usage-only chunk of stream_options.include_usage. */
export function usageChunk(ctx: ResponseContext, usage: EngineUsage): Record<string, unknown> {
  return {
    id: ctx.id,
    object: ctx.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion',
    created: ctx.created,
    model: ctx.model,
    choices: [],
    usage: usageBody(usage),
  };
}

export function fullResponse(
  ctx: ResponseContext,
  text: string,
  tokenIds: readonly number[],
  finishReason: FinishReason,
  usage: EngineUsage,
  kvTransfer: KvTransferParams | undefined,
): Record<string, unknown> {
  const choice: Record<string, unknown> =
    ctx.kind === 'chat'
      ? { index: 0, message: { role: 'assistant', content: text, tool_calls: [] }, logprobs: null }
      : { index: 0, text, logprobs: null };
  choice['finish_reason'] = finish(finishReason);
  choice['stop_reason'] = null;
  if (ctx.returnTokenIds) choice['token_ids'] = [...tokenIds];
  return {
    id: ctx.id,
    object: ctx.kind === 'chat' ? 'chat.completion' : 'text_completion',
    created: ctx.created,
    model: ctx.model,
    choices: [choice],
    usage: usageBody(usage),
    // vLLM-specific: NixlConnector's handoff parameters for the decode side (null when none).
    kv_transfer_params: kvTransfer ?? null,
  };
}
