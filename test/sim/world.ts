/**
 * The simulated Discord state (guilds, channels, users, members, voice states) and the JSON shapes
 * Discord sends for them. Payload builders follow the v10 API objects closely enough for discord.js
 * to cache them; ids are real-looking snowflakes.
 */
import { guildSnowflake, snowflake } from './ids.ts';

/** A guild the scenario wants: channel names and the (non-bot) users in it. */
export interface GuildSpec {
  readonly name: string;
  readonly textChannels?: readonly string[];
  readonly voiceChannels?: readonly string[];
  readonly users?: readonly string[];
}

export const DEFAULT_GUILDS: readonly GuildSpec[] = [{ name: 'Test Guild', textChannels: ['general'], voiceChannels: ['General'], users: ['alice', 'bob'] }];

export const CHANNEL_TEXT = 0;
export const CHANNEL_VOICE = 2;

export interface UserRecord {
  readonly id: string;
  readonly username: string;
  readonly bot: boolean;
}

export interface ChannelRecord {
  readonly id: string;
  readonly guildId: string;
  readonly name: string;
  readonly type: typeof CHANNEL_TEXT | typeof CHANNEL_VOICE;
  readonly position: number;
}

export interface VoiceStateRecord {
  readonly userId: string;
  channelId: string | null;
  sessionId: string;
  selfMute: boolean;
  selfDeaf: boolean;
}

export interface GuildRecord {
  readonly id: string;
  readonly name: string;
  readonly ownerId: string;
  readonly channels: ChannelRecord[];
  /** Member user id -> ISO join time. */
  readonly members: Map<string, string>;
  readonly voiceStates: Map<string, VoiceStateRecord>;
}

/** Gateway intent bits the simulator honours. */
export const INTENTS = {
  guilds: 1 << 0,
  guildPresences: 1 << 8,
  guildVoiceStates: 1 << 7,
  guildMessages: 1 << 9,
  directMessages: 1 << 12,
  messageContent: 1 << 15,
} as const;

const PERMISSION_BITS = [0, 6, 10, 11, 14, 15, 16, 18, 20, 21, 25, 26, 31] as const; // everyday member permissions
/** @everyone's permissions: view, send, embed, attach, history, connect, speak, voice activity, app commands, ... */
export const EVERYONE_PERMISSIONS = PERMISSION_BITS.reduce((sum, bit) => sum | (1n << BigInt(bit)), 0n).toString();

/** The owner's permissions in interactions: every bit, as Discord computes it for a guild owner. */
export const OWNER_PERMISSIONS = ((1n << 51n) - 1n).toString();

/** Everything the simulator knows about the fake Discord. */
export class World {
  readonly bot: UserRecord;
  readonly applicationId: string;
  readonly guilds: GuildRecord[] = [];
  private readonly users = new Map<string, UserRecord>();
  /** DM channel id -> the user the bot talks to there. */
  private readonly dms = new Map<string, string>();

  constructor(specs: readonly GuildSpec[]) {
    this.bot = this.addUser('Omni', true);
    // Bots created since 2020 have their user id as application id.
    this.applicationId = this.bot.id;
    for (const spec of specs) this.addGuild(spec);
  }

  private addUser(username: string, bot: boolean): UserRecord {
    const user = { id: snowflake(), username, bot };
    this.users.set(user.id, user);
    return user;
  }

  private addGuild(spec: GuildSpec): void {
    const id = guildSnowflake(this.guilds.length);
    const joined = new Date().toISOString();
    const members = new Map<string, string>([[this.bot.id, joined]]);
    for (const name of spec.users ?? []) members.set((this.findUser(name) ?? this.addUser(name, false)).id, joined);
    const channels: ChannelRecord[] = [];
    for (const name of spec.textChannels ?? ['general']) channels.push({ id: snowflake(), guildId: id, name, type: CHANNEL_TEXT, position: channels.length });
    for (const name of spec.voiceChannels ?? ['General']) channels.push({ id: snowflake(), guildId: id, name, type: CHANNEL_VOICE, position: channels.length });
    // The first simulated user owns the guild, so the bot is never the owner (it has no implicit admin).
    const ownerId = [...members.keys()].find((userId) => userId !== this.bot.id) ?? this.bot.id;
    this.guilds.push({ id, name: spec.name, ownerId, channels, members, voiceStates: new Map() });
  }

  /** A user by name (case-sensitive) or id. */
  findUser(nameOrId: string): UserRecord | undefined {
    return this.users.get(nameOrId) ?? [...this.users.values()].find((user) => user.username === nameOrId);
  }

  /** A member's computed permissions in a guild: the owner (its first user) has all, others @everyone's. */
  permissionsOf(guild: GuildRecord, userId: string): string {
    return guild.ownerId === userId ? OWNER_PERMISSIONS : EVERYONE_PERMISSIONS;
  }

  /** A guild by name or id; the first guild when omitted. Throws when unknown. */
  guild(nameOrId?: string): GuildRecord {
    const guild = nameOrId === undefined ? this.guilds[0] : this.guilds.find((g) => g.id === nameOrId || g.name === nameOrId);
    if (!guild) throw new Error(`No simulated guild ${nameOrId ?? '(none configured)'}`);
    return guild;
  }

  /** A channel by name or id within a guild, optionally of one type. Throws when unknown. */
  channel(guild: GuildRecord, nameOrId: string, type?: ChannelRecord['type']): ChannelRecord {
    const channel = guild.channels.find((c) => (c.id === nameOrId || c.name === nameOrId) && (type === undefined || c.type === type));
    if (!channel) throw new Error(`No ${type === CHANNEL_VOICE ? 'voice ' : type === CHANNEL_TEXT ? 'text ' : ''}channel ${nameOrId} in ${guild.name}`);
    return channel;
  }

