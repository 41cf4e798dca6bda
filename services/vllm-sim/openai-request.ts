// Validates /v1/completions and /v1/chat/completions bodies and turns them into an EngineRequest,
// accepting vLLM's extensions (ignore_eos, kv_transfer_params, return_token_ids, request_id).
import { randomUUID } from 'node:crypto';
import type { EngineRequest, KvTransferParams, PromptInput, SamplingParams } from '../../shared/engine/types.js';
import { promptTokenIds } from '../../shared/tokenizer/index.js';
import type { ChatMessage } from '../../shared/tokenizer/index.js';
import { ApiError, ApiErrorType, badRequest } from './api-error.js';

export interface ParsedRequest {
  readonly engineRequest: Omit<EngineRequest, 'signal'>;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  /** stream_options.continuous_usage_stats: usage on every chunk. */
  readonly continuousUsage: boolean;
  readonly returnTokenIds: boolean;
  readonly promptTokens: number;
}

export interface RequestLimits {
  readonly model: string;
  /** Context window, tokens: prompt + max_tokens may not exceed it (vLLM's max_model_len). */
  readonly maxModelLen: number;
}

type Body = Record<string, unknown>;

function optionalNumber(body: Body, field: string, check: (n: number) => boolean, rule: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !check(value)) throw badRequest(`'${field}' must be ${rule}`, field);
  return value;
}

function optionalBoolean(body: Body, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw badRequest(`'${field}' must be a boolean`, field);
  return value;
}

function stopStrings(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((s) => typeof s === 'string')) return value;
  throw badRequest("'stop' must be a string or an array of strings", 'stop');
}

function kvTransferParams(value: unknown): KvTransferParams | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw badRequest("'kv_transfer_params' must be an object", 'kv_transfer_params');
  return value;
}

function checkUnsupported(body: Body): void {
  const n = body['n'];
  if (n !== undefined && n !== null && n !== 1) throw badRequest("only 'n': 1 is supported", 'n');
  for (const field of ['logprobs', 'best_of', 'echo', 'prompt_logprobs', 'top_logprobs'] as const) {
    const value = body[field];
    if (value !== undefined && value !== null && value !== false) throw badRequest(`'${field}' is not supported by this server`, field);
  }
}

function completionPrompt(body: Body): PromptInput {
  let prompt = body['prompt'];
  // A one-element batch is the same request; longer batches (several choices) are not supported.
  if (Array.isArray(prompt) && prompt.length === 1 && (typeof prompt[0] === 'string' || Array.isArray(prompt[0]))) prompt = prompt[0];
  if (typeof prompt === 'string' && prompt !== '') return { text: prompt };
  if (Array.isArray(prompt) && prompt.length > 0 && prompt.every((t) => Number.isInteger(t) && (t as number) >= 0)) {
    return { tokenIds: prompt as number[] };
  }
  throw badRequest("'prompt' must be a non-empty string or a non-empty list of token ids", 'prompt');
}

function chatMessages(value: unknown): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0) throw badRequest("'messages' must be a non-empty array", 'messages');
  return value.map((message, i) => {
    const m = message as Record<string, unknown> | null;
    if (typeof m !== 'object' || m === null || typeof m['role'] !== 'string')
      throw badRequest(`messages[${i}] needs a string 'role'`, 'messages');
    const content = m['content'];
    if (typeof content === 'string') return { role: m['role'], content };
    if (content === null || content === undefined) return { role: m['role'], content: '' };
    if (Array.isArray(content)) {
      const text = content.map((part: { type?: unknown; text?: unknown }) => {
        if (part?.type !== 'text' || typeof part.text !== 'string')
          throw badRequest(`messages[${i}]: only text content parts are supported`, 'messages');
        return part.text;
      });
      return { role: m['role'], content: text.join('') };
    }
    throw badRequest(`messages[${i}].content must be a string or an array of text parts`, 'messages');
  });
}

export function parseOpenAiRequest(
  raw: unknown,
  kind: 'completion' | 'chat',
  limits: RequestLimits,
  headerRequestId?: string,
): ParsedRequest {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badRequest('the request body must be a JSON object');
  const body = raw as Body;
  if (body['model'] !== undefined && body['model'] !== limits.model) {
    throw new ApiError(
      404,
      `The model \`${typeof body['model'] === 'string' ? body['model'] : JSON.stringify(body['model'])}\` does not exist.`,
      ApiErrorType.NotFound,
      'model',
    );
  }
  checkUnsupported(body);
  // Chat goes to the engine as messages: it applies its model's chat template, as vLLM does.
  const prompt = kind === 'completion' ? completionPrompt(body) : { messages: chatMessages(body['messages']) };
  const promptTokens = promptTokenIds(prompt).length;
  const isCount = (n: number): boolean => Number.isInteger(n) && n >= 1;
  const requested =
    optionalNumber(body, 'max_completion_tokens', isCount, 'a positive integer') ??
    optionalNumber(body, 'max_tokens', isCount, 'a positive integer');
  // OpenAI's completions default is 16 tokens; chat defaults to the rest of the context window, as vLLM does.
  const maxTokens = requested ?? (kind === 'completion' ? 16 : Math.max(1, limits.maxModelLen - promptTokens));
  if (promptTokens + maxTokens > limits.maxModelLen) {
    throw badRequest(
      `This model's maximum context length is ${limits.maxModelLen} tokens. However, you requested ${promptTokens + maxTokens} tokens ` +
        `(${promptTokens} in the messages, ${maxTokens} in the completion). Please reduce the length of the messages or completion.`,
      'max_tokens',
    );
  }
  const sampling: SamplingParams = {
    maxTokens,
    temperature: optionalNumber(body, 'temperature', (n) => n >= 0 && n <= 2, 'a number in [0, 2]'),
    topP: optionalNumber(body, 'top_p', (n) => n > 0 && n <= 1, 'a number in (0, 1]'),
    seed: optionalNumber(body, 'seed', Number.isInteger, 'an integer'),
    stop: stopStrings(body['stop']),
    ignoreEos: optionalBoolean(body, 'ignore_eos'),
  };
  const stream = optionalBoolean(body, 'stream') ?? false;
  const streamOptions = body['stream_options'];
  if (streamOptions !== undefined && streamOptions !== null) {
    if (!stream) throw badRequest('Stream options can only be defined when `stream=True`.', 'stream_options');
    if (typeof streamOptions !== 'object') throw badRequest("'stream_options' must be an object", 'stream_options');
  }
  const so = (streamOptions ?? {}) as Body;
  const requestId =
    typeof body['request_id'] === 'string' && body['request_id'] !== '' ? body['request_id'] : headerRequestId || randomUUID();
  const kvTransfer = kvTransferParams(body['kv_transfer_params']);
  return {
    engineRequest: { requestId, prompt, sampling, ...(kvTransfer ? { kvTransfer } : {}) },
    stream,
    includeUsage: so['include_usage'] === true,
    continuousUsage: so['continuous_usage_stats'] === true,
    returnTokenIds: optionalBoolean(body, 'return_token_ids') ?? false,
    promptTokens,
  };
}
