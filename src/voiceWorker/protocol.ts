/**
 * Every message between the main thread and a voice worker, both directions. The main thread owns the
 * gateway, chat, storage, sessions and model requests; a worker owns its guilds' voice connections (UDP,
 * transport crypto, DAVE), receive, endpointing, and reply resampling, encoding and pacing.
 *
 * Audio crosses only as transferred ArrayBuffers (listed in postMessage's transfer list), never as JSON.
 * Times crossing the boundary are epoch milliseconds (`epochNow()`), each side's performance clock differing.
 */
import type { LogLevel } from '../config/config.ts';

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
  /** The model's next chunk: 16-bit mono 24 kHz samples, transferred. */
  | { readonly type: 'reply-audio'; readonly replyId: number; readonly pcm: ArrayBuffer }
  | { readonly type: 'reply-end'; readonly replyId: number }
  | { readonly type: 'reply-stop'; readonly replyId: number }
  /** Asks for the worker's health figures; answered by `stats`. */
  | { readonly type: 'stats-request' };

export type FromWorker =
  /** The worker loaded its libraries and listens. */
  | { readonly type: 'started'; readonly opus: string; readonly dave: boolean }
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
