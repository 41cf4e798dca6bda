// Reading vLLM's /v1/completions bodies (a stream chunk or a whole response) into engine terms.
// vLLM's shapes: vllm/entrypoints/openai/completion/protocol.py (CompletionResponse,
// CompletionStreamResponse); usage per UsageInfo with prompt_tokens_details.cached_tokens.
import { EngineError, FinishReason } from '../types.js';
import type { EngineUsage, KvTransferParams } from '../types.js';
import { isRetryableStatus } from './vllm-http-errors.js';

export interface CompletionPiece {
  readonly text: string;
  /** Present when vLLM returns token ids (return_token_ids, vLLM >= 0.10.2). */
  readonly tokenIds: readonly number[] | undefined;
  readonly finishReason: FinishReason | undefined;
  readonly usage: EngineUsage | undefined;
  readonly kvTransfer: KvTransferParams | undefined;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function nonNegative(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new EngineError(`vLLM response has a bad ${field}: ${JSON.stringify(value)}`, false);
  }
  return value;
}

/** OpenAI's finish reasons collapse onto ours: anything but 'length'/'abort' ended on a stop condition. */
export function finishReasonFrom(value: unknown): FinishReason | undefined {
  if (value === null || value === undefined) return undefined;
  if (value === 'length') return FinishReason.Length;
  if (value === 'abort') return FinishReason.Abort;
  return FinishReason.Stop;
}

export function usageFrom(value: unknown): EngineUsage | undefined {
  const usage = asRecord(value);
  if (!usage) return undefined;
  const details = asRecord(usage['prompt_tokens_details']);
  return {
    promptTokens: nonNegative(usage['prompt_tokens'], 'usage.prompt_tokens'),
    completionTokens: nonNegative(usage['completion_tokens'] ?? 0, 'usage.completion_tokens'),
    // Only filled by vLLM started with --enable-prompt-tokens-details; otherwise null.
    cachedPromptTokens: details ? nonNegative(details['cached_tokens'] ?? 0, 'usage.prompt_tokens_details.cached_tokens') : 0,
  };
}

/** Throws the EngineError an error body or an in-stream error chunk describes, if it is one. */
export function throwIfErrorBody(body: Record<string, unknown>): void {
  const error = asRecord(body['error']) ?? (body['object'] === 'error' ? body : undefined);
  if (!error) return;
  const code = typeof error['code'] === 'number' ? error['code'] : 500;
  const message = typeof error['message'] === 'string' ? error['message'] : JSON.stringify(error);
  throw new EngineError(`vLLM error ${code}: ${message}`, isRetryableStatus(code));
}

/** One completion body (stream chunk or full response), first choice only (we always send n=1). */
export function completionPiece(json: unknown): CompletionPiece {
  const body = asRecord(json);
  if (!body) throw new EngineError('vLLM sent a non-object completion body', false);
  throwIfErrorBody(body);
  const choices = body['choices'];
  if (!Array.isArray(choices)) throw new EngineError('vLLM completion body has no choices array', false);
  const choice = asRecord(choices[0]);
  // completions: choice.text; chat: choice.delta.content (stream) or choice.message.content (whole).
  const chat = asRecord(choice?.['delta']) ?? asRecord(choice?.['message']);
  const text = chat ? (chat['content'] ?? '') : choice?.['text'];
  if (choice && typeof text !== 'string') throw new EngineError('vLLM completion choice has no text', false);
  const rawIds = choice?.['token_ids'];
  const tokenIds = Array.isArray(rawIds) ? rawIds.map((id, i) => nonNegative(id, `token_ids[${i}]`)) : undefined;
  const kvTransfer = asRecord(body['kv_transfer_params']) as KvTransferParams | undefined;
  return {
    text: typeof text === 'string' ? text : '',
    tokenIds,
    finishReason: finishReasonFrom(choice?.['finish_reason']),
    usage: usageFrom(body['usage']),
    kvTransfer,
  };
}
