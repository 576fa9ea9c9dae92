/**
 * The main thread's side of one guild whose voice connection lives in a voice worker: the gateway half of
 * @discordjs/voice's adapter (discord.js's own `guild.voiceAdapterCreator`, relayed over the worker's port),
 * the guild's events from the worker, and reply playback as messages.
 */
import type { DiscordGatewayAdapterImplementerMethods } from '@discordjs/voice';
import { BotError } from '../errors.ts';
import type { ReplyStreamer } from '../omni/client.ts';
import { MODEL_OUTPUT_SAMPLE_RATE } from '../omni/events.ts';
import type { PlaybackHandle, ReplyOptions } from '../playback/VoiceOutput.ts';
import type { GuildVoiceLink, VoiceJoinRequest } from '../discord/voice/VoiceHost.ts';
import { fromEpoch, type FromWorker, type ToWorker } from './protocol.ts';
import { streamPosition } from './WorkerReplyStreamer.ts';

/** How a proxy reaches its worker. */
export interface WorkerChannel {
  readonly workerId: number;
  post(message: ToWorker, transfer?: ArrayBuffer[]): void;
  /** A fresh id for a reply, unique within the pool. */
  nextReplyId(): number;
  /** Registers a reply so the worker's `reply-finished` reaches it. */
  trackReply(replyId: number, reply: RemotePlayback): void;
  /** The model's replies read on this worker (undefined: the main thread reads them). */
  readonly modelStreamer: ReplyStreamer | undefined;
}

/** A reply played by the worker; the final played time comes back in `reply-finished`. */
export class RemotePlayback implements PlaybackHandle {
  readonly finished: Promise<number>;
  readonly #channel: WorkerChannel;
  readonly #replyId: number;
  readonly #jitterMs: number;
  #samples = 0;
  /** Stream offset just past the last chunk pushed from a model stream the worker reads. */
  #streamEnd: number | undefined;
  #ended = false;
  #stopped = false;
  #startedAt: number | undefined;
  #settled = false;
  #resolve!: (playedMs: number) => void;

