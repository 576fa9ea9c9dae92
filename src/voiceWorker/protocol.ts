/**
 * Every message between the main thread and a voice worker, both directions. The main thread owns the
 * gateway, chat, storage and sessions; a worker owns its guilds' voice connections (UDP, transport crypto,
 * DAVE), receive, endpointing, reply resampling, encoding and pacing, and reads the model's replies to its
 * guilds' voice turns: the session on the main thread decides what plays, but once a reply plays its audio
 * goes from the model's stream to the player on the worker's thread, so a busy main thread cannot starve it.
 *
 * Audio crosses only as transferred ArrayBuffers (listed in postMessage's transfer list), never as JSON.
 * Times crossing the boundary are epoch milliseconds (`epochNow()`), each side's performance clock differing.
 */
import type { LogLevel } from '../config/config.ts';
import { OmniError, type OmniErrorKind } from '../errors.ts';
import type { OmniEvent } from '../omni/events.ts';

/** What a worker is told once, at start (its workerData). */
export interface WorkerSettings {
  readonly workerId: number;
  readonly logLevel: LogLevel;
  readonly silenceMs: number;
  readonly maxUtteranceMs: number;
  /** Quiet (ms) after which a speaker's turn is tentatively over; 0: no tentative ends. */
  readonly speculationMs: number;
  readonly decryptionFailureTolerance: number;
  /** The main thread's trusted CA certificates (PEM): a worker's TLS default is its own, so it is handed over. */
  readonly caCertificates: readonly string[];
  /** Where the worker reads the model's replies (absent: the main thread streams them and posts the audio). */
  readonly model?: { readonly apiKey: string; readonly baseURL: string };
  /** A reply plays at most this much audio (MAX_REPLY_SECONDS): the same cut the session makes. */
  readonly maxReplyMs: number;
  /** The worker thread's nice value (VOICE_WORKER_NICE), applied when the process may. */
  readonly nice: number;
}

/** Where a chunk of reply audio sits in the model stream it came from (offset in samples). */
export interface StreamPosition {
  readonly streamId: number;
  readonly offset: number;
}

/** An OmniError as it crosses threads (structured clone keeps no class). */
export interface OmniErrorWire {
  readonly kind: OmniErrorKind;
  readonly message: string;
  readonly userMessage: string;
  readonly retryable: boolean;
  readonly status?: number;
  readonly code?: string;
  readonly retryAfterMs?: number;
  readonly requestId?: string;
}

/** The raw `d` of a gateway dispatch, handed through untouched (@discordjs/voice reads it). */
export type GatewayData = Readonly<Record<string, unknown>>;

export type ToWorker =
  /** Join (or move to) a channel; answered by `joined` or `join-failed`. */
  | {
      readonly type: 'join';
      readonly guildId: string;
      readonly channelId: string;
      readonly botUserId: string;
      /** Users whose audio is not listened to (other bots). */
      readonly ignoredUsers: readonly string[];
    }
  /** VOICE_SERVER_UPDATE for the guild / VOICE_STATE_UPDATE for the bot itself, as the gateway sent them. */
  | { readonly type: 'voice-server-update'; readonly guildId: string; readonly data: GatewayData }
  | { readonly type: 'voice-state-update'; readonly guildId: string; readonly data: GatewayData }
  /** The gateway side of the adapter is gone (shard disconnected): the connection cannot signal any more. */
  | { readonly type: 'adapter-destroy'; readonly guildId: string }
  | { readonly type: 'ignore-user'; readonly guildId: string; readonly userId: string }
  /** A member left the channel. */
  | { readonly type: 'forget-user'; readonly guildId: string; readonly userId: string }
  | { readonly type: 'leave'; readonly guildId: string }
  | { readonly type: 'reply-start'; readonly guildId: string; readonly replyId: number; readonly jitterMs: number }
  /**
   * The reply's next chunk: 16-bit mono 24 kHz samples, transferred. With `from`, the chunk came from a model
   * stream this worker reads: the reply then follows that stream from there on its own, and chunks it already
   * played are dropped (see FollowedStream).
   */
  | { readonly type: 'reply-audio'; readonly replyId: number; readonly pcm: ArrayBuffer; readonly from?: StreamPosition }
  /** No more audio: the rest plays out. `until`: the stream offset where a reply following a stream ends. */
  | { readonly type: 'reply-end'; readonly replyId: number; readonly until?: number }
  | { readonly type: 'reply-stop'; readonly replyId: number }
  /** Read the model's reply to this request (its JSON body, transferred); answered by `model-*` messages. */
  | { readonly type: 'model-stream'; readonly streamId: number; readonly body: ArrayBuffer; readonly maxAttempts?: number }
  /** The main thread no longer wants the stream (the turn ended): the request is cancelled. */
  | { readonly type: 'model-abort'; readonly streamId: number }
  /** Asks for the worker's health figures; answered by `stats`. */
  | { readonly type: 'stats-request' };

