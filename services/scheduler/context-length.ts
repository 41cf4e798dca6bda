// A prompt longer than the model's context window is refused at the pick, before any engine is asked:
// OpenAI answers 400 context_length_exceeded, and a 5xx would make clients retry a request that can
// never succeed. The window is the largest max_model_len among the live workers of the model (from
// their registrations); without one registered, the engines judge.
import type { WorkerView } from '../../shared/fleet/index.js';
import { AtcError, ErrorCode } from '../../shared/protocol/index.js';

/** Throws ContextLengthExceeded when no live worker of `model` fits a prompt of `promptTokens` plus one output token. */
export function checkContextLength(workers: readonly WorkerView[], model: string, promptTokens: number): void {
  let window: number | undefined;
  for (const w of workers) {
    const len = w.registration.maxModelLen;
    if (len === undefined || !w.registration.models.includes(model) || w.registration.role === 'prefill') continue;
    window = window === undefined ? len : Math.max(window, len);
  }
  if (window !== undefined && promptTokens + 1 > window) {
    throw new AtcError(
      ErrorCode.ContextLengthExceeded,
      `This model's maximum context length is ${window} tokens. However, your prompt has ${promptTokens} tokens ` +
        '(one more is needed for the completion). Please reduce the length of the prompt.',
    );
  }
}
