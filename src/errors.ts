/**
 * The bot's error taxonomy. Every error a person may see carries `userMessage`: one short sentence
 * that is safe to post in Discord (no secrets, no stack, no payloads).
 */

/** Base of all errors the bot raises on purpose. */
export class BotError extends Error {
  readonly userMessage: string;

  constructor(message: string, options: { userMessage?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.userMessage = options.userMessage ?? 'Something went wrong on my side. Please try again.';
  }
}

/** Settings are missing or invalid; `problems` lists each one with where to get the value. */
export class ConfigError extends BotError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration: ${problems.length} problem(s)`);
    this.problems = problems;
  }
}

/** Input a person gave us (a file, an option) that the model would reject; the message says why. */
export class InvalidInputError extends BotError {
  constructor(userMessage: string) {
    super(userMessage, { userMessage });
  }
}

/** What went wrong talking to the model, in terms a caller can act on. */
export type OmniErrorKind =
  | 'auth'
  | 'rate_limited'
  | 'quota_exhausted'
  | 'arrears'
  | 'content_filtered'
  | 'invalid_request'
  | 'model_not_found'
  | 'server'
  | 'timeout'
  | 'connection'
  | 'stream_error';

/** A failed model call, mapped from HTTP status, error code or transport failure. */
export class OmniError extends BotError {
  readonly kind: OmniErrorKind;
  readonly status: number | undefined;
  readonly code: string | undefined;
  /** Whether the same request may succeed if sent again later. */
  readonly retryable: boolean;
  /** The server's Retry-After, when it sent one. */
  readonly retryAfterMs: number | undefined;
  /** The service's id for the request, for its support, when it sent one. */
  readonly requestId: string | undefined;

  constructor(init: {
    kind: OmniErrorKind;
    message: string;
    userMessage: string;
    status?: number;
    code?: string;
    retryable: boolean;
    retryAfterMs?: number;
    requestId?: string | undefined;
    cause?: unknown;
  }) {
    super(init.message, { userMessage: init.userMessage, cause: init.cause });
    this.kind = init.kind;
    this.status = init.status;
    this.code = init.code;
    this.retryable = init.retryable;
    this.retryAfterMs = init.retryAfterMs;
    this.requestId = init.requestId;
  }
}
