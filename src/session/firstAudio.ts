/**
 * A voice turn's wait for the model's first audio. One deadline runs from the request to the first audio
 * chunk: when it passes, the request is given up and the turn fails with words that say so, so one stuck
 * request never holds the server's queue longer than that (nor does a reply that stalls that long later). A failure before any audio is retried once, and
 * only while the deadline lasts. Events before the first audio (text, usage) are held back until it comes,
 * so nothing of a failed try ever reaches a person and a retry can start clean. While the wait is long, a
 * sign that the bot is working is shown (and renewed until the audio comes).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { OmniError } from '../errors.ts';
import type { StreamOptions } from '../omni/client.ts';
import { toOmniError } from '../omni/errorMapping.ts';
import type { OmniEvent } from '../omni/events.ts';
import type { OmniRequest } from '../omni/request.ts';

export interface FirstAudioStreamer {
  stream(request: OmniRequest, options: StreamOptions): AsyncIterable<OmniEvent>;
}

export interface FirstAudioOptions {
  /** Request -> first audio chunk, retry included (ms). */
  readonly deadlineMs: number;
  /** Ends the wait quietly (a barge-in, a reset): the stream just stops. */
  readonly signal: AbortSignal;
  /** Called once the wait has lasted `WAITING_SIGN_AFTER_MS`, then every `WAITING_SIGN_RENEW_MS`. */
  readonly onWaiting?: (() => void) | undefined;
}

/** Tries per turn: the first and at most one retry. */
const MAX_TRIES = 2;
/** Pause before the retry when the service named none. */
const RETRY_DELAY_MS = 250;
/** A wait longer than this deserves a sign that the bot is working. */
const WAITING_SIGN_AFTER_MS = 1_500;
/** Discord's typing indicator lasts about 10 s, so it is renewed a little sooner. */
const WAITING_SIGN_RENEW_MS = 8_000;

function stalledPartWay(deadlineMs: number, requestId: string | undefined): OmniError {
  return new OmniError({
    kind: 'timeout',
    retryable: true,
    requestId,
    message: `Qwen-Omni sent nothing for ${deadlineMs} ms mid-reply`,
    userMessage: 'The model stopped answering part-way. Please try again.',
  });
}

function noAnswerInTime(deadlineMs: number, requestId: string | undefined): OmniError {
  return new OmniError({
    kind: 'timeout',
    retryable: true,
    requestId,
    message: `Qwen-Omni sent no audio within ${deadlineMs} ms`,
    userMessage: "The model didn't answer in time. Please try again.",
  });
}

/** Calls `show` after `afterMs`, then every `renewMs`, until stopped. */
class WaitingSign {
  #timer: NodeJS.Timeout | undefined;

  constructor(show: () => void, afterMs = WAITING_SIGN_AFTER_MS, renewMs = WAITING_SIGN_RENEW_MS) {
    const tick = (): void => {
      this.#timer = setTimeout(tick, renewMs);
      show();
    };
    this.#timer = setTimeout(tick, afterMs);
  }

  stop(): void {
    clearTimeout(this.#timer);
  }
}

/**
 * The reply to `request`, as the client streams it, under the first-audio deadline. Throws OmniError when
 * the deadline passes, when a failure cannot be retried, or when the stream fails after audio has come
 * (never retried: the person is already hearing it).
 */
export async function* streamWithFirstAudioDeadline(omni: FirstAudioStreamer, request: OmniRequest, options: FirstAudioOptions): AsyncGenerator<OmniEvent> {
  const { deadlineMs, signal } = options;
  let timedOut = false;
  let stalled = false;
  let stallTimer: NodeJS.Timeout | undefined;
  let attempt = new AbortController();
  let requestId: string | undefined;
  const deadline = setTimeout(() => {
    timedOut = true;
    attempt.abort();
  }, deadlineMs);
  const sign = options.onWaiting ? new WaitingSign(options.onWaiting) : undefined;
  const audioCame = (): void => {
    clearTimeout(deadline);
    sign?.stop();
  };
  try {
    for (let tries = 1; !signal.aborted; tries++) {
      attempt = new AbortController();
      const stop = (): void => attempt.abort();
      signal.addEventListener('abort', stop, { once: true });
      const held: OmniEvent[] = [];
      let audio = false;
      try {
        // The client's own retries are off: this module decides, with the deadline in view.
        const events = omni.stream(request, { signal: attempt.signal, maxAttempts: 1, onResponse: (response) => (requestId = response.requestId) });
        for await (const event of events) {
          if (!audio && event.type !== 'audio') {
            held.push(event);
            continue;
          }
          if (!audio) {
            audio = true;
            audioCame();
            yield* held.splice(0);
          }
          // Once talking, the same limit applies between events: a reply that stalls is not waited on for long.
          clearTimeout(stallTimer);
          stallTimer = setTimeout(() => {
            stalled = true;
            attempt.abort();
          }, deadlineMs);
          yield event;
        }
        if (stalled) throw stalledPartWay(deadlineMs, requestId);
        if (signal.aborted) return;
        if (timedOut && !audio) throw noAnswerInTime(deadlineMs, requestId);
        // A reply without audio (text only, or the silent marker) is complete as it is.
        yield* held;
        return;
      } catch (error) {
        if (stalled) throw stalledPartWay(deadlineMs, requestId);
        if (signal.aborted) return;
        if (audio) throw error;
        if (timedOut) throw noAnswerInTime(deadlineMs, requestId);
        const failure = toOmniError(error);
        const delayMs = failure.retryAfterMs ?? RETRY_DELAY_MS;
        if (tries >= MAX_TRIES || !failure.retryable || delayMs >= deadlineMs) throw failure;
        try {
          await sleep(delayMs, undefined, { signal: AbortSignal.any([signal, attempt.signal]) });
        } catch {
          if (signal.aborted) return;
          throw failure; // the deadline passed while waiting: what went wrong is the failure itself
        }
      } finally {
        signal.removeEventListener('abort', stop);
      }
    }
  } finally {
    clearTimeout(deadline);
    clearTimeout(stallTimer);
    sign?.stop();
  }
}