export type FromWorker =
  /** The worker loaded its libraries and listens. */
  | { readonly type: 'started'; readonly opus: string; readonly dave: boolean; readonly priority: string }
  /** The adapter's `sendPayload`: a gateway payload (op 4) to send on the guild's shard. */
  | { readonly type: 'gateway-send'; readonly guildId: string; readonly payload: GatewayData }
  /** The connection let go of its adapter (destroyed). */
  | { readonly type: 'adapter-destroyed'; readonly guildId: string }
  | { readonly type: 'joined'; readonly guildId: string }
  | { readonly type: 'join-failed'; readonly guildId: string; readonly message: string; readonly userMessage: string }
  | { readonly type: 'speech-start'; readonly guildId: string; readonly userId: string }
  /** A finished utterance: 16-bit mono 16 kHz samples, transferred; `endedAt` in epoch ms. */
  | { readonly type: 'utterance'; readonly guildId: string; readonly userId: string; readonly pcm: ArrayBuffer; readonly endedAt: number }
  /** A speaker quiet for the speculation threshold: the utterance so far (samples as above, transferred; `endedAt` in epoch ms). */
  | { readonly type: 'tentative-end'; readonly guildId: string; readonly userId: string; readonly pcm: ArrayBuffer; readonly endedAt: number }
  /** The speaker went on after a tentative end (or it came to nothing). */
  | { readonly type: 'resumed'; readonly guildId: string; readonly userId: string }
  /** The bot is out of the channel for good (kicked, channel deleted, reconnect failed, or left). */
  | { readonly type: 'gone'; readonly guildId: string; readonly reason: string }
  /** A reply ended or was stopped; `playedMs` is what the channel heard. */
  | { readonly type: 'reply-finished'; readonly replyId: number; readonly playedMs: number }
  /** The model's response started; `requestId`: the service's id for it. */
  | { readonly type: 'model-response'; readonly streamId: number; readonly requestId: string | undefined }
  /** Everything the stream says but audio, in order with `model-audio`. */
  | { readonly type: 'model-event'; readonly streamId: number; readonly event: Exclude<OmniEvent, { type: 'audio' }> }
  /** The stream's next audio (16-bit mono 24 kHz, transferred): a copy of what a reply following it plays. */
  | { readonly type: 'model-audio'; readonly streamId: number; readonly pcm: ArrayBuffer }
  /** The stream ended: whole, cancelled, or with `error`. */
  | { readonly type: 'model-done'; readonly streamId: number; readonly error?: OmniErrorWire }
  /** Health figures since the worker started: reply packets sent and starved, event-loop delay p99 (ms). */
  | { readonly type: 'stats'; readonly packetsSent: number; readonly packetsStarved: number; readonly loopDelayP99Ms: number };

/** Milliseconds since the epoch, with sub-millisecond precision: comparable across threads. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** An epoch time from another thread on this thread's `performance.now()` clock. */
export function fromEpoch(epochMs: number): number {
  return epochMs - performance.timeOrigin;
}

/**
 * The samples' own ArrayBuffer, ready to transfer, when they fill it exactly; otherwise a copy (transferring a
 * view into a larger buffer, such as Node's Buffer pool, would take the rest of it away from its owner).
 */
export function transferableSamples(samples: Int16Array): ArrayBuffer {
  const { buffer } = samples;
  if (buffer instanceof ArrayBuffer && samples.byteOffset === 0 && samples.byteLength === buffer.byteLength) return buffer;
  return samples.slice().buffer;
}

export function omniErrorToWire(error: OmniError): OmniErrorWire {
  const { kind, message, userMessage, retryable, status, code, retryAfterMs, requestId } = error;
  return {
    kind,
    message,
    userMessage,
    retryable,
    ...(status === undefined ? {} : { status }),
    ...(code === undefined ? {} : { code }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(requestId === undefined ? {} : { requestId }),
  };
}

export function omniErrorFromWire(wire: OmniErrorWire): OmniError {
  return new OmniError({ ...wire });
}
