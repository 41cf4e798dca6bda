// Input validation at submit time, as vLLM's input processor does it: a request that can never run
// is refused up front (EngineError, not retryable) instead of waiting forever.
import { EngineError } from '../types.js';
import type { BlockHash } from './block-hash-chain.js';
import type { CoreRequest } from './core-types.js';
import { OutputTokenStream } from './output-tokens.js';
import { SimRequest } from './sim-request.js';

export interface AdmissionLimits {
  /** vLLM's max_model_len, tokens. */
  readonly maxModelLen: number;
  /** Tokens the whole KV cache holds. */
  readonly kvCacheTokens: number;
  readonly blockSize: number;
  /** Output seed when the request has none. */
  readonly seed: number;
  readonly rootHash: BlockHash;
}

export function admitRequest(req: CoreRequest, limits: AdmissionLimits, nowMs: number): SimRequest {
  const promptLen = req.promptTokenIds.length;
  if (promptLen === 0) throw new EngineError(`request ${req.requestId}: empty prompt`, false);
  if (!Number.isInteger(req.maxTokens) || req.maxTokens < 1) {
    throw new EngineError(`request ${req.requestId}: maxTokens must be a positive integer, got ${req.maxTokens}`, false);
  }
  // vLLM sizes max_model_len to fit the KV cache, so a request alone always fits and every request
  // eventually completes, even through preemptions.
  const maxLen = Math.min(limits.maxModelLen, limits.kvCacheTokens);
  if (promptLen + 1 > maxLen) {
    throw new EngineError(`request ${req.requestId}: prompt of ${promptLen} tokens exceeds the ${maxLen}-token limit`, false);
  }
  // A P/D prefill (do_remote_decode) runs the prompt and one token, as the NixlConnector proxy's max_tokens=1.
  const remoteDecode = req.kvTransfer?.do_remote_decode === true;
  const maxTokens = remoteDecode ? 1 : Math.min(req.maxTokens, maxLen - promptLen);
  const ignoreEos = req.ignoreEos === true || remoteDecode;
  const output = new OutputTokenStream(req.seed ?? limits.seed, req.promptTokenIds, ignoreEos);
  return new SimRequest(
    req.requestId,
    req.promptTokenIds,
    maxTokens,
    ignoreEos,
    output,
    nowMs,
    limits.blockSize,
    limits.rootHash,
    req.kvTransfer,
  );
}
