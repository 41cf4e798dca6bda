import assert from 'node:assert/strict';
import { EngineError } from '../../../shared/engine/types.js';
import { completionPiece } from '../../../shared/engine/vllm/completion-response.js';
import { connectionError, httpStatusError } from '../../../shared/engine/vllm/index.js';

describe('vLLM HTTP error mapping', () => {
  const statuses: Array<{ status: number; retryable: boolean; why: string }> = [
    { status: 400, retryable: false, why: 'the request is wrong; it fails on any replica' },
    { status: 404, retryable: false, why: 'unknown model: same everywhere' },
    { status: 408, retryable: true, why: 'request timeout at the server' },
    { status: 429, retryable: true, why: 'overload: another replica may have room' },
    { status: 500, retryable: true, why: 'engine failure' },
    { status: 503, retryable: true, why: 'engine not ready / overloaded' },
  ];
  for (const row of statuses) {
    it(`${row.status} -> retryable ${row.retryable} (${row.why})`, () => {
      const error = httpStatusError(row.status, '{"error":{"message":"boom","type":"X","code":1}}', 'http://v/x');
      assert.equal(error.retryable, row.retryable);
      assert.match(error.message, /boom/);
    });
  }

  it('reads the older vLLM error body {"object":"error","message"}', () => {
    assert.match(
      httpStatusError(400, '{"object":"error","message":"too long","type":"BadRequestError","code":400}', 'u').message,
      /too long/,
    );
  });

  const connectionRows: Array<{ code: string; retryable: boolean }> = [
    { code: 'ECONNREFUSED', retryable: true },
    { code: 'ECONNRESET', retryable: true },
    { code: 'ENOTFOUND', retryable: true },
    { code: 'ERR_INVALID_URL', retryable: false },
  ];
  for (const row of connectionRows) {
    it(`fetch failure ${row.code} -> retryable ${row.retryable}`, () => {
      // fetch wraps the socket error as TypeError('fetch failed', { cause }).
      const error = new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: row.code }) });
      assert.equal(connectionError(error, 'u').retryable, row.retryable);
    });
  }
});

describe('completionPiece', () => {
  it('reads text, token ids, finish reason, usage with cached tokens and kv_transfer_params', () => {
    const piece = completionPiece({
      choices: [{ index: 0, text: 'hi', token_ids: [1, 2], finish_reason: 'length' }],
      usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12, prompt_tokens_details: { cached_tokens: 8 } },
      kv_transfer_params: { remote_engine_id: 'e1', remote_block_ids: [3] },
    });
    assert.deepEqual(piece, {
      text: 'hi',
      tokenIds: [1, 2],
      finishReason: 'length',
      usage: { promptTokens: 10, completionTokens: 2, cachedPromptTokens: 8 },
      kvTransfer: { remote_engine_id: 'e1', remote_block_ids: [3] },
    });
  });

  const finishRows: Array<{ wire: unknown; expected: string | undefined }> = [
    { wire: null, expected: undefined },
    { wire: 'length', expected: 'length' },
    { wire: 'stop', expected: 'stop' },
    { wire: 'abort', expected: 'abort' },
    // Tool calls and other OpenAI reasons ended on a stop condition.
    { wire: 'tool_calls', expected: 'stop' },
  ];
  for (const row of finishRows) {
    it(`finish_reason ${String(row.wire)} -> ${String(row.expected)}`, () => {
      assert.equal(completionPiece({ choices: [{ text: '', finish_reason: row.wire }] }).finishReason, row.expected);
    });
  }

  it('turns an in-stream error chunk into an EngineError', () => {
    assert.throws(
      () => completionPiece({ error: { message: 'engine dead', type: 'InternalServerError', code: 500 } }),
      (e: unknown) => e instanceof EngineError && e.retryable && /engine dead/.test(e.message),
    );
  });

  it('refuses a body without choices', () => assert.throws(() => completionPiece({ usage: null }), EngineError));
});
