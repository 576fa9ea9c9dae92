/** Maps whatever the SDK or the transport throws onto OmniError, with a sentence fit for a Discord channel. */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { OmniError } from '../errors.ts';

function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Number(ms);
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function waitHint(ms: number | undefined): string {
  return ms === undefined ? 'Please try again in a moment.' : `Please try again in ${Math.max(1, Math.ceil(ms / 1000))} s.`;
}

function fromStatus(error: APIError): OmniError {
  const status = error.status;
  const code = error.code ?? undefined;
  const base = {
    status,
    code,
    cause: error,
    requestId: error.requestID ?? undefined,
    message: `Qwen-Omni ${status ?? 'stream'} ${code ?? ''}: ${error.message}`,
  };
  if (code === 'data_inspection_failed' || code === 'DataInspectionFailed') {
    return new OmniError({ ...base, kind: 'content_filtered', retryable: false, userMessage: "The model's safety filter declined this request." });
  }
  if (code === 'Arrearage') {
    return new OmniError({
      ...base,
      kind: 'arrears',
      retryable: false,
      userMessage: 'The model account behind this bot is out of credit; the bot owner needs to top it up.',
    });
  }
  if (status === undefined) {
    // An error event inside an already-open stream.
    return new OmniError({ ...base, kind: 'stream_error', retryable: true, userMessage: 'The model stopped with an error mid-answer. Please try again.' });
  }
  if (status === 401 || status === 403) {
    return new OmniError({
      ...base,
      kind: 'auth',
      retryable: false,
      userMessage: "The model service rejected the bot's API key; the bot owner needs to check DASHSCOPE_API_KEY and its region.",
    });
  }
  if (status === 404) {
    return new OmniError({ ...base, kind: 'model_not_found', retryable: false, userMessage: 'The configured model is not available to this account.' });
  }
  if (status === 429) {
    if (code === 'insufficient_quota') {
      return new OmniError({ ...base, kind: 'quota_exhausted', retryable: false, userMessage: "The bot's model quota is used up for now." });
    }
    const wait = retryAfterMs(error.headers);
    return new OmniError({
      ...base,
      kind: 'rate_limited',
      retryable: true,
      retryAfterMs: wait,
      userMessage: `The model is getting too many requests right now. ${waitHint(wait)}`,
    });
  }
  if (status === 408) {
    return new OmniError({ ...base, kind: 'timeout', retryable: true, userMessage: 'The model took too long to answer. Please try again.' });
  }
  if (status >= 500) {
    return new OmniError({ ...base, kind: 'server', retryable: true, userMessage: 'The model service had an error. Please try again.' });
  }
  const streamOnly = /stream mode/i.test(error.message);
  return new OmniError({
    ...base,
    kind: 'invalid_request',
    retryable: false,
    userMessage: streamOnly ? 'The model only answers streaming requests (a bug in the bot).' : 'The model could not accept that request.',
  });
}

/** The OmniError for any failure of a model call. */
export function toOmniError(error: unknown): OmniError {
  if (error instanceof OmniError) return error;
  if (error instanceof APIConnectionTimeoutError) {
    return new OmniError({
      kind: 'timeout',
      retryable: true,
      cause: error,
      message: 'Qwen-Omni request timed out',
      userMessage: 'The model took too long to answer. Please try again.',
    });
  }
  if (error instanceof APIConnectionError) {
    return new OmniError({
      kind: 'connection',
      retryable: true,
      cause: error,
      message: `Cannot reach Qwen-Omni: ${error.message}`,
      userMessage: "I couldn't reach the model service. Please try again.",
    });
  }
  if (error instanceof APIError) return fromStatus(error);
  // Anything else is the transport failing under an open stream (socket reset, truncated body).
  const message = error instanceof Error ? error.message : String(error);
  return new OmniError({
    kind: 'connection',
    retryable: true,
    cause: error,
    message: `Qwen-Omni stream broke: ${message}`,
    userMessage: 'The connection to the model service was lost mid-answer.',
  });
}
