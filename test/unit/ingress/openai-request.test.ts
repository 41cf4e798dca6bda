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
  ];
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
