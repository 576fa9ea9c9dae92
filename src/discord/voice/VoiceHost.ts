/**
 * Where guilds' voice connections live: on the main thread (VOICE_WORKERS=0, InProcessVoiceHost) or in a pool
 * of voice worker threads (src/voiceWorker). VoiceManager sees only this interface.
 */
import type { DiscordGatewayAdapterCreator } from '@discordjs/voice';
import type { Logger } from '../../log.ts';
import type { ReplyStreamer } from '../../omni/client.ts';
import type { VoiceOutput } from '../../playback/VoiceOutput.ts';
import type { SpeechDetector } from '../../receive/SpeakerListener.ts';
import { GuildVoice, type HeardSpeech } from './GuildVoice.ts';
import { replyPacketCounts } from './replyResource.ts';

/** A guild's presence in a voice channel, wherever its connection lives. */
export interface GuildVoiceLink extends VoiceOutput {
  /** The channel the bot is in now (it follows a move). */
  readonly channelId: string | null;
  /** The voice worker holding the connection; undefined when it is on the main thread. */
  readonly workerId: number | undefined;
  /** Reads the model's replies on the connection's thread; undefined: the main thread's client does. */
  readonly modelStreamer?: ReplyStreamer | undefined;
  /** Stop listening to this user's audio (another bot). */
  ignore(userId: string): void;
  /** A member left the channel. */
  forget(userId: string): void;
  /** Leaves the channel; resolves once the bot is out of it. */
  leave(): Promise<void>;
}

export interface VoiceLinkListener {
  onSpeechStart(userId: string): void;
  /** `endedAtMs` on this thread's `performance.now()` clock. */
  onUtterance(speech: HeardSpeech): void;
  /** A speaker has been quiet for the speculation threshold: the utterance so far (`endedAtMs` as above). */
  onTentativeEnd(speech: HeardSpeech): void;
  /** The speaker went on after a tentative end (or it came to nothing). */
  onResumed(userId: string): void;
  /** The bot is out of the channel for good (kicked, channel deleted, reconnect failed, or left). */
  onGone(reason: string): void;
  /** The thread holding the connection died: the bot is out of the channel until it joins again. */
  onLost(reason: string): void;
}

export interface VoiceJoinRequest {
  readonly guildId: string;
  readonly channelId: string;
  readonly botUserId: string;
  /** discord.js's `guild.voiceAdapterCreator`: the guild's gateway shard. */
  readonly adapterCreator: DiscordGatewayAdapterCreator;
  /** Users whose audio is not listened to (other bots). */
  readonly ignoredUsers: readonly string[];
  readonly log: Logger;
  readonly listener: VoiceLinkListener;
}

/** One thread holding voice connections: its guilds, its reply packets, how late its event loop runs. */
export interface ThreadHealth {
  /** undefined: the main thread (VOICE_WORKERS=0). */
  readonly workerId: number | undefined;
  readonly guilds: number;
  /** Reply packets the players took, and reads that found no audio ready mid-reply (heard as a hole). */
  readonly packets?: { readonly sent: number; readonly starved: number };
  /** Event-loop delay p99 since the last report (ms): a late loop is a late packet for every guild on it. */
  readonly loopDelayP99Ms?: number;
}

export interface VoiceHostHealth {
  readonly threads: readonly ThreadHealth[];
  /** Voice workers that died since the start (each one's guilds rejoined on a new worker). */
  readonly deaths: number;
}

export interface VoiceHost {
  /** Joins and resolves once audio can flow; throws BotError with a readable reason otherwise. */
  join(request: VoiceJoinRequest): Promise<GuildVoiceLink>;
  /** Number of voice workers (0: voice runs on the main thread). */
  readonly size: number;
  /** Health figures for metrics. */
  health(): Promise<VoiceHostHealth>;
  /** Stops the host's threads (after the guilds have left). */
  close(): Promise<void>;
}

/** VOICE_WORKERS=0: every guild's voice on the main thread, as one GuildVoice each. */
export class InProcessVoiceHost implements VoiceHost {
  readonly size = 0;
  #guilds = 0;
  readonly #createDetector: () => SpeechDetector;
  readonly #decryptionFailureTolerance: number;
  readonly #speculationMs: number;

  constructor(options: { createDetector: () => SpeechDetector; decryptionFailureTolerance: number; speculationMs: number }) {
    this.#createDetector = options.createDetector;
    this.#decryptionFailureTolerance = options.decryptionFailureTolerance;
    this.#speculationMs = options.speculationMs;
  }

  async join(request: VoiceJoinRequest): Promise<GuildVoiceLink> {
    const ignored = new Set(request.ignoredUsers);
    let gone: () => void = () => {};
    const left = new Promise<void>((resolve) => {
      gone = resolve;
    });
    const voice = await GuildVoice.join({
      guildId: request.guildId,
      channelId: request.channelId,
      adapterCreator: request.adapterCreator,
      botUserId: request.botUserId,
      ignores: (userId) => ignored.has(userId),
      log: request.log,
      createDetector: this.#createDetector,
      decryptionFailureTolerance: this.#decryptionFailureTolerance,
      speculationMs: this.#speculationMs,
      listener: {
        onSpeechStart: (userId) => request.listener.onSpeechStart(userId),
        onUtterance: (speech) => request.listener.onUtterance(speech),
        onTentativeEnd: (speech) => request.listener.onTentativeEnd(speech),
        onResumed: (userId) => request.listener.onResumed(userId),
        onGone: (reason) => {
          this.#guilds--;
          gone();
          request.listener.onGone(reason);
        },
      },
    });
    this.#guilds++;
    return {
      get channelId() {
        return voice.channelId;
      },
      workerId: undefined,
      startReply: (options) => voice.startReply(options),
      ignore: (userId) => void ignored.add(userId),
      forget: (userId) => voice.forget(userId),
      leave: () => {
        voice.leave();
        return left;
      },
    };
  }

  async health(): Promise<VoiceHostHealth> {
    return { threads: [{ workerId: undefined, guilds: this.#guilds, packets: { ...replyPacketCounts } }], deaths: 0 };
  }

  async close(): Promise<void> {}
}