  constructor(channel: WorkerChannel, guildId: string, options: ReplyOptions) {
    this.#channel = channel;
    this.#replyId = channel.nextReplyId();
    this.#jitterMs = options.jitterMs;
    this.finished = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    channel.trackReply(this.#replyId, this);
    channel.post({ type: 'reply-start', guildId, replyId: this.#replyId, jitterMs: options.jitterMs });
  }

  get receivedMs(): number {
    return (this.#samples / MODEL_OUTPUT_SAMPLE_RATE) * 1000;
  }

  /** The worker's jitter buffer fills with the same audio, so the amount sent tells when it starts playing. */
  get started(): boolean {
    return this.#startedAt !== undefined;
  }

  push(pcm: Int16Array): void {
    if (this.#ended || this.#stopped || pcm.length === 0) return;
    this.#samples += pcm.length;
    // A copy: the caller may still use its chunk (a voice message records the same audio).
    const bytes = pcm.slice().buffer;
    const from = streamPosition(pcm);
    if (from) this.#streamEnd = from.offset + pcm.length;
    this.#channel.post({ type: 'reply-audio', replyId: this.#replyId, pcm: bytes, ...(from ? { from } : {}) }, [bytes]);
    if (this.receivedMs >= this.#jitterMs) this.#startedAt ??= performance.now();
  }

  end(): void {
    if (this.#ended || this.#stopped) return;
    this.#ended = true;
    if (this.#samples > 0) this.#startedAt ??= performance.now();
    this.#channel.post({ type: 'reply-end', replyId: this.#replyId, ...(this.#streamEnd === undefined ? {} : { until: this.#streamEnd }) });
  }

  stop(): void {
    if (this.#stopped || this.#settled) return;
    this.#stopped = true;
    this.#channel.post({ type: 'reply-stop', replyId: this.#replyId });
  }

  /** The worker's final figure. */
  settle(playedMs: number): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#resolve(Math.min(playedMs, this.receivedMs));
  }

  /** The worker died: what was heard is estimated from the time it had been playing. */
  abandon(): void {
    this.settle(this.#startedAt === undefined ? 0 : performance.now() - this.#startedAt);
  }
}

export class RemoteGuildVoice implements GuildVoiceLink {
  readonly #channel: WorkerChannel;
  readonly #request: VoiceJoinRequest;
  readonly #replies = new Set<RemotePlayback>();
  #gateway: DiscordGatewayAdapterImplementerMethods | undefined;
  #channelId: string | null;
  #joined = false;
  #done = false;
  readonly #joining: { resolve: () => void; reject: (error: Error) => void };
  readonly joined: Promise<this>;
  readonly #left: Promise<void>;
  #markLeft!: () => void;

  constructor(channel: WorkerChannel, request: VoiceJoinRequest) {
    this.#channel = channel;
    this.#request = request;
    this.#channelId = request.channelId;
    let joining!: { resolve: () => void; reject: (error: Error) => void };
    this.joined = new Promise<void>((resolve, reject) => {
      joining = { resolve, reject };
    }).then(() => this);
    this.#joining = joining;
    this.#left = new Promise((resolve) => {
      this.#markLeft = resolve;
    });
    const { guildId } = request;
    // discord.js forwards this guild's VOICE_SERVER_UPDATE and the bot's own VOICE_STATE_UPDATE here.
    this.#gateway = request.adapterCreator({
      onVoiceServerUpdate: (data) => channel.post({ type: 'voice-server-update', guildId, data: { ...data } }),
      onVoiceStateUpdate: (data) => {
        if (data.channel_id) this.#channelId = data.channel_id;
        channel.post({ type: 'voice-state-update', guildId, data: { ...data } });
      },
      destroy: () => channel.post({ type: 'adapter-destroy', guildId }),
    });
    channel.post({ type: 'join', guildId, channelId: request.channelId, botUserId: request.botUserId, ignoredUsers: [...request.ignoredUsers] });
  }

  get channelId(): string | null {
    return this.#channelId;
  }

  get workerId(): number {
    return this.#channel.workerId;
  }

  get modelStreamer(): ReplyStreamer | undefined {
    return this.#channel.modelStreamer;
  }

  startReply(options: ReplyOptions): PlaybackHandle {
    const reply = new RemotePlayback(this.#channel, this.#request.guildId, options);
    if (this.#done) reply.abandon();
    else {
      this.#replies.add(reply);
      void reply.finished.then(() => this.#replies.delete(reply));
    }
    return reply;
  }

  ignore(userId: string): void {
    if (!this.#done) this.#channel.post({ type: 'ignore-user', guildId: this.#request.guildId, userId });
  }

  forget(userId: string): void {
    if (!this.#done) this.#channel.post({ type: 'forget-user', guildId: this.#request.guildId, userId });
  }

  leave(): Promise<void> {
    if (!this.#done) this.#channel.post({ type: 'leave', guildId: this.#request.guildId });
    return this.#left;
  }

  /** A message from the worker about this guild. */
  receive(message: Extract<FromWorker, { guildId: string }>): void {
    const { listener } = this.#request;
    switch (message.type) {
      case 'gateway-send':
        // Not sent while the gateway is down; VoiceManager (whose adapter this is) rejoins once it is back.
        if (!this.#gateway?.sendPayload(message.payload)) this.#request.log.warn({ op: message.payload.op }, 'gateway not ready: voice payload not sent');
        return;
      case 'adapter-destroyed':
        this.#releaseGateway();
        return;
      case 'joined':
        this.#joined = true;
        this.#joining.resolve();
        return;
      case 'join-failed':
        this.#finish();
        this.#joining.reject(new BotError(message.message, { userMessage: message.userMessage }));
        return;
      case 'speech-start':
        if (this.#joined) listener.onSpeechStart(message.userId);
        return;
      case 'utterance':
        if (this.#joined) listener.onUtterance({ speakerId: message.userId, samples: new Int16Array(message.pcm), endedAtMs: fromEpoch(message.endedAt) });
        return;
      case 'tentative-end':
        if (this.#joined) listener.onTentativeEnd({ speakerId: message.userId, samples: new Int16Array(message.pcm), endedAtMs: fromEpoch(message.endedAt) });
        return;
      case 'resumed':
        if (this.#joined) listener.onResumed(message.userId);
        return;
      case 'gone':
        this.#finish();
        if (this.#joined) listener.onGone(message.reason);
        return;
    }
  }

  /** The worker holding this guild died. */
  lost(reason: string): void {
    if (this.#done) return;
    this.#finish();
    if (this.#joined) this.#request.listener.onLost(reason);
    else
      this.#joining.reject(
        new BotError(`voice worker died while joining: ${reason}`, { userMessage: "I couldn't connect to the voice channel. Please try again." }),
      );
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#releaseGateway();
    for (const reply of this.#replies) reply.abandon();
    this.#markLeft();
  }

  #releaseGateway(): void {
    const gateway = this.#gateway;
    this.#gateway = undefined;
    gateway?.destroy();
  }
}
