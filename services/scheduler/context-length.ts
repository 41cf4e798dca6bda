// A prompt longer than the model's context window is refused at the pick, before any engine is asked:
// OpenAI answers 400 context_length_exceeded, and a 5xx would make clients retry a request that can
// never succeed. The window is the largest max_model_len among the live workers of the model (from
// their registrations); without one registered, the engines judge.
import type { PromptInput } from '../../shared/engine/types.js';
import type { WorkerView } from '../../shared/fleet/index.js';
import { AtcError, ErrorCode } from '../../shared/protocol/index.js';
import { promptTokenIds } from '../../shared/tokenizer/index.js';

/**
 * Characters per token beyond which a prompt's prefix is counted first. Tokenizers cover about 4
 * characters of English per token (OpenAI's rule of thumb); 8 leaves a wide margin, so a prompt whose
 * first window × 8 characters already exceed the window is refused after tokenizing only those, and a
 * multi-MiB prompt does not hold the scheduler's thread for seconds.
 */
const PREFIX_CHARS_PER_TOKEN = 8;

/** The largest max_model_len of the live decode workers of `model`, tokens; undefined when none says. */
export function contextWindow(workers: readonly WorkerView[], model: string): number | undefined {
  let window: number | undefined;
  for (const w of workers) {
    const len = w.registration.maxModelLen;
    if (len === undefined || !w.registration.models.includes(model) || w.registration.role === 'prefill') continue;
    window = window === undefined ? len : Math.max(window, len);
  }
  return window;
}

function exceeded(window: number, promptTokens: number, atLeast = false): AtcError {
  return new AtcError(
    ErrorCode.ContextLengthExceeded,
    `This model's maximum context length is ${window} tokens. However, your prompt has ${atLeast ? 'more than ' : ''}${promptTokens} tokens ` +
      '(one more is needed for the completion). Please reduce the length of the prompt.',
  );
}

/** Throws ContextLengthExceeded when a long text prompt's prefix alone does not fit; cheap otherwise. */
export function checkPromptPrefix(prompt: PromptInput, window: number): void {
  const limit = window * PREFIX_CHARS_PER_TOKEN;
  let text: string;
  if ('text' in prompt) text = prompt.text;
  else if ('messages' in prompt) {
    let length = 0;
    for (const m of prompt.messages) length += m.content.length;
    if (length <= limit) return;
    text = prompt.messages.map((m) => m.content).join('\n');
  } else return;
  if (text.length <= limit) return;
  // A prefix's tokens are (up to its last token) the whole text's: more than the window there is more in all.
  const prefixTokens = promptTokenIds({ text: text.slice(0, limit) }).length - 1;
  if (prefixTokens + 1 > window) throw exceeded(window, prefixTokens, true);
}

/** Throws ContextLengthExceeded when a prompt of `promptTokens` plus one output token does not fit. */
export function checkContextLength(window: number, promptTokens: number): void {
  if (promptTokens + 1 > window) throw exceeded(window, promptTokens);
}
