// msgpack encoding of wire messages, and validation of everything decoded from the wire.
import { Packr } from 'msgpackr';
import type { PromptInput } from '../engine/types.js';
import { ProtocolError } from './errors.js';
import { isConnectableAddress } from './direct-frames.js';
import type {
  CancelV1,
  ErrorV1,
  KvReleaseV1,
  GenerateAcceptedV1,
  GenerateRequestV1,
  LoadReportV1,
  PickReplyV1,
  PickRequestV1,
  PrefillReplyV1,
  PrefillRequestV1,
  RequestCompletedV1,
  RequestFirstTokenV1,
  StreamFinishedV1,
  StreamKeepaliveV1,
  StreamTokensV1,
  WireMessage,
  WireSampling,
  WireType,
  WorkerRegistrationV1,
  DirectGrantV1,
  WireEngineLoad,
  WirePromptTokens,
  WireBlockHashes,
} from './messages.js';
import {
  bool,
  float64Bytes,
  intArray,
  num,
  oneOf,
  optBool,
  optNum,
  optStr,
  record,
  str,
  strArray,
  stringMap,
  type Rec,
} from './validate.js';

// Plain msgpack maps (no msgpackr record extension), so clients in other languages can read our messages.
const packr = new Packr({ useRecords: false, moreTypes: false });

/** Limits that keep a hostile message from costing unbounded memory or time. */
const MAX_ID = 256;
/** tokens; well above any served context length. */
const MAX_PROMPT_TOKENS = 2_000_000;
/** chat messages in one prompt. */
const MAX_MESSAGES = 10_000;

export function encodeMessage(message: WireMessage): Uint8Array {
  return packr.pack(message);
}

type ByType = { [M in WireMessage as M['type']]: M };

/** Decodes and validates; throws ProtocolError naming the bad field. */
export function decodeMessage<T extends WireType>(bytes: Uint8Array, ...expected: T[]): ByType[T] {
  let raw: unknown;
  try {
    raw = packr.unpack(bytes);
  } catch (cause) {
    throw new ProtocolError('message is not valid msgpack', { cause });
  }
  const obj = record(raw, 'message');
  const type = str(obj, 'type', 'message');
  if (!(expected as string[]).includes(type)) {
    throw new ProtocolError(`message.type must be one of ${expected.join(', ')}, got ${JSON.stringify(type)}`);
  }
  const validate = validators[type as WireType];
  return validate(obj) as ByType[T];
}

function prompt(obj: Rec, path: string): PromptInput {
  const p = record(obj['prompt'], `${path}.prompt`);
  if (typeof p['text'] === 'string') return { text: p['text'] };
  if (Array.isArray(p['tokenIds'])) {
    const ids = intArray(p, 'tokenIds', `${path}.prompt`);
    if (ids.length > MAX_PROMPT_TOKENS) throw new ProtocolError(`${path}.prompt.tokenIds has more than ${MAX_PROMPT_TOKENS} tokens`);
    return { tokenIds: ids };
  }
  if (Array.isArray(p['messages'])) {
    const raw = p['messages'] as unknown[];
    if (raw.length === 0 || raw.length > MAX_MESSAGES)
      throw new ProtocolError(`${path}.prompt.messages must hold 1 to ${MAX_MESSAGES} messages`);
    return {
      messages: raw.map((m, i) => {
        const msg = record(m, `${path}.prompt.messages[${i}]`);
        return {
          role: str(msg, 'role', `${path}.prompt.messages[${i}]`, { maxLength: MAX_ID }),
          content: str(msg, 'content', `${path}.prompt.messages[${i}]`),
        };
      }),
    };
  }
  throw new ProtocolError(`${path}.prompt must have text (string), tokenIds (integers) or messages`);
}

function promptTokens(obj: Rec, path: string): WirePromptTokens | undefined {
  if (obj['promptTokens'] === undefined || obj['promptTokens'] === null) return undefined;
  const t = record(obj['promptTokens'], `${path}.promptTokens`);
  const ids = intArray(t, 'tokenIds', `${path}.promptTokens`);
  if (ids.length > MAX_PROMPT_TOKENS) throw new ProtocolError(`${path}.promptTokens.tokenIds has more than ${MAX_PROMPT_TOKENS} tokens`);
  return { tokenizer: str(t, 'tokenizer', `${path}.promptTokens`, { maxLength: 4096 }), tokenIds: ids };
}

