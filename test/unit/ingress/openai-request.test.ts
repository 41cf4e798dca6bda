import assert from 'node:assert/strict';
import { HttpError } from '../../../services/ingress/openai-errors.js';
import { parseInferenceRequest, type ApiKind } from '../../../services/ingress/openai-request.js';

const limits = { maxTokensLimit: 1000, defaultCompletionMaxTokens: 16, defaultChatMaxTokens: 256 };
const chat = (extra: object) => ({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...extra });
const comp = (extra: object) => ({ model: 'm', prompt: 'hi', ...extra });

describe('OpenAI request validation', () => {
  describe('accepts', () => {
    it('a completion with defaults (max_tokens 16 as OpenAI)', () => {
      const job = parseInferenceRequest('completion', comp({}), limits);
      assert.deepEqual(job, {
        kind: 'completion',
        model: 'm',
        prompt: { text: 'hi' },
        sampling: { maxTokens: 16 },
        stream: false,
        includeUsage: false,
      });
    });
    it('token-id prompts and one-element batches', () => {
      assert.deepEqual(parseInferenceRequest('completion', comp({ prompt: [1, 2, 3] }), limits).prompt, { tokenIds: [1, 2, 3] });
      assert.deepEqual(parseInferenceRequest('completion', comp({ prompt: ['x'] }), limits).prompt, { text: 'x' });
    });
    it("a chat with sampling options, passed on as messages for the engine's chat template", () => {
      const job = parseInferenceRequest(
        'chat',
        chat({
          max_completion_tokens: 5,
          temperature: 0.5,
          top_p: 0.9,
          seed: 3,
          stop: 'END',
          stream: true,
          stream_options: { include_usage: true },
          ignore_eos: true,
        }),
        limits,
      );
      assert.deepEqual(job.sampling, { maxTokens: 5, temperature: 0.5, topP: 0.9, seed: 3, stop: ['END'], ignoreEos: true });
      assert.equal(job.stream, true);
      assert.equal(job.includeUsage, true);
      assert.deepEqual(job.prompt, { messages: [{ role: 'user', content: 'hi' }] });
    });
    it('text content parts and a null assistant content', () => {
      const job = parseInferenceRequest(
        'chat',
        {
          model: 'm',
          messages: [
            { role: 'assistant', content: null },
            {
              role: 'user',
              content: [
                { type: 'text', text: 'a' },
                { type: 'text', text: 'b' },
              ],
            },
          ],
        },
        limits,
      );
      assert.deepEqual(job.prompt, {
        messages: [
          { role: 'assistant', content: '' },
          { role: 'user', content: 'ab' },
        ],
      });
    });
  });

  // Each row: endpoint, body, expected `param` and `code` of the 400 error.
  const rejected: Array<[string, ApiKind, unknown, string | null, string]> = [
    ['body not an object', 'completion', [1], null, 'invalid_type'],
    ['missing model', 'completion', { prompt: 'x' }, 'model', 'missing_required_parameter'],
    ['model not a string', 'completion', comp({ model: 5 }), 'model', 'invalid_type'],
    ['missing prompt', 'completion', { model: 'm' }, 'prompt', 'missing_required_parameter'],
    ['prompt of wrong type', 'completion', comp({ prompt: { a: 1 } }), 'prompt', 'invalid_type'],
    ['batch of two prompts', 'completion', comp({ prompt: ['a', 'b'] }), 'prompt', 'invalid_type'],
    ['missing messages', 'chat', { model: 'm' }, 'messages', 'missing_required_parameter'],
    ['empty messages', 'chat', chat({ messages: [] }), 'messages', 'invalid_type'],
    ['bad role', 'chat', chat({ messages: [{ role: 'wizard', content: 'x' }] }), 'messages[0].role', 'invalid_value'],
    ['content of wrong type', 'chat', chat({ messages: [{ role: 'user', content: 5 }] }), 'messages[0].content', 'invalid_type'],
    ['max_tokens zero', 'completion', comp({ max_tokens: 0 }), 'max_tokens', 'invalid_value'],
    ['max_tokens above the limit', 'completion', comp({ max_tokens: 1001 }), 'max_tokens', 'invalid_value'],
    ['max_tokens not an integer', 'completion', comp({ max_tokens: 1.5 }), 'max_tokens', 'invalid_type'],
    ['max_tokens a string', 'chat', chat({ max_tokens: '10' }), 'max_tokens', 'invalid_type'],
    ['temperature above 2', 'chat', chat({ temperature: 3 }), 'temperature', 'invalid_value'],
    ['n above 1', 'chat', chat({ n: 2 }), 'n', 'invalid_value'],
    ['stream not a boolean', 'chat', chat({ stream: 'yes' }), 'stream', 'invalid_type'],
    ['stream_options without stream', 'chat', chat({ stream_options: { include_usage: true } }), 'stream_options', 'invalid_value'],
    ['five stop strings', 'completion', comp({ stop: ['a', 'b', 'c', 'd', 'e'] }), 'stop', 'invalid_type'],
    // Parameters the server does not implement are refused, naming the field, never silently ignored.
    ['logprobs on a chat', 'chat', chat({ logprobs: true }), 'logprobs', 'invalid_value'],
    ['logprobs on a completion', 'completion', comp({ logprobs: 3 }), 'logprobs', 'invalid_value'],
    ['top_logprobs', 'chat', chat({ top_logprobs: 2 }), 'top_logprobs', 'invalid_value'],
    ['echo', 'completion', comp({ echo: true }), 'echo', 'invalid_value'],
    ['best_of', 'completion', comp({ best_of: 3 }), 'best_of', 'invalid_value'],
    ['suffix', 'completion', comp({ suffix: 'end' }), 'suffix', 'invalid_value'],
    ['tools', 'chat', chat({ tools: [{ type: 'function', function: { name: 'f' } }] }), 'tools', 'invalid_value'],
    ['tool_choice', 'chat', chat({ tool_choice: 'auto' }), 'tool_choice', 'invalid_value'],
    ['functions', 'chat', chat({ functions: [{ name: 'f' }] }), 'functions', 'invalid_value'],
    ['response_format json', 'chat', chat({ response_format: { type: 'json_object' } }), 'response_format', 'invalid_value'],
    ['logit_bias', 'chat', chat({ logit_bias: { '50256': -100 } }), 'logit_bias', 'invalid_value'],
  ];
  it('accepts the "off" values clients send by default for unsupported parameters', () => {
    const off = {
      logprobs: false,
      echo: false,
      tools: [],
      tool_choice: 'none',
      response_format: { type: 'text' },
      logit_bias: {},
      best_of: 1,
    };
    assert.equal(parseInferenceRequest('chat', chat({ ...off, top_logprobs: null }), limits).model, 'm');
    assert.equal(parseInferenceRequest('completion', comp({ logprobs: null, echo: false, suffix: null }), limits).model, 'm');
  });
  for (const [name, kind, body, param, code] of rejected) {
    it(`rejects ${name}`, () => {
      assert.throws(
        () => parseInferenceRequest(kind, body, limits),
        (err: unknown) =>
          err instanceof HttpError &&
          err.status === 400 &&
          err.param === param &&
          err.code === code &&
          err.type === 'invalid_request_error',
      );
    });
  }
});
