import assert from 'node:assert/strict';
import { ResponseBuilder } from '../../../services/ingress/openai-response.js';
import type { InferenceJob } from '../../../services/ingress/openai-request.js';

const finished = {
  type: 'finished' as const,
  workerId: 'w',
  finishReason: 'length' as const,
  promptTokens: 7,
  completionTokens: 2,
  cachedPromptTokens: 4,
  engineTtftMs: 1,
  queuedMs: 0,
};
const job = (kind: 'chat' | 'completion', stream: boolean, includeUsage: boolean): InferenceJob => ({
  kind,
  model: 'm',
  prompt: { text: 'x' },
  sampling: { maxTokens: 2 },
  stream,
  includeUsage,
});

describe('OpenAI responses', () => {
  it('streams chat chunks: role first, then content, a finish chunk and a usage chunk', () => {
    const b = new ResponseBuilder(job('chat', true, true), 'r1');
    const chunks = [
      ...b.chunks({ type: 'tokens', text: 'He', tokenCount: 1 }),
      ...b.chunks({ type: 'tokens', text: 'y', tokenCount: 1 }),
      ...b.chunks(finished),
    ] as any[];
    assert.equal(chunks.length, 4);
    assert.deepEqual(chunks[0].choices[0].delta, { role: 'assistant', content: 'He' });
    assert.deepEqual(chunks[1].choices[0].delta, { content: 'y' });
    assert.equal(chunks[2].choices[0].finish_reason, 'length');
    assert.equal(chunks[2].usage, null);
    assert.deepEqual(chunks[3].choices, []);
    assert.deepEqual(chunks[3].usage, {
      prompt_tokens: 7,
      completion_tokens: 2,
      total_tokens: 9,
      prompt_tokens_details: { cached_tokens: 4 },
    });
    assert.ok(chunks.every((c) => c.id === 'chatcmpl-r1' && c.object === 'chat.completion.chunk'));
  });
  it('omits usage fields without include_usage', () => {
    const chunks = new ResponseBuilder(job('completion', true, false), 'r2').chunks(finished) as any[];
    assert.equal(chunks.length, 1);
    assert.ok(!('usage' in chunks[0]));
    assert.equal(chunks[0].object, 'text_completion');
  });
  it('builds whole bodies', () => {
    const chatBody = new ResponseBuilder(job('chat', false, false), 'r3').body('Hey', finished) as any;
    assert.deepEqual(chatBody.choices[0].message, { role: 'assistant', content: 'Hey' });
    const compBody = new ResponseBuilder(job('completion', false, false), 'r4').body('Hey', { ...finished, finishReason: 'stop' }) as any;
    assert.equal(compBody.choices[0].text, 'Hey');
    assert.equal(compBody.choices[0].finish_reason, 'stop');
    assert.equal(compBody.usage.total_tokens, 9);
  });
});
