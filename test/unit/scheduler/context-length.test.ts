import assert from 'node:assert/strict';
import { checkContextLength, checkPromptPrefix, contextWindow } from '../../../services/scheduler/context-length.js';
import type { WorkerView } from '../../../shared/fleet/index.js';
import { AtcError, ErrorCode } from '../../../shared/protocol/index.js';

const worker = (workerId: string, role: 'decode' | 'prefill' | 'both', models: string[], maxModelLen?: number): WorkerView => ({
  registration: {
    type: 'worker.registration.v1',
    workerId,
    role,
    models,
    engineKind: 'sim',
    startedAtMs: 0,
    heartbeatAtMs: 0,
    ...(maxModelLen !== undefined ? { maxModelLen } : {}),
  },
  heartbeatSeenAtMs: 0,
  load: undefined,
  activeRequests: 0,
  loadSeenAtMs: 0,
});
const isExceeded = (e: unknown) =>
  e instanceof AtcError && e.code === ErrorCode.ContextLengthExceeded && /maximum context length/.test(e.message);

describe('context length at the pick', () => {
  const rows: Array<[string, WorkerView[], number | undefined]> = [
    ['no worker', [], undefined],
    ['workers that do not say', [worker('a', 'decode', ['m'])], undefined],
    ['the largest of the decode workers of the model', [worker('a', 'decode', ['m'], 4096), worker('b', 'both', ['m'], 8192)], 8192],
    [
      'prefill workers and other models do not count',
      [worker('a', 'decode', ['m'], 4096), worker('p', 'prefill', ['m'], 9999), worker('o', 'decode', ['x'], 9999)],
      4096,
    ],
  ];
  for (const [what, workers, window] of rows) it(`window: ${what}`, () => assert.equal(contextWindow(workers, 'm'), window));

  it('a prompt plus one output token must fit', () => {
    assert.doesNotThrow(() => checkContextLength(100, 99));
    assert.throws(() => checkContextLength(100, 100), isExceeded);
  });

  it('refuses a long text prompt from a prefix, and leaves short or token-id prompts to the full count', () => {
    assert.throws(() => checkPromptPrefix({ text: 'lorem ipsum dolor sit amet '.repeat(1000) }, 100), isExceeded);
    assert.throws(() => checkPromptPrefix({ messages: [{ role: 'user', content: 'hello world '.repeat(1000) }] }, 100), isExceeded);
    assert.doesNotThrow(() => checkPromptPrefix({ text: 'short' }, 100));
    // Many characters, few tokens (a run of spaces): the prefix does not decide; the full count will.
    assert.doesNotThrow(() => checkPromptPrefix({ text: ' '.repeat(900) }, 100));
    assert.doesNotThrow(() => checkPromptPrefix({ tokenIds: new Array(1000).fill(1) }, 100));
  });
});
