import assert from 'node:assert/strict';
import { loggablePrompt } from '../../../shared/telemetry/index.js';

describe('prompt logging', () => {
  // Prompts are user data: logs carry their size unless the operator opts in (ATC_LOG_PROMPTS=1).
  it('redacts text and token prompts by default', () => {
    assert.equal(loggablePrompt('secret plans', false), '[redacted: 12 chars]');
    assert.equal(loggablePrompt([1, 2, 3], false), '[redacted: 3 tokens]');
  });
  it('logs the prompt when asked to', () => {
    assert.equal(loggablePrompt('secret plans', true), 'secret plans');
  });
});
