// Validates OpenAI completions and chat-completions bodies into an InferenceJob. Every rejection is an
// HttpError naming the offending parameter; nothing is sent anywhere for a bad body.
import type { PromptInput } from '../../shared/engine/types.js';
import type { WireSampling } from '../../shared/protocol/index.js';
import type { ChatMessage, PromptTokens } from '../../shared/tokenizer/index.js';
import { invalidRequest } from './openai-errors.js';

export const ApiKind = { Completion: 'completion', Chat: 'chat' } as const;
export type ApiKind = (typeof ApiKind)[keyof typeof ApiKind];

export interface InferenceJob {
  readonly kind: ApiKind;
  readonly model: string;
  readonly prompt: PromptInput;
  readonly sampling: WireSampling;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  /** A text or chat prompt's token ids, tokenized once in the ingress (the pick request carries them). */
  readonly promptTokens?: PromptTokens;
  /** The scheduler's block hashes of the prompt's ids, when a tokenizer-pool thread computed them. */
  readonly blockHashes?: Float64Array;
}

export interface RequestLimits {
  /** Largest accepted max_tokens. */
  readonly maxTokensLimit: number;
  /** max_tokens when the body gives none: completions (OpenAI's default is 16) and chat. */
  readonly defaultCompletionMaxTokens: number;
  readonly defaultChatMaxTokens: number;
}

type Body = Record<string, unknown>;
const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

function isRecord(v: unknown): v is Body {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optionalNumber(body: Body, key: string, min: number, max: number, integer = false): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw invalidRequest(`'${key}' must be ${integer ? 'an integer' : 'a number'}, got ${JSON.stringify(v)}`, key, 'invalid_type');
  }
  if (v < min || v > max) throw invalidRequest(`'${key}' must be between ${min} and ${max}, got ${v}`, key, 'invalid_value');
  return v;
}

function optionalBoolean(body: Body, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalidRequest(`'${key}' must be a boolean, got ${JSON.stringify(v)}`, key, 'invalid_type');
  return v;
}

function stopSequences(body: Body): string[] | undefined {
  const v = body['stop'];
  if (v === undefined || v === null) return undefined;
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string' && s.length > 0) || list.length > 4) {
    throw invalidRequest("'stop' must be a non-empty string or an array of up to 4 non-empty strings", 'stop', 'invalid_type');
  }
  return list as string[];
}

function completionPrompt(body: Body): PromptInput {
  let p = body['prompt'];
  if (p === undefined || p === null) throw invalidRequest("missing required parameter 'prompt'", 'prompt', 'missing_required_parameter');
  // A batch of one prompt is accepted; batches of several are not supported (n=1 only).
  if (Array.isArray(p) && p.length === 1 && (typeof p[0] === 'string' || Array.isArray(p[0]))) p = p[0];
  if (typeof p === 'string') return { text: p };
  if (Array.isArray(p) && p.length > 0 && p.every((t) => Number.isInteger(t) && (t as number) >= 0)) return { tokenIds: p as number[] };
  throw invalidRequest("'prompt' must be a string, an array of token ids, or a one-element array of either", 'prompt', 'invalid_type');
}

function chatPrompt(body: Body): PromptInput {
  const messages = body['messages'];
  if (messages === undefined || messages === null)
    throw invalidRequest("missing required parameter 'messages'", 'messages', 'missing_required_parameter');
  if (!Array.isArray(messages) || messages.length === 0)
    throw invalidRequest("'messages' must be a non-empty array", 'messages', 'invalid_type');
  const parsed: ChatMessage[] = messages.map((m: unknown, i) => {
    const param = `messages[${i}]`;
    if (!isRecord(m)) throw invalidRequest(`'${param}' must be an object`, param, 'invalid_type');
    if (typeof m['role'] !== 'string' || !ROLES.has(m['role'])) {
      throw invalidRequest(`'${param}.role' must be one of ${[...ROLES].join(', ')}`, `${param}.role`, 'invalid_value');
    }
    const content = m['content'];
    if (typeof content === 'string') return { role: m['role'], content };
    if (content === null || content === undefined) {
      if (m['role'] === 'assistant') return { role: m['role'], content: '' };
      throw invalidRequest(`'${param}.content' is required`, `${param}.content`, 'missing_required_parameter');
    }
    if (Array.isArray(content) && content.every((part) => isRecord(part) && part['type'] === 'text' && typeof part['text'] === 'string')) {
      return { role: m['role'], content: content.map((part) => (part as Body)['text'] as string).join('') };
    }
    throw invalidRequest(`'${param}.content' must be a string or an array of text parts`, `${param}.content`, 'invalid_type');
  });
  // The engine applies its model's chat template (as vLLM's /v1/chat/completions does).
  return { messages: parsed };
}

