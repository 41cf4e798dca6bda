// Builds OpenAI-shaped responses (whole bodies and streaming chunks) from the dispatcher's events.
import type { DispatchEvent } from './dispatcher.js';
import { ApiKind, type InferenceJob } from './openai-request.js';

type Finished = Extract<DispatchEvent, { type: 'finished' }>;

export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

export function usageOf(f: Finished): OpenAiUsage {
  return {
    prompt_tokens: f.promptTokens,
    completion_tokens: f.completionTokens,
    total_tokens: f.promptTokens + f.completionTokens,
    prompt_tokens_details: { cached_tokens: f.cachedPromptTokens },
  };
}

/** 'abort' never reaches a client that is still listening; the engine stopped it on our side. */
const finishReason = (f: Finished) => (f.finishReason === 'abort' ? 'stop' : f.finishReason);

export class ResponseBuilder {
  readonly id: string;
  readonly created = Math.floor(Date.now() / 1000);
  private sentRole = false;

  constructor(
    private readonly job: InferenceJob,
    requestId: string,
  ) {
    this.id = `${job.kind === ApiKind.Chat ? 'chatcmpl' : 'cmpl'}-${requestId}`;
  }

  private envelope() {
    return {
      id: this.id,
      object: this.job.kind === ApiKind.Chat ? 'chat.completion.chunk' : 'text_completion',
      created: this.created,
      model: this.job.model,
      ...(this.job.includeUsage ? { usage: null } : {}),
    };
  }

  /** The streaming chunks for one event (several for the final event with usage). */
  chunks(event: DispatchEvent): object[] {
    const chat = this.job.kind === ApiKind.Chat;
    if (event.type === 'tokens') {
      if (chat) {
        const delta = this.sentRole ? { content: event.text } : { role: 'assistant', content: event.text };
        this.sentRole = true;
        return [{ ...this.envelope(), choices: [{ index: 0, delta, logprobs: null, finish_reason: null }] }];
      }
      return [{ ...this.envelope(), choices: [{ index: 0, text: event.text, logprobs: null, finish_reason: null }] }];
    }
    const last = chat
      ? {
          ...this.envelope(),
          choices: [
            {
              index: 0,
              delta: this.sentRole ? {} : { role: 'assistant', content: '' },
              logprobs: null,
              finish_reason: finishReason(event),
            },
          ],
        }
      : { ...this.envelope(), choices: [{ index: 0, text: '', logprobs: null, finish_reason: finishReason(event) }] };
    const out: object[] = [last];
    if (this.job.includeUsage) out.push({ ...this.envelope(), choices: [], usage: usageOf(event) });
    return out;
  }

  /** The whole non-streaming body. */
  body(text: string, finished: Finished): object {
    const usage = usageOf(finished);
    if (this.job.kind === ApiKind.Chat) {
      return {
        id: this.id,
        object: 'chat.completion',
        created: this.created,
        model: this.job.model,
        choices: [{ index: 0, message: { role: 'assistant', content: text }, logprobs: null, finish_reason: finishReason(finished) }],
        usage,
      };
    }
    return {
      id: this.id,
      object: 'text_completion',
      created: this.created,
      model: this.job.model,
      choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason(finished) }],
      usage,
    };
  }
}
