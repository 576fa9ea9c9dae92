/**
 * Every guild's voice conversation: joins and leaves, wires each guild's voice link (a GuildVoice here, or its
 * proxy in a voice worker) to its VoiceSession, follows members coming and going, rejoins when a voice worker
 * dies, and leaves by itself when no human has been in the channel for a while.
 */
import { ChannelType, Events, type Client, type Guild, type VoiceBasedChannel, type VoiceState } from 'discord.js';
import type { Config, OmniSettings } from '../../config/config.ts';
import { BotError, InvalidInputError } from '../../errors.ts';
import { GuildSpeaker } from '../../playback/GuildSpeaker.ts';
import { LiveSpeech } from '../../playback/LiveSpeech.ts';
import { speakOnce } from '../../playback/speakOnce.ts';
import type { Logger } from '../../log.ts';
import { findVoice } from '../../omni/catalogue.ts';
import type { ReplyStreamer } from '../../omni/client.ts';
import { VoiceSession, type SessionState, type Utterance } from '../../session/VoiceSession.ts';
import { type CostControl, VOICE_ADMISSION_WAIT_MS } from '../../session/CostControl.ts';
import type { StoreCache } from '../../store/StoreCache.ts';
import type { PlaybackHandle, VoiceOutput } from '../../playback/VoiceOutput.ts';
import type { HeardSpeech } from './GuildVoice.ts';
import type { GuildVoiceLink, VoiceHost } from './VoiceHost.ts';

/**
 * How long a preview or a spoken chat answer waits for the conversation and the speaker to be quiet before
 * asking the model (ms); past it a preview is refused and a chat answer stays text. This check only saves a
 * request: the guild's speaker is what keeps them from playing over anything.
 */
const BUSY_WAIT_MS = 3_000;
const BUSY_REFUSAL = "I'm talking right now; try the preview in a moment.";
const PREVIEW_PROMPT = 'In one short, friendly sentence, introduce your voice to the people in this channel.';

export interface GuildConversation {
  /** The guild's voice link; nothing plays on it directly: every sound goes through `speaker`. */
  voice: GuildVoiceLink;
  readonly session: VoiceSession;
  /** The one owner of the guild's audio output: replies, spoken chat answers and previews go through it. */
  readonly speaker: GuildSpeaker;
  idleTimer: NodeJS.Timeout | undefined;
  /** Rejoins run one after another (a worker may die while the gateway is reconnecting). */
  rejoining: Promise<void>;
}

/**
 * Stands in for a guild's voice while it rejoins (its worker died, or the gateway lost its session): replies
 * go nowhere and finish at once, and leaving ends the conversation.
 */
class OfflineVoice implements GuildVoiceLink {
  readonly channelId: string | null;
  readonly workerId = undefined;
  readonly #onLeave: () => void;

  constructor(channelId: string | null, onLeave: () => void) {
    this.channelId = channelId;
    this.#onLeave = onLeave;
  }

  startReply(): PlaybackHandle {
    return { push() {}, end() {}, stop() {}, started: false, receivedMs: 0, finished: Promise.resolve(0) };
  }

  ignore(): void {}
  forget(): void {}

  async leave(): Promise<void> {
    this.#onLeave();
  }
}

/** People (not bots) in a voice channel: the bot stays, and comes back after a restart, only for them. */
function humansIn(channel: VoiceBasedChannel): number {
  return channel.members.filter((member) => !member.user.bot).size;
}

/** How long shutdown waits for every guild to have left its channel (ms). */
const LEAVE_ALL_TIMEOUT_MS = 3_000;
const REJOINED_NOTICE = 'My voice connection restarted; if I missed what you just said, please say it again.';
/** A rejoin after the gateway came back is mentioned in chat only when the bot was away this long (ms). */
const GATEWAY_NOTICE_AFTER_MS = 3_000;
const RESTARTED_NOTICE = "I'm back after a restart. If you said something just now, please say it again.";
const REJOIN_FAILED_NOTICE = 'I lost my voice connection and could not get back in: use /join to call me again.';

