// OpenAI-format errors as vLLM returns them: {"error": {"message", "type", "param", "code"}} with
// the HTTP status in both the response and `code`.

export const ApiErrorType = {
  BadRequest: 'BadRequestError',
  NotFound: 'NotFoundError',
  MethodNotAllowed: 'MethodNotAllowedError',
  Internal: 'InternalServerError',
  Unavailable: 'ServiceUnavailableError',
} as const;
export type ApiErrorType = (typeof ApiErrorType)[keyof typeof ApiErrorType];

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly type: ApiErrorType,
    readonly param: string | null = null,
  ) {
    super(message);
  }

  body(): { error: { message: string; type: string; param: string | null; code: number } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.status } };
  }
}

export function badRequest(message: string, param: string | null = null): ApiError {
  return new ApiError(400, message, ApiErrorType.BadRequest, param);
}