function blockHashes(obj: Rec, path: string): WireBlockHashes | undefined {
  if (obj['blockHashes'] === undefined || obj['blockHashes'] === null) return undefined;
  const b = record(obj['blockHashes'], `${path}.blockHashes`);
  const p = `${path}.blockHashes`;
  const blockSize = num(b, 'blockSize', p, { int: true, min: 1 });
  const hashes = float64Bytes(b, 'hashes', p, MAX_PROMPT_TOKENS);
  // A bad hash would only mislead the prefix match, but a NaN or fraction has no place in the index's keys.
  for (let i = 0; i < hashes.length; i++) {
    const h = hashes[i]!;
    if (!(Number.isInteger(h) && h >= 0 && h <= Number.MAX_SAFE_INTEGER))
      throw new ProtocolError(`${p}.hashes[${i}] is not an integer in [0, 2^53)`);
  }
  return { blockSize, hashes };
}

/** A `host:port` string with a port in 1..65535 (an IPv6 host in brackets). */
function hostPort(obj: Rec, key: string, path: string): string {
  const v = str(obj, key, path, { maxLength: MAX_ID });
  if (!isConnectableAddress(v)) throw new ProtocolError(`${path}.${key} must be host:port, got ${JSON.stringify(v)}`);
  return v;
}

/** hostPort's value, or undefined when absent or unusable. */
function optionalHostPort(obj: Rec, key: string): string | undefined {
  const v = obj[key];
  return typeof v === 'string' && v.length <= MAX_ID && isConnectableAddress(v) ? v : undefined;
}

function sampling(obj: Rec, path: string): WireSampling {
  const s = record(obj['sampling'], `${path}.sampling`);
  const p = `${path}.sampling`;
  const out: { -readonly [K in keyof WireSampling]: WireSampling[K] } = { maxTokens: num(s, 'maxTokens', p, { int: true, min: 1 }) };
  const temperature = optNum(s, 'temperature', p, { min: 0 });
  if (temperature !== undefined) out.temperature = temperature;
  const topP = optNum(s, 'topP', p, { min: 0, max: 1 });
  if (topP !== undefined) out.topP = topP;
  const seed = optNum(s, 'seed', p, { int: true });
  if (seed !== undefined) out.seed = seed;
  if (s['stop'] !== undefined && s['stop'] !== null) out.stop = strArray(s, 'stop', p);
  const ignoreEos = optBool(s, 'ignoreEos', p);
  if (ignoreEos !== undefined) out.ignoreEos = ignoreEos;
  return out;
}

function load(obj: Rec, path: string): WireEngineLoad {
  const l = record(obj['load'], `${path}.load`);
  const p = `${path}.load`;
  return {
    runningRequests: num(l, 'runningRequests', p, { min: 0 }),
    waitingRequests: num(l, 'waitingRequests', p, { min: 0 }),
    kvCacheUsage: num(l, 'kvCacheUsage', p, { min: 0, max: 1 }),
    numGpuBlocks: num(l, 'numGpuBlocks', p, { min: 0 }),
    blockSize: num(l, 'blockSize', p, { min: 0 }),
    prefixCacheQueries: num(l, 'prefixCacheQueries', p, { min: 0 }),
    prefixCacheHits: num(l, 'prefixCacheHits', p, { min: 0 }),
  };
}

const id = (o: Rec, k: string, p: string) => str(o, k, p, { maxLength: MAX_ID });
const withOpt = <T extends object, K extends string, V>(base: T, key: K, value: V | undefined): T & { [P in K]?: V } =>
  value === undefined ? base : { ...base, [key]: value };