  /** A channel by id in any guild. */
  channelById(id: string): ChannelRecord | undefined {
    for (const guild of this.guilds) {
      const channel = guild.channels.find((c) => c.id === id);
      if (channel) return channel;
    }
    return undefined;
  }

  /** The DM channel between the bot and a user, opened on first use. */
  dmChannelOf(userId: string): string {
    for (const [channelId, recipient] of this.dms) if (recipient === userId) return channelId;
    const channelId = snowflake();
    this.dms.set(channelId, userId);
    return channelId;
  }

  /** The user at the other end of a DM channel, or undefined when `channelId` is not a DM. */
  dmRecipient(channelId: string): string | undefined {
    return this.dms.get(channelId);
  }

  /** A DM channel as Discord describes it (type 1, one recipient). */
  dmChannelPayload(channelId: string): Record<string, unknown> {
    return { id: channelId, type: 1, last_message_id: null, flags: 0, recipients: [this.userPayload(this.dms.get(channelId)!)] };
  }

  /** The voice channel a user is in within a guild, if any. */
  voiceChannelOf(guild: GuildRecord, userId: string): string | null {
    return guild.voiceStates.get(userId)?.channelId ?? null;
  }

  /** Ids of the users in a voice channel. */
  usersInVoice(guild: GuildRecord, channelId: string): string[] {
    return [...guild.voiceStates.values()].filter((state) => state.channelId === channelId).map((state) => state.userId);
  }

  // ---- payloads ----

  userPayload(userId: string): Record<string, unknown> {
    const user = this.users.get(userId);
    if (!user) throw new Error(`Unknown user ${userId}`);
    return {
      id: user.id,
      username: user.username,
      global_name: user.bot ? null : user.username[0]!.toUpperCase() + user.username.slice(1),
      discriminator: '0',
      avatar: null,
      bot: user.bot,
      system: false,
      public_flags: 0,
      flags: 0,
    };
  }

  memberPayload(guild: GuildRecord, userId: string, withUser = true): Record<string, unknown> {
    const joinedAt = guild.members.get(userId);
    if (!joinedAt) throw new Error(`User ${userId} is not a member of ${guild.name}`);
    const voice = guild.voiceStates.get(userId);
    return {
      ...(withUser ? { user: this.userPayload(userId) } : {}),
      nick: null,
      avatar: null,
      roles: [],
      joined_at: joinedAt,
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0,
      pending: false,
      communication_disabled_until: null,
      ...(voice ? { self_mute: voice.selfMute, self_deaf: voice.selfDeaf } : {}),
    };
  }

  channelPayload(channel: ChannelRecord): Record<string, unknown> {
    const common = {
      id: channel.id,
      guild_id: channel.guildId,
      name: channel.name,
      type: channel.type,
      position: channel.position,
      permission_overwrites: [],
      parent_id: null,
      nsfw: false,
      flags: 0,
    };
    if (channel.type === CHANNEL_VOICE)
      return { ...common, bitrate: 64_000, user_limit: 0, rtc_region: null, video_quality_mode: 1, last_message_id: null, rate_limit_per_user: 0 };
    return { ...common, topic: null, last_message_id: null, rate_limit_per_user: 0 };
  }

  voiceStatePayload(guild: GuildRecord, state: VoiceStateRecord, forDispatch: boolean): Record<string, unknown> {
    return {
      ...(forDispatch ? { guild_id: guild.id, member: this.memberPayload(guild, state.userId) } : {}),
      channel_id: state.channelId,
      user_id: state.userId,
      session_id: state.sessionId,
      deaf: false,
      mute: false,
      self_deaf: state.selfDeaf,
      self_mute: state.selfMute,
      self_video: false,
      suppress: false,
      request_to_speak_timestamp: null,
    };
  }

  /** GUILD_CREATE as Discord sends it; without GUILD_PRESENCES, members are only the bot and users in voice. */
  guildCreatePayload(guild: GuildRecord, intents: number): Record<string, unknown> {
    const allMembers = (intents & INTENTS.guildPresences) !== 0;
    const memberIds = [...guild.members.keys()].filter((id) => allMembers || id === this.bot.id || this.voiceChannelOf(guild, id) !== null);
    return {
      id: guild.id,
      name: guild.name,
      icon: null,
      splash: null,
      discovery_splash: null,
      owner_id: guild.ownerId,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [
        {
          id: guild.id,
          name: '@everyone',
          color: 0,
          hoist: false,
          icon: null,
          unicode_emoji: null,
          position: 0,
          permissions: EVERYONE_PERMISSIONS,
          managed: false,
          mentionable: false,
          flags: 0,
        },
      ],
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      system_channel_id: guild.channels.find((c) => c.type === CHANNEL_TEXT)?.id ?? null,
      system_channel_flags: 0,
      rules_channel_id: null,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      premium_subscription_count: 0,
      preferred_locale: 'en-US',
      public_updates_channel_id: null,
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
      joined_at: guild.members.get(this.bot.id),
      large: false,
      unavailable: false,
      member_count: guild.members.size,
      voice_states: [...guild.voiceStates.values()].filter((s) => s.channelId !== null).map((s) => this.voiceStatePayload(guild, s, false)),
      members: memberIds.map((id) => this.memberPayload(guild, id)),
      channels: guild.channels.map((c) => {
        const { guild_id: _omitted, ...rest } = this.channelPayload(c);
        return rest;
      }),
      threads: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }
}
