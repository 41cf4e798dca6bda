// Failure kinds that cross service boundaries. Each has a stable `code` that travels on the wire
// (in error messages), so the receiving side rebuilds the same class; HTTP statuses are chosen only at
// the ingress edge (services/ingress/openai-errors.ts).

export const ErrorCode = {
  BadMessage: 'bad_message',
  NoWorker: 'no_worker_available',
  WorkerLost: 'worker_lost',
  EngineFailed: 'engine_failed',
  DeadlineExceeded: 'deadline_exceeded',
  Cancelled: 'cancelled',
  SchedulerUnavailable: 'scheduler_unavailable',
  /** The prompt does not fit the model's context window (OpenAI's code for it). */
  ContextLengthExceeded: 'context_length_exceeded',
  /** The fleet is saturated and the scheduler's queue could not admit the request in time (HTTP 429). */
  Overloaded: 'overloaded',
  Internal: 'internal_error',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class AtcError extends Error {
  override name = 'AtcError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** true when trying again on another worker may succeed. */
    readonly retryable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A message from the wire that does not decode or validate. */
export class ProtocolError extends AtcError {
  override name = 'ProtocolError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.BadMessage, message, false, options);
  }
}

/** The scheduler turned the request away for saturation; try again after retryAfterMs. */
export class OverloadedError extends AtcError {
  override name = 'OverloadedError';
  constructor(
    message: string,
    /** ms after which a retry is worth it (Retry-After). */
    readonly retryAfterMs: number,
  ) {
    super(ErrorCode.Overloaded, message, false);
  }
}

const CODES = new Set<string>(Object.values(ErrorCode));

/** Rebuilds an error received from another service. Unknown codes become internal errors. */
export function errorFromWire(code: string, message: string, retryable: boolean, retryAfterMs?: number): AtcError {
  if (code === ErrorCode.BadMessage) return new ProtocolError(message);
  if (code === ErrorCode.Overloaded) return new OverloadedError(message, retryAfterMs ?? 1000);
  return new AtcError(CODES.has(code) ? (code as ErrorCode) : ErrorCode.Internal, message, retryable);
}