const validators: { [K in WireType]: (o: Rec) => ByType[K] } = {
  'pick.request.v1': (o): PickRequestV1 => ({
    type: 'pick.request.v1',
    requestId: id(o, 'requestId', 'pick'),
    model: id(o, 'model', 'pick'),
    prompt: prompt(o, 'pick'),
    maxTokens: num(o, 'maxTokens', 'pick', { int: true, min: 1 }),
    headers: stringMap(o, 'headers', 'pick'),
    excludeWorkers: strArray(o, 'excludeWorkers', 'pick'),
    deadlineMs: num(o, 'deadlineMs', 'pick'),
    ...withOpt({}, 'maxQueueMs', optNum(o, 'maxQueueMs', 'pick', { min: 0 })),
    ...withOpt({}, 'promptTokens', promptTokens(o, 'pick')),
    ...withOpt({}, 'blockHashes', blockHashes(o, 'pick')),
  }),
  'pick.reply.v1': (o): PickReplyV1 =>
    withOpt(
      {
        type: 'pick.reply.v1' as const,
        requestId: id(o, 'requestId', 'pickReply'),
        decodeWorkerId: id(o, 'decodeWorkerId', 'pickReply'),
        reason: str(o, 'reason', 'pickReply'),
      },
      'prefillWorkerId',
      optStr(o, 'prefillWorkerId', 'pickReply'),
    ),
  'generate.request.v1': (o): GenerateRequestV1 =>
    withOpt(
      withOpt(
        withOpt(
          {
            type: 'generate.request.v1' as const,
            requestId: id(o, 'requestId', 'generate'),
            model: id(o, 'model', 'generate'),
            prompt: prompt(o, 'generate'),
            sampling: sampling(o, 'generate'),
            streamTo: id(o, 'streamTo', 'generate'),
            deadlineMs: num(o, 'deadlineMs', 'generate'),
          },
          'prefillWorkerId',
          optStr(o, 'prefillWorkerId', 'generate'),
        ),
        'promptTokens',
        promptTokens(o, 'generate'),
      ),
      'stream',
      optBool(o, 'stream', 'generate'),
    ),
  'generate.accepted.v1': (o): GenerateAcceptedV1 => ({
    type: 'generate.accepted.v1',
    requestId: id(o, 'requestId', 'accepted'),
    workerId: id(o, 'workerId', 'accepted'),
  }),
  'prefill.request.v1': (o): PrefillRequestV1 => ({
    type: 'prefill.request.v1',
    requestId: id(o, 'requestId', 'prefill'),
    model: id(o, 'model', 'prefill'),
    prompt: prompt(o, 'prefill'),
    deadlineMs: num(o, 'deadlineMs', 'prefill'),
  }),
  'prefill.reply.v1': (o): PrefillReplyV1 => ({
    type: 'prefill.reply.v1',
    requestId: id(o, 'requestId', 'prefillReply'),
    workerId: id(o, 'workerId', 'prefillReply'),
    promptTokens: num(o, 'promptTokens', 'prefillReply', { int: true, min: 0 }),
    cachedPromptTokens: num(o, 'cachedPromptTokens', 'prefillReply', { int: true, min: 0 }),
    handoffKey: str(o, 'handoffKey', 'prefillReply', { maxLength: MAX_ID }),
  }),
  'cancel.v1': (o): CancelV1 => ({ type: 'cancel.v1', requestId: id(o, 'requestId', 'cancel') }),
  'kv.release.v1': (o): KvReleaseV1 => ({ type: 'kv.release.v1', requestId: id(o, 'requestId', 'release') }),
  'stream.tokens.v1': (o): StreamTokensV1 => ({
    type: 'stream.tokens.v1',
    requestId: id(o, 'requestId', 'tokens'),
    seq: num(o, 'seq', 'tokens', { int: true, min: 0 }),
    text: str(o, 'text', 'tokens'),
    tokenCount: num(o, 'tokenCount', 'tokens', { int: true, min: 0 }),
  }),
  'stream.finished.v1': (o): StreamFinishedV1 =>
    withOpt(
      withOpt(
        withOpt(
          withOpt(
            {
              type: 'stream.finished.v1' as const,
              requestId: id(o, 'requestId', 'finished'),
              seq: num(o, 'seq', 'finished', { int: true, min: 0 }),
              finishReason: oneOf(o, 'finishReason', 'finished', ['stop', 'length', 'abort'] as const),
              promptTokens: num(o, 'promptTokens', 'finished', { int: true, min: 0 }),
              completionTokens: num(o, 'completionTokens', 'finished', { int: true, min: 0 }),
              cachedPromptTokens: num(o, 'cachedPromptTokens', 'finished', { int: true, min: 0 }),
              engineTtftMs: num(o, 'engineTtftMs', 'finished', { min: 0 }),
              queuedMs: num(o, 'queuedMs', 'finished', { min: 0 }),
            },
            'prefillWorkerId',
            optStr(o, 'prefillWorkerId', 'finished'),
          ),
          'prefillFallback',
          optStr(o, 'prefillFallback', 'finished'),
        ),
        'text',
        optStr(o, 'text', 'finished'),
      ),
      'sinceFirstTokenMs',
      optNum(o, 'sinceFirstTokenMs', 'finished', { min: 0 }),
    ),
  'stream.keepalive.v1': (o): StreamKeepaliveV1 => ({
    type: 'stream.keepalive.v1',
    requestId: id(o, 'requestId', 'keepalive'),
    seq: num(o, 'seq', 'keepalive', { int: true, min: 0 }),
  }),
  'error.v1': (o): ErrorV1 =>
    withOpt(
      {
        type: 'error.v1' as const,
        requestId: str(o, 'requestId', 'error', { maxLength: MAX_ID }),
        code: id(o, 'code', 'error'),
        message: str(o, 'message', 'error'),
        retryable: bool(o, 'retryable', 'error'),
        ...withOpt({}, 'retryAfterMs', optNum(o, 'retryAfterMs', 'error', { min: 0 })),
      },
      'seq',
      optNum(o, 'seq', 'error', { int: true, min: 0 }),
    ),
  'worker.registration.v1': (o): WorkerRegistrationV1 => ({
    ...withOpt(
      {
        type: 'worker.registration.v1',
        workerId: id(o, 'workerId', 'registration'),
        role: oneOf(o, 'role', 'registration', ['decode', 'prefill', 'both'] as const),
        models: strArray(o, 'models', 'registration'),
        engineKind: id(o, 'engineKind', 'registration'),
        startedAtMs: num(o, 'startedAtMs', 'registration'),
        heartbeatAtMs: num(o, 'heartbeatAtMs', 'registration'),
      },
      'maxModelLen',
      optNum(o, 'maxModelLen', 'registration', { int: true, min: 1 }),
    ),
    // An address the ingress could not use leaves the worker on NATS only, still registered.
    ...withOpt({}, 'directAddress', optionalHostPort(o, 'directAddress')),
  }),
  'direct.grant.v1': (o): DirectGrantV1 => ({
    type: 'direct.grant.v1',
    workerId: id(o, 'workerId', 'grant'),
    address: hostPort(o, 'address', 'grant'),
    token: str(o, 'token', 'grant', { maxLength: MAX_ID }),
  }),
  'load.report.v1': (o): LoadReportV1 => ({
    type: 'load.report.v1',
    workerId: id(o, 'workerId', 'loadReport'),
    role: oneOf(o, 'role', 'loadReport', ['decode', 'prefill', 'both'] as const),
    seq: num(o, 'seq', 'loadReport', { int: true, min: 0 }),
    reportedAtMs: num(o, 'reportedAtMs', 'loadReport'),
    load: load(o, 'loadReport'),
    activeRequests: num(o, 'activeRequests', 'loadReport', { int: true, min: 0 }),
  }),
  'request.completed.v1': (o): RequestCompletedV1 => ({
    type: 'request.completed.v1',
    workerId: id(o, 'workerId', 'completed'),
    requestId: id(o, 'requestId', 'completed'),
    finishReason: oneOf(o, 'finishReason', 'completed', ['stop', 'length', 'abort', 'error'] as const),
    promptTokens: num(o, 'promptTokens', 'completed', { int: true, min: 0 }),
    cachedPromptTokens: num(o, 'cachedPromptTokens', 'completed', { int: true, min: 0 }),
    completionTokens: num(o, 'completionTokens', 'completed', { int: true, min: 0 }),
    ttftMs: num(o, 'ttftMs', 'completed', { min: 0 }),
    e2eMs: num(o, 'e2eMs', 'completed', { min: 0 }),
    runningAtArrival: num(o, 'runningAtArrival', 'completed', { min: 0 }),
    waitingAtArrival: num(o, 'waitingAtArrival', 'completed', { min: 0 }),
  }),
  'request.first_token.v1': (o): RequestFirstTokenV1 => ({
    type: 'request.first_token.v1',
    workerId: id(o, 'workerId', 'firstToken'),
    requestId: id(o, 'requestId', 'firstToken'),
  }),
};
