import assert from 'node:assert/strict';
import { pack } from 'msgpackr';
import { ProtocolError, decodeMessage, encodeMessage, type WireMessage, type WireType } from '../../../shared/protocol/index.js';

const load = {
  runningRequests: 1,
  waitingRequests: 2,
  kvCacheUsage: 0.5,
  numGpuBlocks: 100,
  blockSize: 16,
  prefixCacheQueries: 10,
  prefixCacheHits: 5,
};

describe('protocol codec', () => {
  const samples: WireMessage[] = [
    {
      type: 'pick.request.v1',
      requestId: 'r1',
      model: 'm',
      prompt: { text: 'hi' },
      maxTokens: 5,
      headers: { 'x-session-id': 's' },
      excludeWorkers: ['w0'],
      deadlineMs: 1e12,
    },
    {
      type: 'pick.request.v1',
      requestId: 'r2',
      model: 'm',
      prompt: { messages: [{ role: 'user', content: 'hi' }] },
      maxTokens: 5,
      headers: {},
      excludeWorkers: [],
      deadlineMs: 1e12,
      promptTokens: { tokenizer: 'cl100k_base', tokenIds: [100264, 882, 100265] },
      blockHashes: { blockSize: 16, hashes: new Float64Array([0, 1, 2 ** 53 - 1, 4_503_599_627_370_496]) },
    },
    { type: 'pick.reply.v1', requestId: 'r1', decodeWorkerId: 'w1', prefillWorkerId: 'p1', reason: 'why' },
    {
      type: 'generate.request.v1',
      requestId: 'r1',
      model: 'm',
      prompt: { tokenIds: [1, 2, 3] },
      sampling: { maxTokens: 3, stop: ['x'], ignoreEos: true, seed: 7 },
      streamTo: '_INBOX.a',
      deadlineMs: 1e12,
    },
    {
      type: 'generate.request.v1',
      requestId: 'r2',
      model: 'm',
      prompt: { text: 'hello' },
      sampling: { maxTokens: 3 },
      streamTo: '_INBOX.b',
      deadlineMs: 1e12,
      prefillWorkerId: 'p1',
      promptTokens: { tokenizer: 'cl100k_base', tokenIds: [15339] },
    },
    { type: 'generate.accepted.v1', requestId: 'r1', workerId: 'w1' },
    { type: 'prefill.request.v1', requestId: 'r1', model: 'm', prompt: { text: 'p' }, deadlineMs: 5 },
    {
      type: 'prefill.request.v1',
      requestId: 'r2',
      model: 'm',
      prompt: {
        messages: [
          { role: 'system', content: 's' },
          { role: 'user', content: 'u' },
        ],
      },
      deadlineMs: 5,
    },
    { type: 'prefill.reply.v1', requestId: 'r1', workerId: 'p1', promptTokens: 10, cachedPromptTokens: 0, handoffKey: 'k' },
    { type: 'cancel.v1', requestId: 'r1' },
    { type: 'stream.tokens.v1', requestId: 'r1', seq: 0, text: 'a', tokenCount: 1 },
    {
      type: 'stream.finished.v1',
      requestId: 'r1',
      seq: 1,
      finishReason: 'length',
      promptTokens: 3,
      completionTokens: 1,
      cachedPromptTokens: 0,
      engineTtftMs: 4,
      queuedMs: 0,
    },
    { type: 'stream.keepalive.v1', requestId: 'r1', seq: 2 },
    { type: 'error.v1', requestId: 'r1', code: 'worker_lost', message: 'gone', retryable: true },
    { type: 'worker.registration.v1', workerId: 'w1', role: 'decode', models: ['m'], engineKind: 'sim', startedAtMs: 1, heartbeatAtMs: 2 },
    {
      type: 'worker.registration.v1',
      workerId: 'w2',
      role: 'both',
      models: ['m'],
      engineKind: 'vllm',
      startedAtMs: 1,
      heartbeatAtMs: 2,
      directAddress: '10.0.0.7:7400',
    },
    { type: 'direct.grant.v1', workerId: 'w2', address: '[fd00::7]:7400', token: 'secret' },
    { type: 'load.report.v1', workerId: 'w1', role: 'both', seq: 3, reportedAtMs: 4, load, activeRequests: 2 },
    {
      type: 'request.completed.v1',
      workerId: 'w1',
      requestId: 'r1',
      finishReason: 'stop',
      promptTokens: 9,
      cachedPromptTokens: 8,
      completionTokens: 3,
      ttftMs: 5.5,
      e2eMs: 20,
      runningAtArrival: 1,
      waitingAtArrival: 0,
    },
    { type: 'request.first_token.v1', workerId: 'w1', requestId: 'r1' },
    { type: 'kv.release.v1', requestId: 'r1' },
  ];
  for (const message of samples) {
    it(`round-trips ${message.type}`, () => {
      assert.deepEqual(decodeMessage(encodeMessage(message), message.type), message);
    });
  }

  const pickWith = (blockHashes: unknown) =>
    pack({
      type: 'pick.request.v1',
      requestId: 'r',
      model: 'm',
      prompt: { tokenIds: [1] },
      maxTokens: 1,
      headers: {},
      excludeWorkers: [],
      deadlineMs: 1,
      blockHashes,
    });
  const registration = {
    type: 'worker.registration.v1',
    workerId: 'w',
    role: 'decode',
    models: [],
    engineKind: 'sim',
    startedAtMs: 1,
    heartbeatAtMs: 1,
  };
  // Rows: direct addresses an ingress could not use: the worker stays registered, on NATS only.
  for (const address of ['host', 'host:0', 'decode_worker_1:7400', 'x'.repeat(300) + ':1']) {
    it(`keeps a registration whose direct address ${JSON.stringify(address.slice(0, 24))} is unusable, without it`, () => {
      const got = decodeMessage(pack({ ...registration, directAddress: address }), 'worker.registration.v1');
      assert.equal(got.workerId, 'w');
      assert.equal('directAddress' in got, false);
    });
  }
  // Each row: a bad payload and the field its error must name.
  const bad: Array<[string, Uint8Array, WireType, string]> = [
    [
      'a grant without a token',
      pack({ type: 'direct.grant.v1', workerId: 'w', address: 'h:1' }),
      'direct.grant.v1',
      'grant.token must be a string',
    ],
    [
      'block hashes as an array',
      pickWith({ blockSize: 16, hashes: [1, 2] }),
      'pick.request.v1',
      'pick.blockHashes.hashes must be bytes of float64',
    ],
    ['block hash bytes cut short', pickWith({ blockSize: 16, hashes: new Uint8Array(12) }), 'pick.request.v1', 'must be bytes of float64'],
    [
      'a NaN block hash',
      pickWith({ blockSize: 16, hashes: new Float64Array([1, NaN]) }),
      'pick.request.v1',
      'pick.blockHashes.hashes[1] is not an integer',
    ],
    [
      'a fractional block hash',
      pickWith({ blockSize: 16, hashes: new Float64Array([0.5]) }),
      'pick.request.v1',
      'hashes[0] is not an integer',
    ],
    [
      'a block hash past 2^53',
      pickWith({ blockSize: 16, hashes: new Float64Array([2 ** 53]) }),
      'pick.request.v1',
      'hashes[0] is not an integer',
    ],
    ['block size 0', pickWith({ blockSize: 0, hashes: new Float64Array([1]) }), 'pick.request.v1', 'pick.blockHashes.blockSize'],
    ['truncated msgpack', new Uint8Array([0x85, 0xa1]), 'pick.request.v1', 'not valid msgpack'],
    ['not a map', pack([1, 2]), 'pick.request.v1', 'message must be an object'],
    ['unexpected type', pack({ type: 'cancel.v1', requestId: 'r' }), 'pick.request.v1', 'message.type must be one of pick.request.v1'],
    ['missing requestId', pack({ type: 'pick.request.v1' }), 'pick.request.v1', 'pick.requestId must be a string'],
    [
      'prompt neither text nor ids',
      pack({ type: 'pick.request.v1', requestId: 'r', model: 'm', prompt: { x: 1 } }),
      'pick.request.v1',
      'pick.prompt must have text',
    ],
    [
      'message without content',
      pack({ type: 'pick.request.v1', requestId: 'r', model: 'm', prompt: { messages: [{ role: 'user' }] } }),
      'pick.request.v1',
      'pick.prompt.messages[0].content must be a string',
    ],
    [
      'no messages',
      pack({ type: 'pick.request.v1', requestId: 'r', model: 'm', prompt: { messages: [] } }),
      'pick.request.v1',
      'pick.prompt.messages must hold 1 to',
    ],
    [
      'negative token id',
      pack({ type: 'pick.request.v1', requestId: 'r', model: 'm', prompt: { tokenIds: [1, -2] } }),
      'pick.request.v1',
      'non-negative integers',
    ],
    [
      'promptTokens without a tokenizer',
      pack({
        type: 'pick.request.v1',
        requestId: 'r',
        model: 'm',
        prompt: { text: 'a' },
        maxTokens: 1,
        headers: {},
        excludeWorkers: [],
        deadlineMs: 1,
        promptTokens: { tokenIds: [1] },
      }),
      'pick.request.v1',
      'pick.promptTokens.tokenizer must be a string',
    ],
    [
      'promptTokens with a fractional id',
      pack({
        type: 'pick.request.v1',
        requestId: 'r',
        model: 'm',
        prompt: { text: 'a' },
        maxTokens: 1,
        headers: {},
        excludeWorkers: [],
        deadlineMs: 1,
        promptTokens: { tokenizer: 't', tokenIds: [1.5] },
      }),
      'pick.request.v1',
      'pick.promptTokens.tokenIds must be an array of non-negative integers',
    ],
    [
      'maxTokens zero',
      pack({ type: 'pick.request.v1', requestId: 'r', model: 'm', prompt: { text: '' }, maxTokens: 0 }),
      'pick.request.v1',
      'pick.maxTokens must be >= 1',
    ],
    [
      'header not a string',
      pack({ type: 'pick.request.v1', requestId: 'r', model: 'm', prompt: { text: '' }, maxTokens: 1, headers: { a: 1 } }),
      'pick.request.v1',
      'pick.headers.a must be a string',
    ],
    [
      'kv usage above 1',
      pack({
        type: 'load.report.v1',
        workerId: 'w',
        role: 'decode',
        seq: 0,
        reportedAtMs: 0,
        load: { ...load, kvCacheUsage: 2 },
        activeRequests: 0,
      }),
      'load.report.v1',
      'loadReport.load.kvCacheUsage must be <= 1',
    ],
    [
      'unknown role',
      pack({ type: 'worker.registration.v1', workerId: 'w', role: 'boss' }),
      'worker.registration.v1',
      'registration.role must be one of',
    ],
    ['huge id', pack({ type: 'cancel.v1', requestId: 'x'.repeat(300) }), 'cancel.v1', 'cancel.requestId is longer than 256'],
  ];
  for (const [name, bytes, expectedType, expected] of bad) {
    it(`rejects ${name} with a ProtocolError naming the field`, () => {
      assert.throws(
        () => decodeMessage(bytes, expectedType),
        (err: unknown) => err instanceof ProtocolError && err.message.includes(expected),
      );
    });
  }
});
