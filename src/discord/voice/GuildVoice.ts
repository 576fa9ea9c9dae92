/**
 * The bot's presence in one guild's voice channel: the @discordjs/voice connection (joined with DAVE,
 * reconnecting the documented way), one audio player for replies, and one ear per speaking member.
 * Everything Discord-specific about voice stays here; the session sees only VoiceOutput and utterances.
 * It knows no discord.js objects (only ids and a gateway adapter), so the same class runs on the main
 * thread (VOICE_WORKERS=0) and inside a voice worker (src/voiceWorker).
 */
import {
  AudioPlayerStatus,
  EndBehaviorType,
  NoSubscriberBehavior,
  StreamType,
  VoiceConnectionStatus,
  createAudioPlayer,
  createAudioResource,
  entersState,
  joinVoiceChannel,
  type AudioPlayer,
  type AudioPlayerState,
  type AudioReceiveStream,
  type DiscordGatewayAdapterCreator,
  type VoiceConnection,
} from '@discordjs/voice';
import { Readable } from 'node:stream';
import { OpusEncodingReader } from '../../audio/opus.ts';
import { BotError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { SpeakerListener, type SpeechDetector } from '../../receive/SpeakerListener.ts';
import { BufferedPlayback, type PcmPlayback, type PcmSink, type PlaybackHandle, type ReplyOptions, type VoiceOutput } from '../../playback/VoiceOutput.ts';
import { playReply } from './replyResource.ts';
import { RtpTap } from './RtpTap.ts';

/** One person's finished utterance, before the main thread puts a name to it. */
export interface HeardSpeech {
  readonly speakerId: string;
  /** 16 kHz mono. */
  readonly samples: Int16Array;
  /** Clock time (the `now` option's clock, ms) when the end of speech was detected. */
  readonly endedAtMs: number;
}

export interface GuildVoiceListener {
  onSpeechStart(userId: string): void;
  onUtterance(speech: HeardSpeech): void;
  /** A speaker has been quiet for the speculation threshold: the utterance so far (see receive/TentativeEnd.ts). */
  onTentativeEnd(speech: HeardSpeech): void;
  /** The speaker went on after a tentative end (or it came to nothing). */
  onResumed(userId: string): void;
  /** The bot is out of the channel for good (kicked, channel deleted, reconnect failed, or left). */
  onGone(reason: string): void;
}

export interface GuildVoiceOptions {
  readonly guildId: string;
  readonly channelId: string;
  /** The gateway side of the connection: discord.js's `guild.voiceAdapterCreator`, or a worker's bridge to it. */
  readonly adapterCreator: DiscordGatewayAdapterCreator;
  readonly botUserId: string;
  /** Whether a user's audio is ignored (other bots). */
  readonly ignores: (userId: string) => boolean;
  readonly log: Logger;
  readonly listener: GuildVoiceListener;
  readonly createDetector: () => SpeechDetector;
  /** DAVE decrypt failures tolerated before the library re-keys (passed to joinVoiceChannel). */
  readonly decryptionFailureTolerance: number;
  /** Quiet (ms) after which a speaker's turn is tentatively over; 0: no tentative ends. */
  readonly speculationMs: number;
  readonly now?: () => number;
}

/** How long a join or a reconnect may take before giving up (ms); Discord usually needs well under 2 s. */
const READY_TIMEOUT_MS = 20_000;
/** A disconnect that does not turn into a reconnect within this time is final (ms). */
const RECONNECT_GRACE_MS = 5_000;
/** A reply stalled this long (model slower than real time) ends instead of hanging (ms). */
const MAX_UNDERRUN_MS = 5_000;
/** Receive streams destroyed by decrypt failures this often within the window trigger a clean rejoin. */
const RECEIVE_FAILURES_BEFORE_REJOIN = 5;
const RECEIVE_FAILURE_WINDOW_MS = 10_000;

let playbackWarm = false;

/**
 * The first createAudioResource of a process builds @discordjs/voice's transformer graph (and probes for
 * FFmpeg): about 150 ms of blocking work. Paying it while joining keeps it out of the first reply.
 */
function warmUpPlayback(): void {
  if (playbackWarm) return;
  playbackWarm = true;
  createAudioResource(Readable.from([]), { inputType: StreamType.Opus }).playStream.destroy();
}

interface Ear {
  readonly listener: SpeakerListener;
  stream: AudioReceiveStream | undefined;
  /** Fires when the speaker's silence window closes, so the turn ends on time rather than on the next packet. */
  turnTimer: NodeJS.Timeout | undefined;
  turnTimerDueAt: number;
}

export class GuildVoice implements VoiceOutput, PcmSink {
  readonly connection: VoiceConnection;
  readonly player: AudioPlayer;
  readonly #options: GuildVoiceOptions;
  readonly #now: () => number;
  readonly #tap: RtpTap;
  readonly #ears = new Map<string, Ear>();
  #receiveFailures: number[] = [];
  #gone = false;

  private constructor(options: GuildVoiceOptions, connection: VoiceConnection) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.connection = connection;
    this.#tap = new RtpTap(connection);
    this.player = createAudioPlayer({
      behaviors: { noSubscriber: NoSubscriberBehavior.Play, maxMissedFrames: Math.round(MAX_UNDERRUN_MS / 20) },
    });
    this.player.on('error', (error) => options.log.warn({ err: error }, 'audio player error'));
    connection.subscribe(this.player);
    connection.receiver.speaking.on('start', (userId) => this.#listenTo(userId));
    connection.on('stateChange', (_old, next) => {
      if (next.status === VoiceConnectionStatus.Disconnected) void this.#recover();
      if (next.status === VoiceConnectionStatus.Destroyed) this.#cleanUp('left the voice channel');
    });
    connection.on('error', (error) => options.log.warn({ err: error }, 'voice connection error'));
  }

  /** Joins `channel` and resolves once audio can flow; throws BotError with a readable reason otherwise. */
  static async join(options: GuildVoiceOptions): Promise<GuildVoice> {
    warmUpPlayback();
    const connection = joinVoiceChannel({
      channelId: options.channelId,
      guildId: options.guildId,
      adapterCreator: options.adapterCreator,
      selfDeaf: false,
      selfMute: false,
      daveEncryption: true,
      decryptionFailureTolerance: options.decryptionFailureTolerance,
    });
    const voice = new GuildVoice(options, connection);
    try {
      await entersState(connection, VoiceConnectionStatus.Ready, READY_TIMEOUT_MS);
    } catch (error) {
      voice.leave();
      throw new BotError(`Voice connection to ${options.channelId} did not become ready`, {
        cause: error,
        userMessage: `I couldn't connect to <#${options.channelId}>. Check that I have the Connect and Speak permissions there.`,
      });
    }
    return voice;
  }

  /** The channel the bot is in now (it follows a move). */
  get channelId(): string | null {
    return this.connection.joinConfig.channelId;
  }

  startReply(options: ReplyOptions): PlaybackHandle {
    return new BufferedPlayback(this, options);
  }

  /** Plays 48 kHz stereo PCM through our Opus encoder on the guild's player (the PcmSink of BufferedPlayback). */
  play(audio: Readable): PcmPlayback {
    // Our own encoder (see audio/opus.ts), so @discordjs/voice plays Opus packets as they are; each frame is
    // encoded when the player takes its packet, one per 20 ms cycle.
    const packets = new OpusEncodingReader(audio);
    packets.on('error', (error) => this.#options.log.warn({ err: error }, 'reply encoding failed'));
    const resource = playReply(this.player, packets);
    const finished = new Promise<void>((resolve) => {
      const onState = (_old: AudioPlayerState, next: AudioPlayerState): void => {
        if (next.status === AudioPlayerStatus.Idle || ('resource' in next && next.resource !== resource)) {
          this.player.off('stateChange', onState);
          resolve();
        }
      };
      this.player.on('stateChange', onState);
    });
    return {
      playedMs: () => resource.playbackDuration,
      stop: () => {
        if ('resource' in this.player.state && this.player.state.resource === resource) this.player.stop(true);
        packets.destroy();
        audio.destroy();
      },
      finished,
    };
  }

  /** A member left the channel: finish what they were saying (unless the bot is leaving) and stop listening. */
  forget(userId: string): void {
    const ear = this.#ears.get(userId);
    if (!ear) return;
    this.#ears.delete(userId);
    this.#tap.forget(userId);
    clearTimeout(ear.turnTimer);
    ear.stream?.destroy();
    if (!this.#gone) ear.listener.flush();
    ear.listener.destroy();
  }

  leave(): void {
    if (this.connection.state.status !== VoiceConnectionStatus.Destroyed) this.connection.destroy();
    else this.#cleanUp('left the voice channel');
  }

  #listenTo(userId: string): void {
    if (userId === this.#options.botUserId || this.#gone || this.#options.ignores(userId)) return;
    let ear = this.#ears.get(userId);
    if (!ear) {
      const listener = new SpeakerListener({
        detector: this.#options.createDetector(),
        onSpeechStart: () => this.#options.listener.onSpeechStart(userId),
        onUtterance: (samples) => this.#options.listener.onUtterance({ speakerId: userId, samples, endedAtMs: this.#now() }),
        ...(this.#options.speculationMs > 0 && {
          speculation: {
            afterMs: this.#options.speculationMs,
            onTentativeEnd: (samples) => this.#options.listener.onTentativeEnd({ speakerId: userId, samples, endedAtMs: this.#now() }),
            onResumed: () => this.#options.listener.onResumed(userId),
          },
        }),
      });
      ear = { listener, stream: undefined, turnTimer: undefined, turnTimerDueAt: Infinity };
      this.#ears.set(userId, ear);
    }
    if (!ear.stream || ear.stream.destroyed) this.#subscribe(userId, ear);
  }

  #subscribe(userId: string, ear: Ear): void {
    const stream = this.connection.receiver.subscribe(userId, { end: { behavior: EndBehaviorType.Manual } });
    ear.stream = stream;
    stream.on('data', (opus: Buffer) => {
      // After the receiver's 'message' handler returns, the tap has seen this packet's header too.
      queueMicrotask(() => {
        ear.listener.onPacket(opus, this.#tap.positionOf(userId), this.#now());
        this.#watchTurnEnd(ear);
      });
    });
    stream.on('error', (error) => {
      this.#options.log.debug({ err: error, userId }, 'receive stream failed');
      this.#onReceiveFailure();
    });
    stream.on('close', () => {
      if (ear.stream === stream) ear.stream = undefined;
      // A decrypt failure destroys the stream; listen again at once instead of losing the rest of the turn.
      if (!this.#gone && this.#ears.get(userId) === ear) this.#subscribe(userId, ear);
    });
  }

  /**
   * Keeps a timer for the moment the ear's open turn would end if no packet comes first. While someone talks
   * the deadline moves on with every packet; a timer due earlier is left alone and looks again when it fires,
   * so a packet costs no timer work.
   */
  #watchTurnEnd(ear: Ear): void {
    const deadline = ear.listener.turnDeadline();
    if (deadline !== undefined && ear.turnTimerDueAt <= deadline) return;
    clearTimeout(ear.turnTimer);
    ear.turnTimerDueAt = deadline ?? Infinity;
    if (deadline === undefined) return;
    ear.turnTimer = setTimeout(
      () => {
        ear.turnTimerDueAt = Infinity;
        ear.listener.onIdle(this.#now());
        this.#watchTurnEnd(ear);
      },
      Math.max(0, deadline - this.#now()),
    );
  }

  #onReceiveFailure(): void {
    const now = this.#now();
    this.#receiveFailures = this.#receiveFailures.filter((at) => now - at < RECEIVE_FAILURE_WINDOW_MS);
    this.#receiveFailures.push(now);
    if (this.#receiveFailures.length < RECEIVE_FAILURES_BEFORE_REJOIN) return;
    this.#receiveFailures = [];
    this.#options.log.warn({ guild: this.#options.guildId }, 'repeated decrypt failures: rejoining voice');
    this.connection.rejoin();
  }

  /** The documented pattern: a disconnect that starts reconnecting within the grace time is not final. */
  async #recover(): Promise<void> {
    try {
      await Promise.race([
        entersState(this.connection, VoiceConnectionStatus.Signalling, RECONNECT_GRACE_MS),
        entersState(this.connection, VoiceConnectionStatus.Connecting, RECONNECT_GRACE_MS),
      ]);
      await entersState(this.connection, VoiceConnectionStatus.Ready, READY_TIMEOUT_MS);
    } catch {
      if (this.connection.state.status !== VoiceConnectionStatus.Destroyed) this.connection.destroy();
    }
  }

  #cleanUp(reason: string): void {
    if (this.#gone) return;
    this.#gone = true;
    this.player.stop(true);
    for (const userId of [...this.#ears.keys()]) this.forget(userId);
    this.#options.listener.onGone(reason);
  }
}
