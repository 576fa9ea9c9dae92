/** The service's error replies: an HTTP status plus `{"error": {code, message, param, type}, "request_id"}`. */

/** A rejection the fake answers with instead of a stream. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly type: string;
  readonly param: string | null;
  /** Sent as `Retry-After` (429 only). */
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, code: string, message: string, extra: { type?: string; param?: string; retryAfterSeconds?: number } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.type = extra.type ?? 'invalid_request_error';
    this.param = extra.param ?? null;
    this.retryAfterSeconds = extra.retryAfterSeconds;
  }
}

/** A 400 `invalid_parameter_error`, the service's answer to most bad requests. */
export function invalidParameter(message: string, param?: string): ApiError {
  return new ApiError(400, 'invalid_parameter_error', message, param === undefined ? {} : { param });
}

/** The JSON body the service sends with an error status, or as a mid-stream error event. */
export function errorBody(error: ApiError, requestId: string): object {
  return {
    error: { code: error.code, message: error.message, param: error.param, type: error.type },
    request_id: requestId,
  };
}
