/**
 * Every guild's voice conversation: joins and leaves, wires each GuildVoice to its VoiceSession, follows
 * members coming and going, and leaves by itself when no human has been in the channel for a while.
 */
import { ChannelType, Events, type Client, type Guild, type VoiceBasedChannel, type VoiceState } from 'discord.js';
import type { Config, OmniSettings } from '../../config/config.ts';
import { BotError, InvalidInputError } from '../../errors.ts';
import { LiveSpeech } from '../../playback/LiveSpeech.ts';
import { speakOnce } from '../../playback/speakOnce.ts';
import type { Logger } from '../../log.ts';
import { findVoice } from '../../omni/catalogue.ts';
import type { ReplyStreamer } from '../../session/VoiceSession.ts';
import { VoiceSession, type SessionState } from '../../session/VoiceSession.ts';
import type { CostControl } from '../../session/CostControl.ts';
import type { SpeechDetector } from '../../receive/SpeakerListener.ts';
import type { StoreCache } from '../../store/StoreCache.ts';
import { GuildVoice } from './GuildVoice.ts';

/** How long a preview or a spoken chat answer waits for a reply in progress to finish (ms). */
const BUSY_WAIT_MS = 3_000;
const PREVIEW_PROMPT = 'In one short, friendly sentence, introduce your voice to the people in this channel.';

export interface GuildConversation {
  readonly voice: GuildVoice;
  readonly session: VoiceSession;
  idleTimer: NodeJS.Timeout | undefined;
}

export interface VoiceManagerOptions {
  readonly client: Client<true>;
  readonly config: Config & { omni: OmniSettings };
  readonly omni: ReplyStreamer;
  readonly cache: StoreCache;
  readonly costs: CostControl;
  readonly log: Logger;
  readonly createDetector: () => SpeechDetector;
}

export class VoiceManager {
  readonly #options: VoiceManagerOptions;
  readonly #conversations = new Map<string, GuildConversation>();
  readonly #joining = new Set<string>();
  readonly #sessionWatchers: Array<(guildId: string, session: VoiceSession) => void> = [];

