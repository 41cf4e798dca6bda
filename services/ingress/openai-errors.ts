// The edge where failures become HTTP statuses and OpenAI-format error bodies:
// {"error": {"message", "type", "param", "code"}}.
import { AtcError, ErrorCode, OverloadedError } from '../../shared/protocol/index.js';

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
    /** Seconds for the Retry-After header (429). */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

export const invalidRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new HttpError(400, message, 'invalid_request_error', code, param);

/** A request id (x-request-id / Atc-Request-Id) that a running request of this ingress already has. */
export const duplicateRequestId = (requestId: string) =>
  new HttpError(
    409,
    `request id ${JSON.stringify(requestId)} is already in use by a running request; send a unique x-request-id (or none)`,
    'invalid_request_error',
    'duplicate_request_id',
    'x-request-id',
  );

export interface OpenAiErrorBody {
  readonly error: { readonly message: string; readonly type: string; readonly param: string | null; readonly code: string | null };
}

const STATUS_OF_CODE: Record<string, [number, string]> = {
  [ErrorCode.BadMessage]: [400, 'invalid_request_error'],
  [ErrorCode.ContextLengthExceeded]: [400, 'invalid_request_error'],
  [ErrorCode.NoWorker]: [503, 'service_unavailable_error'],
  [ErrorCode.SchedulerUnavailable]: [503, 'service_unavailable_error'],
  [ErrorCode.WorkerLost]: [502, 'server_error'],
  [ErrorCode.EngineFailed]: [502, 'server_error'],
  [ErrorCode.DeadlineExceeded]: [504, 'timeout_error'],
  [ErrorCode.Cancelled]: [499, 'cancelled'],
  [ErrorCode.Overloaded]: [429, 'rate_limit_error'],
};

/** Maps any failure to an HTTP status and an OpenAI error body. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof OverloadedError)
    return new HttpError(429, err.message, 'rate_limit_error', err.code, null, Math.max(1, Math.ceil(err.retryAfterMs / 1000)));
  if (err instanceof AtcError) {
    const [status, type] = STATUS_OF_CODE[err.code] ?? [500, 'server_error'];
    return new HttpError(status, err.message, type, err.code);
  }
  return new HttpError(500, 'internal error', 'server_error', ErrorCode.Internal);
}

export function errorBody(err: HttpError): OpenAiErrorBody {
  return { error: { message: err.message, type: err.type, param: err.param, code: err.code } };
}
