// Maps vLLM's HTTP failures to EngineError. Retryable means another replica may well succeed:
// the engine is down, overloaded or broken (5xx, 429, connection failures, timeouts); a 4xx says
// the request itself is wrong and would fail anywhere.
import { EngineError } from '../types.js';

/** Node's socket error codes that mean "this engine cannot be reached right now". */
const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** vLLM's error bodies: {"error": {"message", "type", "code"}} (recent) or {"object": "error", "message", ...} (older). */
export function errorMessageFromBody(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const record = parsed as Record<string, unknown>;
    const inner = typeof record['error'] === 'object' && record['error'] !== null ? (record['error'] as Record<string, unknown>) : record;
    return typeof inner['message'] === 'string' ? inner['message'] : undefined;
  } catch {
    return undefined;
  }
}

export function httpStatusError(status: number, body: string, url: string): EngineError {
  const detail = errorMessageFromBody(body) ?? body.slice(0, 200);
  return new EngineError(`vLLM ${url} answered ${status}: ${detail}`, isRetryableStatus(status));
}

function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** A fetch failure (no HTTP status): connection refused/reset, DNS, timeout. */
export function connectionError(error: unknown, url: string): EngineError {
  const code = errorCode(error);
  if ((error as Error | undefined)?.name === 'TimeoutError') {
    return new EngineError(`vLLM ${url} timed out`, true, { cause: error });
  }
  const retryable = code === undefined || CONNECTION_ERROR_CODES.has(code);
  return new EngineError(`vLLM ${url} unreachable (${code ?? (error as Error)?.message ?? 'unknown error'})`, retryable, { cause: error });
}
