/** A simulated member of one guild: joins voice, runs slash commands, speaks, posts messages. */
import type { Cdn, SimFile } from './cdn.ts';
import type { SimClock } from './clock.ts';
import type { GatewayServer } from './gateway.ts';
import { randomToken, snowflake } from './ids.ts';
import { SimInteraction } from './interactions.ts';
import { FLAG_VOICE_MESSAGE, type MessageStore } from './messages.ts';
import type { RestServer } from './rest.ts';
import { commandData, rawCommandData } from './slash.ts';
import type { RawOption, SlashValue } from './slash.ts';
import { encodeOpusFrames, loadSpeech } from './speech.ts';
import type { SayOptions } from './speech.ts';
import type { VoiceServer } from './voice.ts';
import { CHANNEL_TEXT, CHANNEL_VOICE, EVERYONE_PERMISSIONS, INTENTS } from './world.ts';
import type { GuildRecord, World } from './world.ts';

/** The simulator's parts a user acts through. */
export interface SimCore {
  readonly world: World;
  readonly clock: SimClock;
  readonly cdn: Cdn;
  readonly gateway: GatewayServer;
  readonly voice: VoiceServer;
  readonly rest: RestServer;
  readonly messages: MessageStore;
  readonly interactions: Map<string, SimInteraction>;
}

/** What `post()` sends. Mentions come from `<@id>` in the content (see `Simulator.botMention`). */
export interface PostOptions {
  readonly content?: string;
  readonly attachments?: readonly SimFile[];
  /** Text channel name or id; the guild's first text channel by default. */
  readonly channel?: string;
  /** Replies to this message (pinging its author, as Discord's clients do by default). */
  readonly replyTo?: string;
  /** Sends a voice message (Ogg Opus with its duration and waveform) instead of text and attachments. */
  readonly voiceMessage?: { readonly data: Uint8Array; readonly durationSecs: number; readonly waveform: string };
}

/** A simulated user, as a member of one guild. */
export class SimUser {
  readonly id: string;
  readonly name: string;
  readonly guild: GuildRecord;
  private readonly core: SimCore;

  constructor(core: SimCore, guild: GuildRecord, userId: string) {
    this.core = core;
    this.guild = guild;
    this.id = userId;
    this.name = core.world.findUser(userId)!.username;
  }

  /** The voice channel id the user is in, or null. */
  get voiceChannelId(): string | null {
    return this.core.world.voiceChannelOf(this.guild, this.id);
  }

  /** Joins (or moves to) a voice channel: VOICE_STATE_UPDATE to the bot, op 11/13 on its voice session. */
  async joinVoice(channel: string): Promise<void> {
    const target = this.core.world.channel(this.guild, channel, CHANNEL_VOICE);
    await this.setVoiceChannel(target.id);
  }

  /** Leaves voice. */
  async leaveVoice(): Promise<void> {
    await this.setVoiceChannel(null);
  }

  /**
   * Runs a registered slash command (`'join'`, or `'voice set'` for a subcommand) in a text channel;
   * resolves once INTERACTION_CREATE is sent. Await `.reply()` on the result for the bot's answer.
   */
  async slash(command: string, options: Readonly<Record<string, SlashValue>> = {}, context: { readonly channel?: string } = {}): Promise<SimInteraction> {
    const { world, rest, cdn } = this.core;
    const [name = '', ...path] = command.trim().split(/\s+/);
    const registered = rest.commands.get(this.guild.id)?.find((c) => c.name === name) ?? rest.commands.get('global')?.find((c) => c.name === name);
    if (!registered) throw new Error(`/${name} is not registered (global or in ${this.guild.name}), so a user cannot run it`);
    const channel = this.textChannel(context.channel);
    const data = commandData(world, cdn, this.guild, channel.id, registered, path, options);
    return this.dispatchCommand([name, ...path].join(' '), data, channel);
  }

