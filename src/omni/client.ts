/**
 * The Qwen-Omni streaming client: the only module that talks to the service (through the openai SDK).
 * Retries are ours, never the SDK's, and happen only before the caller has seen any output, so a
 * request is never silently doubled and a half-spoken reply is never restarted.
 */
import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { Stream } from 'openai/streaming';
import { OmniError } from '../errors.ts';
import { toOmniError } from './errorMapping.ts';
import { Pcm16Assembler, eventsOfChunk, type OmniEvent } from './events.ts';
import { toJsonBody } from './jsonBody.ts';
import { buildRequestBody, type OmniRequest } from './request.ts';

export interface OmniClientOptions {
  readonly apiKey: string;
  readonly baseURL: string;
  /** Give up when the response has not started within this time (ms). */
  readonly firstByteTimeoutMs?: number;
  /** Give up when an open stream goes quiet this long (ms); the service streams continuously. */
  readonly idleTimeoutMs?: number;
  /** Total tries per request, counting the first. */
  readonly maxAttempts?: number;
  /** First backoff delay (ms), doubled per retry. */
  readonly retryBaseDelayMs?: number;
  /** A Retry-After longer than this (ms) is reported to the caller instead of waited out. */
  readonly maxRetryDelayMs?: number;
  /** Injected for tests that drive time; resolves after `ms` or rejects when `signal` aborts. */
  readonly sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  /** Injected for tests: a fetch implementation for the SDK. */
  readonly fetch?: typeof fetch;
}

const DEFAULTS = {
  // Generous: a long audio input is uploaded before the first byte comes back.
  firstByteTimeoutMs: 30_000,
  idleTimeoutMs: 20_000,
  maxAttempts: 3,
  retryBaseDelayMs: 500,
  // Beyond this a person would rather hear "try again later" than wait in silence.
  maxRetryDelayMs: 8_000,
} as const satisfies Partial<OmniClientOptions>;

function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Per call: how many tries, and who wants the service's request id once the response has started. */
export interface StreamOptions {
  readonly signal?: AbortSignal | undefined;
  /** Total tries for this call, counting the first; default the client's `maxAttempts`. */
  readonly maxAttempts?: number;
  /** Called when a response starts (headers in), with the service's request id when it sent one. */
  readonly onResponse?: (response: { readonly requestId: string | undefined }) => void;
}

function idleTimeout(idleTimeoutMs: number, receivedAny: boolean, requestId: string | undefined, cause?: unknown): OmniError {
  return new OmniError({
    kind: 'timeout',
    retryable: true,
    cause,
    requestId,
    message: `Qwen-Omni stream idle for ${idleTimeoutMs} ms${receivedAny ? '' : ' before its first chunk'}`,
    // Words that match what the person saw: nothing at all, or a reply that stopped.
    userMessage: receivedAny ? 'The model stopped answering part-way. Please try again.' : "The model didn't answer in time. Please try again.",
  });
}

/** A request's JSON body, as the service takes it. */
export function requestBytes(request: OmniRequest): Buffer {
  return toJsonBody(buildRequestBody(request));
}

/** What a conversation needs of the model: one streamed reply per request (OmniClient, or a fake in tests). */
export interface ReplyStreamer {
  stream(request: OmniRequest, options: StreamOptions): AsyncIterable<OmniEvent>;
}

/** Streams model replies as OmniEvents; one instance serves the whole process (and one each voice worker). */
export class OmniClient implements ReplyStreamer {
  readonly #openai: OpenAI;
  readonly #options: Required<Omit<OmniClientOptions, 'fetch' | 'apiKey' | 'baseURL'>>;