export interface VoiceManagerOptions {
  readonly client: Client<true>;
  readonly config: Config & { omni: OmniSettings };
  readonly omni: ReplyStreamer;
  readonly cache: StoreCache;
  readonly costs: CostControl;
  readonly log: Logger;
  /** Where voice connections live: the main thread or the voice worker pool. */
  readonly host: VoiceHost;
}

export class VoiceManager {
  readonly #options: VoiceManagerOptions;
  readonly #conversations = new Map<string, GuildConversation>();
  readonly #joining = new Set<string>();
  readonly #sessionWatchers: Array<(guildId: string, session: VoiceSession) => void> = [];
  /** Guilds whose voice connection asked the gateway for something (op 4) while it was down. */
  readonly #unsignalled = new Set<string>();
  /** Set by a shutdown's leaveAll: channels left then are remembered, to go back to on the next start. */
  #shuttingDown = false;
  /** When a gateway shard started reconnecting (performance.now()); undefined while the gateway is up. */
  #gatewayDownSince: number | undefined;

  constructor(options: VoiceManagerOptions) {
    this.#options = options;
    options.client.on(Events.VoiceStateUpdate, (before, after) => this.#onVoiceState(before, after));
    options.client.on(Events.ShardReconnecting, () => {
      this.#gatewayDownSince ??= performance.now();
    });
    options.client.on(Events.ShardResume, (shardId) => this.#onGatewayBack(shardId, false));
    // After the first login, ShardReady means a new gateway session: voice states of the old one are gone.
    options.client.on(Events.ShardReady, (shardId) => this.#onGatewayBack(shardId, true));
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
    this.#joining.add(guildId);
    try {
      await existing?.voice.leave();
      const { config, cache, costs, omni, log } = this.#options;
      const model = config.omni.model;
      const guildLog = log.child({ guild: guildId });
      // The server's settings in memory before the first turn needs them.
      void cache.warm(undefined, guildId);
      let voice: GuildVoiceLink = await this.#connect(channel, guildLog);
      // The speaker keeps this output across a rejoin (a new voice link after a worker died).
      const output: VoiceOutput = { startReply: (options) => voice.startReply(options) };
      const speaker = new GuildSpeaker(output);
      const session = new VoiceSession({
        // The model's replies are read where the guild's voice is (its worker), so their audio goes straight to the player there.
        omni: { stream: (request, options) => (voice.modelStreamer ?? omni).stream(request, options) },
        model,
        botName: channel.guild.members.me?.displayName ?? this.#options.client.user.username,
        speaker,
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
          admit: (userId) => costs.check(userId, guildId),
          confirmAdmission: (userId) => costs.admitShared(userId, guildId, VOICE_ADMISSION_WAIT_MS),
          recordUsage: (userId, usage, speculative) => costs.record(userId, guildId, usage, speculative),
          speculate: () => config.voice.speculationMs > 0 && cache.guildSettings(guildId).speculation !== false,
          transcriptEnabled: () => cache.guildSettings(guildId).transcript.enabled,
        },
      });
      const conversation: GuildConversation = {
        get voice() {
          return voice;
        },
        set voice(next) {
          voice = next;
        },
        session,
        speaker,
        idleTimer: undefined,
        rejoining: Promise.resolve(),
      };
      this.#conversations.set(guildId, conversation);
      for (const watch of this.#sessionWatchers) watch(guildId, session);
      this.#checkOccupancy(channel.guild);
      this.#remember(guildId, channel.id);
      guildLog.info({ channel: channel.id, worker: voice.workerId }, 'joined voice');
      return 'joined';
    } finally {
      this.#joining.delete(guildId);
    }
  }

  /** The guild's voice link to `channel`, its events going to whichever conversation holds that link. */
  async #connect(channel: VoiceBasedChannel, log: Logger): Promise<GuildVoiceLink> {
    const { guild } = channel;
    const ours = (): GuildConversation | undefined => {
      const conversation = this.#conversations.get(guild.id);
      return conversation?.voice === link ? conversation : undefined;
    };
    let link: GuildVoiceLink | undefined;
    link = await this.#options.host.join({
      guildId: guild.id,
      channelId: channel.id,
      botUserId: this.#options.client.user.id,
      adapterCreator: (methods) => {
        const gateway = guild.voiceAdapterCreator(methods);
        return {
          sendPayload: (payload) => {
            const sent = gateway.sendPayload(payload);
            // The connection needed the gateway while it was down: rejoin when it is back.
            if (!sent) this.#unsignalled.add(guild.id);
            return sent;
          },
          destroy: () => gateway.destroy(),
        };
      },
      ignoredUsers: guild.members.cache.filter((member) => member.user.bot).map((member) => member.id),
      log,
      listener: {
        onSpeechStart: (userId) => {
          void this.#options.cache.warm(userId, guild.id);
          ours()?.session.onSpeechStart(userId);
        },
        onUtterance: (speech) => ours()?.session.onUtterance(this.#named(guild, speech)),
        onTentativeEnd: (speech) => ours()?.session.onTentativeEnd(this.#named(guild, speech)),
        onResumed: (userId) => ours()?.session.onResumed(userId),
        onGone: (reason) => {
          const conversation = ours();
          if (!conversation) return;
          // Out of the channel while the gateway is down: rejoin when it is back, keeping the conversation.
          if (this.#gatewayDownSince !== undefined) this.#goOffline(guild.id, conversation);
          else this.#onGone(guild.id, reason);
        },
        onLost: (reason) => {
          const conversation = ours();
          if (conversation) this.#rejoin(guild, conversation, { reason, since: performance.now(), noticeAfterMs: 0 });
        },
      },
    });
    return link;
  }

  /** A heard speech with the speaker's name in this server. */
  #named(guild: Guild, speech: HeardSpeech): Utterance {
    return { ...speech, speakerName: guild.members.cache.get(speech.speakerId)?.displayName ?? 'Someone' };
  }

  /** The conversation loses its voice link (and the turn in progress) until it rejoins. */
  #goOffline(guildId: string, conversation: GuildConversation): GuildVoiceLink {
    const previous = conversation.voice;
    conversation.voice = new OfflineVoice(previous.channelId, () => this.#onGone(guildId, 'left the voice channel'));
    conversation.session.interrupt();
    // Nothing may keep the output waiting for audio the old link will never finish playing.
    conversation.speaker.stopAll();
    return previous;
  }

  /**
   * A gateway shard is back: rejoin its guilds that lost voice or could not signal meanwhile, or all of them
   * on a new session.
   */
  #onGatewayBack(shardId: number, newSession: boolean): void {
    const since = this.#gatewayDownSince ?? performance.now();
    this.#gatewayDownSince = undefined;
    for (const [guildId, conversation] of this.#conversations) {
      const guild = this.#options.client.guilds.cache.get(guildId);
      if (!guild || guild.shardId !== shardId) continue;
      if (!newSession && !(conversation.voice instanceof OfflineVoice) && !this.#unsignalled.has(guildId)) continue;
      this.#rejoin(guild, conversation, { reason: newSession ? 'new gateway session' : 'gateway resumed', since, noticeAfterMs: GATEWAY_NOTICE_AFTER_MS });
    }
  }

  /**
   * Joins the guild's channel again, keeping the conversation (session, history, queue): after its voice
   * worker died, or when the gateway came back. Says so in the channel's chat when the bot was away a while.
   */
  #rejoin(guild: Guild, conversation: GuildConversation, why: { reason: string; since: number; noticeAfterMs: number }): void {
    conversation.rejoining = conversation.rejoining.then(() => this.#rejoinNow(guild, conversation, why));
  }

  async #rejoinNow(guild: Guild, conversation: GuildConversation, why: { reason: string; since: number; noticeAfterMs: number }): Promise<void> {
    if (this.#conversations.get(guild.id) !== conversation) return;
    this.#unsignalled.delete(guild.id);
    const log = this.#options.log.child({ guild: guild.id });
    log.warn({ reason: why.reason }, 'voice connection lost: rejoining');
    const previous = this.#goOffline(guild.id, conversation);
    const placeholder = conversation.voice;
    // A live link leaves its channel first (its op 4 may belong to a dead session); an offline one has nothing to leave.
    if (!(previous instanceof OfflineVoice)) await previous.leave();
    const target = placeholder.channelId ? guild.channels.cache.get(placeholder.channelId) : undefined;
    if (!target?.isVoiceBased()) return this.#onGone(guild.id, why.reason);
    try {
      const voice = await this.#connect(target, log);
      if (this.#conversations.get(guild.id) !== conversation || conversation.voice !== placeholder) {
        await voice.leave();
        return;
      }
      conversation.voice = voice;
      log.info({ channel: target.id, worker: voice.workerId, ms: Math.round(performance.now() - why.since) }, 'rejoined voice');
      if (performance.now() - why.since >= why.noticeAfterMs) void this.#post(target, REJOINED_NOTICE);
    } catch (error) {
      log.warn({ err: error }, 'could not rejoin voice');
      void this.#post(target, REJOIN_FAILED_NOTICE);
      this.#onGone(guild.id, 'rejoin failed');
    }
  }

  /** Speaks a short line in `voiceName` in the guild's voice channel (outside the conversation's history). */
  async preview(guildId: string, voiceName: string, requestedBy: string): Promise<void> {
    const conversation = this.#conversations.get(guildId);
    if (!conversation) throw new InvalidInputError("I'm not in a voice channel here: /join first, then preview.");
    if (!(await this.#untilQuiet(conversation))) throw new InvalidInputError(BUSY_REFUSAL);
    const { costs, config, omni } = this.#options;
    const refusal = await costs.admitShared(requestedBy, guildId);
    if (refusal) throw new InvalidInputError(refusal);
    const spoken = await speakOnce({
      omni,
      speaker: conversation.speaker,
      speech: { kind: 'preview', jitterMs: config.voice.jitterBufferMs },
      request: { model: config.omni.model, voice: voiceName, turns: [{ role: 'user', text: PREVIEW_PROMPT }] },
      onUsage: (usage) => costs.record(requestedBy, guildId, usage),
    });
    // It never got the output: a reply held it past the preview's wait, or someone started talking first.
    if (spoken.refused) throw new InvalidInputError(BUSY_REFUSAL);
  }

  /**
   * Speech in the guild's voice channel for an answer given in chat, when the bot is in a voice channel there
   * and the person asking is in it too; undefined otherwise (the answer stays text, as when the bot is still
   * busy talking after a short wait). It plays through the guild's speaker, after any reply, never over one.
   */
  async speechFor(guildId: string, askerChannelId: string | null | undefined): Promise<LiveSpeech | undefined> {
    const conversation = this.#conversations.get(guildId);
    if (!conversation || !askerChannelId || conversation.voice.channelId !== askerChannelId) return undefined;
    if (!(await this.#untilQuiet(conversation))) return undefined;
    return new LiveSpeech(conversation.speaker, { kind: 'chat', jitterMs: this.#options.config.voice.jitterBufferMs });
  }

  /** Waits (briefly) for the conversation to listen and the speaker to be quiet; false if they are still busy. */
  async #untilQuiet(conversation: GuildConversation): Promise<boolean> {
    const deadline = performance.now() + BUSY_WAIT_MS;
    if (!(await this.#untilListening(conversation.session, BUSY_WAIT_MS))) return false;
    return conversation.speaker.untilQuiet(Math.max(0, deadline - performance.now()));
  }

  /** Waits up to `maxWaitMs` for the session to finish what it is doing; false if it is still busy. */
  async #untilListening(session: VoiceSession, maxWaitMs: number): Promise<boolean> {
    if (session.state.status === 'listening') return true;
    const listening = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => done(false), maxWaitMs);
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
    void conversation.voice.leave();
    return true;
  }

  /**
   * Leaves every channel (op 4 leave sent for each) for a shutdown; resolves once all are out, or after a few
   * seconds. The channels stay remembered, so the next start goes back to them (rejoinRemembered).
   */
  async leaveAll(): Promise<void> {
    this.#shuttingDown = true;
    const left = [...this.#conversations.values()].map((conversation) => conversation.voice.leave());
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, LEAVE_ALL_TIMEOUT_MS);
    });
    await Promise.race([Promise.all(left), deadline]);
    clearTimeout(timer);
  }

  #onGone(guildId: string, reason: string): void {
    const conversation = this.#conversations.get(guildId);
    if (!conversation) return;
    clearTimeout(conversation.idleTimer);
    conversation.session.destroy();
    conversation.speaker.close();
    this.#conversations.delete(guildId);
    // Left on purpose (/leave, nobody left, kicked, the channel gone): not a place to come back to.
    if (!this.#shuttingDown) this.#remember(guildId, null);
    this.#options.log.info({ guild: guildId, reason }, 'left voice');
  }

  /**
   * After a start: goes back to the voice channels this bot was in before it stopped (a deploy, a crash, a
   * shard restarted by its supervisor), for the servers this process serves, when someone is still there,
   * and says so in the channel's chat. Remembered channels nobody is in any more are forgotten.
   */
  async rejoinRemembered(): Promise<void> {
    const { client, cache, log } = this.#options;
    let remembered: Awaited<ReturnType<typeof cache.store.voiceChannels.list>>;
    try {
      remembered = await cache.store.voiceChannels.list();
    } catch (error) {
      log.warn({ err: error }, 'could not read the voice channels to go back to');
      return;
    }
    await Promise.all(
      remembered.map(async ({ guildId, channelId }) => {
        const guild = client.guilds.cache.get(guildId);
        if (!guild) return; // another shard's server, or the bot was removed from it
        const channel = guild.channels.cache.get(channelId);
        if (!channel?.isVoiceBased() || humansIn(channel) === 0) {
          this.#remember(guildId, null);
          return;
        }
        try {
          await this.join(channel);
          void this.#post(channel, RESTARTED_NOTICE);
        } catch (error) {
          log.warn({ err: error, guild: guildId }, 'could not go back to the voice channel after a restart');
        }
      }),
    );
  }

  /** Writes down the voice channel the bot is in (null: none), in the background: voice never waits for it. */
  #remember(guildId: string, channelId: string | null): void {
    this.#options.cache.store.voiceChannels.set(guildId, channelId).catch((error: unknown) => {
      this.#options.log.warn({ err: error, guild: guildId }, 'could not save the voice channel the bot is in');
    });
  }

  #onVoiceState(before: VoiceState, after: VoiceState): void {
    const conversation = this.#conversations.get(after.guild.id);
    if (!conversation) return;
    if (after.id === this.#options.client.user.id) {
      // Moved by someone with Move Members: that is where to come back to.
      if (after.channelId && after.channelId !== before.channelId) this.#remember(after.guild.id, after.channelId);
      return;
    }
    const botChannel = conversation.voice.channelId;
    if (after.member?.user.bot) conversation.voice.ignore(after.id);
    if (before.channelId === botChannel && after.channelId !== botChannel) conversation.voice.forget(after.id);
    this.#checkOccupancy(after.guild);
  }

  /** Starts the idle-leave timer when only bots are left in the channel, cancels it when a human is back. */
  #checkOccupancy(guild: Guild): void {
    const conversation = this.#conversations.get(guild.id);
    if (!conversation) return;
    const channel = conversation.voice.channelId ? guild.channels.cache.get(conversation.voice.channelId) : undefined;
    if (channel?.isVoiceBased() && humansIn(channel) > 0) {
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