  /**
   * Sends a slash command exactly as given, unchecked: what a client with a stale copy of the commands (or a
   * hand-made request) can send. The command need not be registered.
   */
  async slashRaw(name: string, options: readonly RawOption[], context: { readonly channel?: string } = {}): Promise<SimInteraction> {
    const { world, rest, cdn } = this.core;
    const registered = rest.commands.get(this.guild.id)?.find((c) => c.name === name) ?? rest.commands.get('global')?.find((c) => c.name === name);
    const channel = this.textChannel(context.channel);
    const data = rawCommandData(world, cdn, this.guild, channel.id, registered ?? { id: snowflake(), name }, options);
    return this.dispatchCommand(name, data, channel);
  }

  private async dispatchCommand(commandName: string, data: Record<string, unknown>, channel: ReturnType<SimUser['textChannel']>): Promise<SimInteraction> {
    const { world, clock, gateway } = this.core;
    const interaction = new SimInteraction({
      id: snowflake(),
      token: `aW50ZXJhY3Rpb24${randomToken(48)}`,
      commandName,
      type: 2,
      userId: this.id,
      guildId: this.guild.id,
      channelId: channel.id,
      createdAt: clock.now(),
      store: this.core.messages,
    });
    this.core.interactions.set(interaction.id, interaction);
    await gateway.dispatch('INTERACTION_CREATE', {
      id: interaction.id,
      application_id: world.applicationId,
      type: 2,
      data,
      guild_id: this.guild.id,
      guild: { id: this.guild.id, locale: 'en-US', features: [] },
      channel_id: channel.id,
      channel: world.channelPayload(channel),
      member: { ...world.memberPayload(this.guild, this.id), permissions: world.permissionsOf(this.guild, this.id) },
      token: interaction.token,
      version: 1,
      app_permissions: EVERYONE_PERMISSIONS,
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': this.guild.id },
      context: 0,
      attachment_size_limit: 10 * 1024 * 1024,
    });
    return interaction;
  }

  /**
   * Speaks in the user's voice channel: 48 kHz stereo PCM or a WAV file path, streamed as encrypted RTP
   * every 20 ms after a Speaking op. Resolves when the last packet is sent. The bot must be in the channel.
   */
  async say(audio: Int16Array | string, options: SayOptions = {}): Promise<void> {
    const channelId = this.voiceChannelId;
    if (!channelId) throw new Error(`${this.name} is not in a voice channel`);
    const session = this.core.voice.sessions.get(this.guild.id);
    if (!session?.ready || this.core.world.voiceChannelOf(this.guild, this.core.world.bot.id) !== channelId) {
      throw new Error(`The bot is not connected to ${this.name}'s voice channel`);
    }
    const frames = encodeOpusFrames(await loadSpeech(audio));
    await session.sendUserAudio(this.id, frames, options);
  }

  /** Posts a message (MESSAGE_CREATE). Without MESSAGE_CONTENT the bot sees content only when mentioned. Returns the message id. */
  async post(message: PostOptions): Promise<string> {
    const { world, cdn, gateway } = this.core;
    const channel = this.textChannel(message.channel);
    const content = message.content ?? '';
    const replied = message.replyTo === undefined ? undefined : this.core.messages.get(message.replyTo);
    if (message.replyTo !== undefined && !replied) throw new Error(`No message ${message.replyTo} to reply to`);
    const repliedAuthor = replied ? world.bot.id : undefined;
    const mentionIds = [...[...content.matchAll(/<@!?(\d+)>/g)].map((m) => m[1]!), ...(repliedAuthor ? [repliedAuthor] : [])].filter(
      (id, i, all) => all.indexOf(id) === i && this.guild.members.has(id),
    );
    const mentions = mentionIds.map((id) => ({ ...world.userPayload(id), member: world.memberPayload(this.guild, id, false) }));
    const voice = message.voiceMessage;
    const attachments = voice
      ? [
          {
            ...cdn.upload(channel.id, { name: 'voice-message.ogg', data: voice.data, contentType: 'audio/ogg' }),
            duration_secs: voice.durationSecs,
            waveform: voice.waveform,
          },
        ]
      : (message.attachments ?? []).map((file) => cdn.upload(channel.id, file));
    const id = snowflake();
    const intents = gateway.sessionFor(this.guild.id)?.intents ?? 0;
    // Discord blanks content, attachments and embeds unless the bot has MESSAGE_CONTENT or is mentioned.
    const visible = (intents & INTENTS.messageContent) !== 0 || mentionIds.includes(world.bot.id);
    await gateway.dispatch(
      'MESSAGE_CREATE',
      {
        id,
        channel_id: channel.id,
        guild_id: this.guild.id,
        author: world.userPayload(this.id),
        member: world.memberPayload(this.guild, this.id, false),
        content: visible ? content : '',
        timestamp: new Date().toISOString(),
        edited_timestamp: null,
        tts: false,
        mention_everyone: false,
        mentions,
        mention_roles: [],
        attachments: visible ? attachments : [],
        embeds: [],
        components: [],
        pinned: false,
        type: replied ? 19 : 0, // 19 = REPLY
        flags: voice ? FLAG_VOICE_MESSAGE : 0,
        ...(replied ? { message_reference: { type: 0, message_id: replied.id, channel_id: replied.channelId, guild_id: this.guild.id } } : {}),
        nonce: snowflake(),
      },
      INTENTS.guildMessages,
    );
    return id;
  }