/**
 * OpenAI parameters this server does not implement, each with the values that mean "off" (accepted, since
 * clients send them by default). Any other value is refused naming the field, never silently ignored.
 */
const UNSUPPORTED: Readonly<Record<string, (v: unknown) => boolean>> = {
  logprobs: (v) => v === false || v === 0,
  top_logprobs: (v) => v === 0,
  echo: (v) => v === false,
  best_of: (v) => v === 1,
  suffix: (v) => v === '',
  logit_bias: (v) => isRecord(v) && Object.keys(v).length === 0,
  tools: (v) => Array.isArray(v) && v.length === 0,
  tool_choice: (v) => v === 'none',
  parallel_tool_calls: () => true,
  functions: (v) => Array.isArray(v) && v.length === 0,
  function_call: (v) => v === 'none',
  response_format: (v) => isRecord(v) && v['type'] === 'text',
  audio: () => false,
  modalities: (v) => Array.isArray(v) && v.every((m) => m === 'text'),
  prediction: () => false,
};

function rejectUnsupported(body: Body): void {
  for (const [key, isOff] of Object.entries(UNSUPPORTED)) {
    const v = body[key];
    if (v === undefined || v === null || isOff(v)) continue;
    throw invalidRequest(`'${key}' is not supported by this server (got ${JSON.stringify(v).slice(0, 100)})`, key, 'invalid_value');
  }
}

export function parseInferenceRequest(kind: ApiKind, body: unknown, limits: RequestLimits): InferenceJob {
  if (!isRecord(body)) throw invalidRequest('request body must be a JSON object', null, 'invalid_type');
  const model = body['model'];
  if (model === undefined || model === null)
    throw invalidRequest("missing required parameter 'model'", 'model', 'missing_required_parameter');
  if (typeof model !== 'string' || model.length === 0) throw invalidRequest("'model' must be a non-empty string", 'model', 'invalid_type');
  const prompt = kind === ApiKind.Chat ? chatPrompt(body) : completionPrompt(body);
  rejectUnsupported(body);

  const maxKey = kind === ApiKind.Chat && body['max_completion_tokens'] !== undefined ? 'max_completion_tokens' : 'max_tokens';
  const maxTokens =
    optionalNumber(body, maxKey, 1, limits.maxTokensLimit, true) ??
    (kind === ApiKind.Chat ? limits.defaultChatMaxTokens : limits.defaultCompletionMaxTokens);
  const n = optionalNumber(body, 'n', 1, 1, true);
  void n; // only n=1 is served; optionalNumber rejected anything else
  const stream = optionalBoolean(body, 'stream') ?? false;
  const streamOptions = body['stream_options'];
  if (streamOptions !== undefined && streamOptions !== null && !isRecord(streamOptions)) {
    throw invalidRequest("'stream_options' must be an object", 'stream_options', 'invalid_type');
  }
  const includeUsage = isRecord(streamOptions) ? (optionalBoolean(streamOptions, 'include_usage') ?? false) : false;
  if (isRecord(streamOptions) && !stream)
    throw invalidRequest("'stream_options' is only allowed when 'stream' is true", 'stream_options', 'invalid_value');

  const sampling: { -readonly [K in keyof WireSampling]: WireSampling[K] } = { maxTokens };
  const temperature = optionalNumber(body, 'temperature', 0, 2);
  if (temperature !== undefined) sampling.temperature = temperature;
  const topP = optionalNumber(body, 'top_p', 0, 1);
  if (topP !== undefined) sampling.topP = topP;
  const seed = optionalNumber(body, 'seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true);
  if (seed !== undefined) sampling.seed = seed;
  const stop = stopSequences(body);
  if (stop) sampling.stop = stop;
  const ignoreEos = optionalBoolean(body, 'ignore_eos');
  if (ignoreEos !== undefined) sampling.ignoreEos = ignoreEos;
  return { kind, model, prompt, sampling, stream, includeUsage };
}