  constructor(options: VoiceManagerOptions) {
    this.#options = options;
    options.client.on(Events.VoiceStateUpdate, (before, after) => this.#onVoiceState(before, after));
  }

  get(guildId: string): GuildConversation | undefined {
    return this.#conversations.get(guildId);
  }

  /** Servers where the bot is in a voice channel. */
  get size(): number {
    return this.#conversations.size;
  }

  /** Calls `watcher` with each conversation's session when it starts (metrics, diagnostics). */
  onSession(watcher: (guildId: string, session: VoiceSession) => void): void {
    this.#sessionWatchers.push(watcher);
  }

  /** Joins `channel` (moving there if the bot is elsewhere in the guild); resolves when it can listen. */
  async join(channel: VoiceBasedChannel): Promise<'joined' | 'already-there'> {
    const guildId = channel.guild.id;
    const existing = this.#conversations.get(guildId);
    if (existing?.voice.channelId === channel.id) return 'already-there';
    if (this.#joining.has(guildId)) throw new BotError('join already in progress', { userMessage: 'I am already joining a voice channel here.' });
    existing?.voice.leave();
    this.#joining.add(guildId);
    try {
      const { config, cache, costs, omni, log } = this.#options;
      const model = config.omni.model;
      const guildLog = log.child({ guild: guildId });
      // The server's settings in memory before the first turn needs them.
      void cache.warm(undefined, guildId);
      let session: VoiceSession | undefined;
      const voice = await GuildVoice.join({
        channel,
        botUserId: this.#options.client.user.id,
        log: guildLog,
        createDetector: this.#options.createDetector,
        decryptionFailureTolerance: config.voice.decryptionFailureTolerance,
        speculationMs: config.voice.speculationMs,
        listener: {
          onSpeechStart: (userId) => {
            void cache.warm(userId, guildId);
            session?.onSpeechStart(userId);
          },
          onUtterance: (utterance) => session?.onUtterance(utterance),
          onTentativeEnd: (utterance) => session?.onTentativeEnd(utterance),
          onResumed: (userId) => session?.onResumed(userId),
          onGone: (reason) => this.#onGone(guildId, reason),
        },
      });
      session = new VoiceSession({
        omni,
        model,
        botName: channel.guild.members.me?.displayName ?? this.#options.client.user.username,
        output: voice,
        log: guildLog,
        jitterMs: config.voice.jitterBufferMs,
        firstAudioTimeoutMs: config.voice.firstAudioTimeoutMs,
        maxReplyMs: config.voice.maxReplyMs,
        chat: { post: (text) => void this.#post(channel, text), typing: () => void this.#typing(channel) },
        policy: {
          listenMode: () => {
            const { listen } = cache.guildSettings(guildId);
            return listen.mode === 'only-me' ? { mode: listen.mode, userId: listen.userId } : { mode: listen.mode };
          },
          voiceFor: (userId) => cache.resolveVoice(userId, guildId, config.omni.defaultVoice, (name) => findVoice(model, name) !== undefined).voice,
          persona: () => cache.guildSettings(guildId).persona ?? undefined,
          admit: (userId) => costs.admit(userId, guildId),
          recordUsage: (userId, usage, speculative) => costs.record(userId, guildId, usage, speculative),
          speculate: () => config.voice.speculationMs > 0 && cache.guildSettings(guildId).speculation !== false,
          transcriptEnabled: () => cache.guildSettings(guildId).transcript.enabled,
        },
      });
      this.#conversations.set(guildId, { voice, session, idleTimer: undefined });
      for (const watch of this.#sessionWatchers) watch(guildId, session);
      this.#checkOccupancy(channel.guild);
      guildLog.info({ channel: channel.id }, 'joined voice');
      return 'joined';
    } finally {
      this.#joining.delete(guildId);
    }
  }

  /** Speaks a short line in `voiceName` in the guild's voice channel (outside the conversation's history). */
  async preview(guildId: string, voiceName: string, requestedBy: string): Promise<void> {
    const conversation = this.#conversations.get(guildId);
    if (!conversation) throw new InvalidInputError("I'm not in a voice channel here: /join first, then preview.");
    if (!(await this.#untilListening(conversation))) throw new InvalidInputError("I'm talking right now; try the preview in a moment.");
    const { costs, config, omni } = this.#options;
    const refusal = costs.admit(requestedBy, guildId);
    if (refusal) throw new InvalidInputError(refusal);
    await speakOnce({
      omni,
      output: conversation.voice,
      jitterMs: config.voice.jitterBufferMs,
      request: { model: config.omni.model, voice: voiceName, turns: [{ role: 'user', text: PREVIEW_PROMPT }] },
      onUsage: (usage) => costs.record(requestedBy, guildId, usage),
    });
  }

  /**
   * Speech in the guild's voice channel for an answer given in chat, when the bot is in a voice channel there
   * and the person asking is in it too; undefined otherwise (the answer stays text). Waits briefly for a
   * reply in progress rather than talk over it.
   */
  async speechFor(guildId: string, askerChannelId: string | null | undefined): Promise<LiveSpeech | undefined> {
    const conversation = this.#conversations.get(guildId);
    if (!conversation || !askerChannelId || conversation.voice.channelId !== askerChannelId) return undefined;
    if (!(await this.#untilListening(conversation))) return undefined;
    return new LiveSpeech(conversation.voice, this.#options.config.voice.jitterBufferMs);
  }

  /** Waits (briefly) for the session to finish what it is saying; false if it is still busy. */
  async #untilListening(conversation: GuildConversation): Promise<boolean> {
    const { session } = conversation;
    if (session.state.status === 'listening') return true;
    const listening = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => done(false), BUSY_WAIT_MS);
      const onChange = (_old: SessionState, next: SessionState): void => {
        if (next.status === 'listening' || next.status === 'destroyed') done(next.status === 'listening');
      };
      const done = (result: boolean): void => {
        clearTimeout(timer);
        session.off('stateChange', onChange);
        resolve(result);
      };
      session.on('stateChange', onChange);
    });
    return listening;
  }

  /** Leaves the guild's voice channel; false when the bot was not in one. */
  leave(guildId: string): boolean {
    const conversation = this.#conversations.get(guildId);
    if (!conversation) return false;
    conversation.voice.leave();
    return true;
  }

  leaveAll(): void {
    for (const guildId of [...this.#conversations.keys()]) this.leave(guildId);
  }

  #onGone(guildId: string, reason: string): void {
    const conversation = this.#conversations.get(guildId);
    if (!conversation) return;
    clearTimeout(conversation.idleTimer);
    conversation.session.destroy();
    this.#conversations.delete(guildId);
    this.#options.log.info({ guild: guildId, reason }, 'left voice');
  }

  #onVoiceState(before: VoiceState, after: VoiceState): void {
    const conversation = this.#conversations.get(after.guild.id);
    if (!conversation || after.id === this.#options.client.user.id) return;
    const botChannel = conversation.voice.channelId;
    if (before.channelId === botChannel && after.channelId !== botChannel) conversation.voice.forget(after.id);
    this.#checkOccupancy(after.guild);
  }

  /** Starts the idle-leave timer when only bots are left in the channel, cancels it when a human is back. */
  #checkOccupancy(guild: Guild): void {
    const conversation = this.#conversations.get(guild.id);
    if (!conversation) return;
    const channel = conversation.voice.channelId ? guild.channels.cache.get(conversation.voice.channelId) : undefined;
    const humans = channel?.isVoiceBased() ? channel.members.filter((member) => !member.user.bot).size : 0;
    if (humans > 0) {
      clearTimeout(conversation.idleTimer);
      conversation.idleTimer = undefined;
    } else if (!conversation.idleTimer) {
      conversation.idleTimer = setTimeout(() => this.leave(guild.id), this.#options.config.voice.idleLeaveMs).unref();
    }
  }

  async #typing(channel: VoiceBasedChannel): Promise<void> {
    try {
      await channel.sendTyping();
    } catch (error) {
      this.#options.log.debug({ err: error, channel: channel.id }, 'could not show typing in the voice channel chat');
    }
  }

  async #post(channel: VoiceBasedChannel, text: string): Promise<void> {
    try {
      if (channel.type === ChannelType.GuildVoice || channel.type === ChannelType.GuildStageVoice) {
        await channel.send({ content: text.slice(0, 2000), allowedMentions: { parse: [] } });
      }
    } catch (error) {
      this.#options.log.warn({ err: error, channel: channel.id }, 'could not post in the voice channel chat');
    }
  }
}