  /**
   * Sends the bot a direct message (MESSAGE_CREATE in their DM channel; content is always visible in DMs).
   * Returns the DM channel id, where the bot's answers appear.
   */
  async dm(message: Pick<PostOptions, 'content' | 'attachments' | 'voiceMessage'>): Promise<string> {
    const { world, cdn, gateway } = this.core;
    const channelId = world.dmChannelOf(this.id);
    const voice = message.voiceMessage;
    const attachments = voice
      ? [
          {
            ...cdn.upload(channelId, { name: 'voice-message.ogg', data: voice.data, contentType: 'audio/ogg' }),
            duration_secs: voice.durationSecs,
            waveform: voice.waveform,
          },
        ]
      : (message.attachments ?? []).map((file) => cdn.upload(channelId, file));
    await gateway.dispatch(
      'MESSAGE_CREATE',
      {
        id: snowflake(),
        channel_id: channelId,
        channel_type: 1, // DM: lets the client build the channel it has not seen yet
        author: world.userPayload(this.id),
        content: message.content ?? '',
        timestamp: new Date().toISOString(),
        edited_timestamp: null,
        tts: false,
        mention_everyone: false,
        mentions: [],
        mention_roles: [],
        attachments,
        embeds: [],
        components: [],
        pinned: false,
        type: 0,
        flags: voice ? FLAG_VOICE_MESSAGE : 0,
        nonce: snowflake(),
      },
      INTENTS.directMessages,
    );
    return channelId;
  }

  private textChannel(name: string | undefined) {
    const { world } = this.core;
    if (name !== undefined) return world.channel(this.guild, name, CHANNEL_TEXT);
    const first = this.guild.channels.find((c) => c.type === CHANNEL_TEXT);
    if (!first) throw new Error(`${this.guild.name} has no text channel`);
    return first;
  }

  private async setVoiceChannel(channelId: string | null): Promise<void> {
    const { world, gateway, voice } = this.core;
    const previous = this.voiceChannelId;
    const state = this.guild.voiceStates.get(this.id) ?? { userId: this.id, channelId: null, sessionId: randomToken(16), selfMute: false, selfDeaf: false };
    state.channelId = channelId;
    this.guild.voiceStates.set(this.id, state);
    await gateway.dispatch('VOICE_STATE_UPDATE', world.voiceStatePayload(this.guild, state, true), INTENTS.guildVoiceStates);
    if (channelId === null) this.guild.voiceStates.delete(this.id);
    const session = voice.sessions.get(this.guild.id);
    if (!session?.ready || previous === channelId) return;
    if (previous === session.grant.channelId) await session.clientDisconnected(this.id);
    if (channelId === session.grant.channelId) await session.clientsConnected([this.id]);
  }
}
