// EngineRequest -> the body of vLLM's POST /v1/completions or /v1/chat/completions (OpenAI fields plus vLLM's extensions
// ignore_eos, return_token_ids, kv_transfer_params, request_id).
import type { EngineRequest } from '../types.js';

export function completionRequestBody(model: string, request: EngineRequest, stream: boolean): Record<string, unknown> {
  const { sampling } = request;
  const body: Record<string, unknown> = {
    model,
    // Chat goes as messages (to /v1/chat/completions: vLLM applies the model's chat template); vLLM takes a
    // list of ints as a pre-tokenized completions prompt.
    ...('messages' in request.prompt
      ? { messages: request.prompt.messages.map((m) => ({ role: m.role, content: m.content })) }
      : { prompt: 'text' in request.prompt ? request.prompt.text : [...request.prompt.tokenIds] }),
    max_tokens: sampling.maxTokens,
    stream,
    // Ask for the generated ids (vLLM >= 0.10.2; older versions ignore unknown fields with a warning).
    return_token_ids: true,
    request_id: request.requestId,
  };
  if (stream) body['stream_options'] = { include_usage: true };
  if (sampling.temperature !== undefined) body['temperature'] = sampling.temperature;
  if (sampling.topP !== undefined) body['top_p'] = sampling.topP;
  if (sampling.seed !== undefined) body['seed'] = sampling.seed;
  if (sampling.stop !== undefined && sampling.stop.length > 0) body['stop'] = [...sampling.stop];
  if (sampling.ignoreEos !== undefined) body['ignore_eos'] = sampling.ignoreEos;
  if (request.kvTransfer !== undefined) body['kv_transfer_params'] = { ...request.kvTransfer };
  return body;
}

/**
 * vLLM returns kv_transfer_params only in the non-streaming CompletionResponse (its stream chunks
 * have no such field), so a prefill that must hand its KV blocks on (do_remote_decode) goes
 * non-streaming, as vLLM's own disaggregated-serving proxy does.
 */
/** The vLLM endpoint for a request's prompt form. */
export function completionPath(request: EngineRequest): '/v1/chat/completions' | '/v1/completions' {
  return 'messages' in request.prompt ? '/v1/chat/completions' : '/v1/completions';
}

export function needsNonStreaming(request: EngineRequest): boolean {
  return request.kvTransfer?.do_remote_decode === true;
}