  constructor(options: OmniClientOptions) {
    this.#openai = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      maxRetries: 0,
      timeout: options.firstByteTimeoutMs ?? DEFAULTS.firstByteTimeoutMs,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    this.#options = {
      firstByteTimeoutMs: options.firstByteTimeoutMs ?? DEFAULTS.firstByteTimeoutMs,
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs,
      maxAttempts: options.maxAttempts ?? DEFAULTS.maxAttempts,
      retryBaseDelayMs: options.retryBaseDelayMs ?? DEFAULTS.retryBaseDelayMs,
      maxRetryDelayMs: options.maxRetryDelayMs ?? DEFAULTS.maxRetryDelayMs,
      sleep: options.sleep ?? abortableSleep,
    };
  }

  /**
   * The reply to `request` as events. Ends quietly when `signal` aborts (abort is not an error);
   * breaking out of the loop also cancels the HTTP request. Failures throw OmniError.
   */
  stream(request: OmniRequest, options: StreamOptions = {}): AsyncGenerator<OmniEvent> {
    return this.streamBody(requestBytes(request), options);
  }

  /** As `stream`, for a request already made into its JSON body (`requestBytes`): a voice worker gets it so. */
  async *streamBody(body: Uint8Array, { signal, maxAttempts = this.#options.maxAttempts, onResponse }: StreamOptions = {}): AsyncGenerator<OmniEvent> {
    for (let attempt = 1; ; attempt++) {
      let delivered = false;
      try {
        for await (const event of this.#attempt(body, signal, onResponse)) {
          delivered = true;
          yield event;
        }
        return;
      } catch (error) {
        if (signal?.aborted) return;
        const failure = toOmniError(error);
        const delayMs = failure.retryAfterMs ?? this.#options.retryBaseDelayMs * 2 ** (attempt - 1);
        const retry = !delivered && failure.retryable && attempt < maxAttempts && delayMs <= this.#options.maxRetryDelayMs;
        if (!retry) throw failure;
        try {
          await this.#options.sleep(delayMs, signal);
        } catch {
          return; // aborted while waiting
        }
      }
    }
  }

  async *#attempt(body: Uint8Array, signal: AbortSignal | undefined, onResponse: StreamOptions['onResponse']): AsyncGenerator<OmniEvent> {
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    let idleTimer: NodeJS.Timeout | undefined;
    let idle = false;
    let receivedAny = false;
    let requestId: string | undefined;
    const armIdleTimer = (): void => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        idle = true;
        controller.abort();
      }, this.#options.idleTimeoutMs);
    };
    try {
      // The SDK's chat.completions.create would serialize the body again; this is the same call with the JSON
      // already made (DashScope's body is the SDK's shape plus fields it does not type: video parts, enable_thinking).
      const { data: stream, request_id } = await this.#openai
        .post<Stream<ChatCompletionChunk>>('/chat/completions', {
          body,
          headers: { 'content-type': 'application/json' },
          stream: true,
          signal: controller.signal,
          maxRetries: 0,
        })
        .withResponse();
      requestId = request_id ?? undefined;
      onResponse?.({ requestId });
      armIdleTimer();
      const assembler = new Pcm16Assembler();
      let finished = false;
      for await (const chunk of stream) {
        armIdleTimer();
        for (const event of eventsOfChunk(chunk, assembler)) {
          if (event.type === 'finish') finished = true;
          if (event.type === 'text' || event.type === 'audio') receivedAny = true;
          yield event;
        }
      }
      // The SDK ends iteration quietly on abort and on a body cut short, so an unfinished reply is checked here.
      if (idle) throw idleTimeout(this.#options.idleTimeoutMs, receivedAny, requestId);
      if (!finished && !signal?.aborted) throw new Error('the stream ended before the reply was finished');
    } catch (error) {
      if (idle) throw idleTimeout(this.#options.idleTimeoutMs, receivedAny, requestId, error);
      throw error;
    } finally {
      clearTimeout(idleTimer);
      signal?.removeEventListener('abort', onAbort);
      // Releases the connection when the caller stopped early or an error left the body unread.
      controller.abort();
    }
  }
}
