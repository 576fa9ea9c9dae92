/**
 * A Discord simulator on 127.0.0.1 for driving the real discord.js and @discordjs/voice: REST + CDN,
 * gateway, voice gateway over TLS and voice UDP. Start it, point the client's `rest.api` at `restURL`,
 * log in with `botToken`, then act through simulated users.
 *
 *   const sim = await startSimulator();
 *   const alice = sim.user('alice');
 *   await alice.joinVoice('General');
 *   const interaction = await alice.slash('join');
 *   await interaction.reply();
 *   await alice.say('hello.wav');
 *   const utterance = await sim.botAudio.nextUtterance();
 */
import { withTimeout } from './waiters.ts';
import { BotAudio } from './botAudio.ts';
import { Cdn } from './cdn.ts';
import { SimClock } from './clock.ts';
import { DEFAULT_SHARDING, GATEWAY_HEARTBEAT_MS, GatewayServer } from './gateway.ts';
import type { GatewaySession, ShardingRules, VoiceStateRequest } from './gateway.ts';
import { randomToken, shardOf } from './ids.ts';
import type { SimInteraction } from './interactions.ts';
import { botMessagePayload, MessageStore } from './messages.ts';
import type { BotMessage } from './messages.ts';
import { RestServer } from './rest.ts';
import type { CommandRecord } from './rest.ts';
import { SIM_TLS, trustSimCA } from './tls.ts';
import { VoiceUdp } from './udp.ts';
import { SimUser } from './user.ts';
import type { SimCore } from './user.ts';
import { VOICE_HEARTBEAT_MS, VoiceServer } from './voice.ts';
import type { VoiceSession } from './voice.ts';
import type { DaveCall } from './dave/call.ts';
import type { GroupState } from './dave/delivery.ts';
import { CHANNEL_TEXT, CHANNEL_VOICE, DEFAULT_GUILDS, INTENTS, World } from './world.ts';
import type { GuildRecord, GuildSpec } from './world.ts';

export interface SimulatorOptions {
  /** Default: one guild 'Test Guild' with #general, voice 'General', users alice and bob. */
  readonly guilds?: readonly GuildSpec[];
  /** A pause this long in the bot's packets ends an utterance when no Speaking 0 comes (default 1 s). */
  readonly utteranceGapMs?: number;
  /** Decode the bot's audio into `pcm` (default true); false records packet timing only, for load tests. */
  readonly decodeBotAudio?: boolean;
  /** Heartbeat intervals announced in Hello (default Discord's: 41 250 ms gateway, 13 750 ms voice). */
  readonly heartbeatMs?: { readonly gateway?: number; readonly voice?: number };
  /** Protocol log; default writes to stderr when SIM_VERBOSE is set. */
  readonly log?: (line: string) => void;
  /**
   * DAVE end-to-end encryption (protocol version 1), as Discord requires: the voice server acts as MLS
   * delivery service and simulated users are DAVE members (see dave/). Default false: version 0.
   */
  readonly dave?: boolean;
  /** Gateway sharding: recommended shard count, identify concurrency, guilds allowed per shard (Discord's defaults otherwise). */
  readonly sharding?: Partial<ShardingRules>;
}

/** Sessions a bot may start per day, as `session_start_limit.total` says. */
const SESSION_START_TOTAL = 1_000;

/** Starts every server on loopback (and trusts the test CA in this process). */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  trustSimCA();
  const sim = new Simulator(options);
  await sim.listen();
  return sim;
}

const verboseLog = (line: string): void => void process.stderr.write(`[sim ${performance.now().toFixed(1)}] ${line}\n`);

/** The running simulator. */
export class Simulator {
  /** The token the bot must present (REST `Bot <token>`, gateway Identify). */
  readonly botToken = `${Buffer.from('sim-bot').toString('base64url')}.${randomToken(6)}.${randomToken(27)}`;
  private readonly botLeaveWaiters: Array<(guildId: string) => void> = [];
  private readonly botJoinWaiters: Array<(channelId: string) => void> = [];
  readonly clock = new SimClock();
  readonly world: World;
  readonly rest: RestServer;
  readonly gateway: GatewayServer;
  readonly voice: VoiceServer;
  readonly udp: VoiceUdp;
  private readonly core: SimCore;
  private readonly audio = new Map<string, BotAudio>();
  private readonly voiceReadyWaiters = new Set<(session: VoiceSession) => void>();
  private readonly log: (line: string) => void;
  private readonly utteranceGapMs: number;
  private readonly decodeBotAudio: boolean;

  constructor(options: SimulatorOptions) {
    this.log = options.log ?? (process.env.SIM_VERBOSE ? verboseLog : () => {});
    this.utteranceGapMs = options.utteranceGapMs ?? 1_000;
    this.decodeBotAudio = options.decodeBotAudio ?? true;
    this.world = new World(options.guilds ?? DEFAULT_GUILDS);
    const messages = new MessageStore();
    const interactions = new Map<string, SimInteraction>();
    const cdn = new Cdn(() => this.rest.origin);
    const sharding = { ...DEFAULT_SHARDING, ...options.sharding };
    this.rest = new RestServer({
      world: this.world,
      clock: this.clock,
      token: this.botToken,
      cdn,
      messages,
      interactions,
      log: this.log,
      gatewayURL: () => this.gateway.url,
      gatewayBot: () => ({
        shards: sharding.recommendedShards,
        session_start_limit: {
          total: SESSION_START_TOTAL,
          remaining: SESSION_START_TOTAL - this.gateway.sessionStarts,
          reset_after: 14_400_000,
          max_concurrency: sharding.maxConcurrency,
        },
      }),
      onMessage: (kind, message) => void this.echoMessage(kind, message),
    });
    this.gateway = new GatewayServer({
      world: this.world,
      token: this.botToken,
      log: this.log,
      heartbeatMs: options.heartbeatMs?.gateway ?? GATEWAY_HEARTBEAT_MS,
      sharding,
      onVoiceStateUpdate: (session, request) => void this.botVoiceState(session, request),
    });
    this.udp = new VoiceUdp(this.log);
    this.voice = new VoiceServer({
      tls: SIM_TLS,
      udp: this.udp,
      log: this.log,
      heartbeatMs: options.heartbeatMs?.voice ?? VOICE_HEARTBEAT_MS,
      audioFor: (guildId) => this.audioFor(guildId),
      usersIn: (guildId, channelId) => this.world.usersInVoice(this.world.guild(guildId), channelId).filter((id) => id !== this.world.bot.id),
      onReady: (session) => {
        for (const waiter of this.voiceReadyWaiters) waiter(session);
      },
      dave: options.dave ?? false,
    });
    this.core = { world: this.world, clock: this.clock, cdn, gateway: this.gateway, voice: this.voice, rest: this.rest, messages, interactions };
  }

  /** @internal Called by startSimulator. */
  async listen(): Promise<void> {
    await Promise.all([this.rest.listen(), this.gateway.listen(), this.voice.listen(), this.udp.listen()]);
    this.log(`REST ${this.restURL}, gateway ${this.gateway.url}, voice wss://${this.voice.endpoint}, UDP ${this.udp.port}`);
  }

  /** For discord.js: `new Client({ rest: { api: sim.restURL } })`. */
  get restURL(): string {
    return `${this.rest.origin}/api`;
  }

  get applicationId(): string {
    return this.world.applicationId;
  }

  get botUserId(): string {
    return this.world.bot.id;
  }

  /** `<@botId>`, for messages that mention the bot. */
  get botMention(): string {
    return `<@${this.world.bot.id}>`;
  }

  /** A simulated user as a member of `guild` (default: the first guild they are in). */
  user(name: string, guild?: string): SimUser {
    const user = this.world.findUser(name);
    if (!user || user.bot) throw new Error(`No simulated user ${name}`);
    const home = guild === undefined ? this.world.guilds.find((g) => g.members.has(user.id)) : this.world.guild(guild);
    if (!home?.members.has(user.id)) throw new Error(`${name} is not a member of ${guild ?? 'any guild'}`);
    return new SimUser(this.core, home, user.id);
  }

  /** A guild's record by name or id (default: the first). */
  guild(name?: string): GuildRecord {
    return this.world.guild(name);
  }

  /** A channel id by name (text or voice) in a guild (default: the first). */
  channelId(name: string, guild?: string): string {
    return this.world.channel(this.world.guild(guild), name).id;
  }

  /** What the bot plays in the first guild. */
  get botAudio(): BotAudio {
    return this.audioFor(this.world.guild().id);
  }

  /** What the bot plays in a guild (by name or id). */
  botAudioIn(guild: string): BotAudio {
    return this.audioFor(this.world.guild(guild).id);
  }

  /** Visible messages the bot posted in a text channel (name or id; default the first guild's first text channel). */
  messages(channel?: string, guild?: string): BotMessage[] {
    const record = this.world.guild(guild);
    const target = channel === undefined ? record.channels.find((c) => c.type === CHANNEL_TEXT) : this.world.channel(record, channel, CHANNEL_TEXT);
    return target ? this.core.messages.inChannel(target.id) : [];
  }

  /**
   * The next message the bot posts (a deferred reply counts once filled in), in order: each call
   * returns a later message than the previous call. `channel` (name or id) and `matching` filter.
   */
  nextMessage(
    options: { readonly channel?: string; readonly guild?: string; readonly matching?: (message: BotMessage) => boolean; readonly timeoutMs?: number } = {},
  ): Promise<BotMessage> {
    const { matching = () => true, timeoutMs = 5_000 } = options;
    const channelId = options.channel === undefined ? undefined : this.world.channel(this.world.guild(options.guild), options.channel).id;
    return this.core.messages.next((m) => (channelId === undefined || m.channelId === channelId) && matching(m), timeoutMs);
  }

  /** Resolves with a bot message once its content (after edits, e.g. a streamed answer) passes `matching`. */
  messageSettles(message: BotMessage, matching: (message: BotMessage) => boolean, timeoutMs = 10_000): Promise<BotMessage> {
    return this.core.messages.until(message.id, matching, timeoutMs);
  }

  /** Commands the bot registered: global, or for a guild (name or id). */
  commands(guild?: string): CommandRecord[] {
    return this.rest.commands.get(guild === undefined ? 'global' : this.world.guild(guild).id) ?? [];
  }

  /** Resolves when the bot's voice session in a guild is ready (session description sent, or resumed). */
  waitForVoiceReady(guild?: string, timeoutMs = 5_000): Promise<VoiceSession> {
    const guildId = this.world.guild(guild).id;
    return new Promise((resolve, reject) => {
      const waiter = (session: VoiceSession): void => {
        if (session.grant.guildId !== guildId) return;
        clearTimeout(timer);
        this.voiceReadyWaiters.delete(waiter);
        resolve(session);
      };
      const timer = setTimeout(() => {
        this.voiceReadyWaiters.delete(waiter);
        reject(new Error(`Timed out after ${timeoutMs}ms waiting for the bot's voice session in ${guildId}`));
      }, timeoutMs);
      this.voiceReadyWaiters.add(waiter);
    });
  }

  /** The DAVE call of the bot's voice session in a guild (by name or id), when DAVE is on. */
  daveCall(guild?: string): DaveCall | undefined {
    return this.voice.calls.get(this.world.guild(guild).id);
  }

  /**
   * Resolves when the DAVE group in a guild is settled: the bot and every simulated user in its channel are
   * members of the established group and the last transition was executed.
   */
  async daveSettled(guild?: string, timeoutMs = 5_000): Promise<GroupState> {
    const call = this.daveCall(guild);
    if (!call) throw new Error(`No DAVE call in ${guild ?? 'the first guild'} (is the simulator started with dave: true and the bot in voice?)`);
    return call.settled(timeoutMs);
  }

  /** Closes the bot's voice WebSocket in a guild: 1006 = dropped (resumable), 4015 resumable, 4014 = disconnected. */
  async disconnectVoice(code = 1006, guild?: string): Promise<void> {
    await this.voice.disconnect(this.world.guild(guild).id, code);
  }

  /** Closes the bot's gateway WebSocket (of one shard; default the newest session). 4000 and 1006 are resumable. */
  async disconnectGateway(code = 4000, shard?: number): Promise<void> {
    await this.gateway.disconnect(code, shard);
  }

  /** The shard that owns a guild (by name or id) when the bot runs `shardCount` shards. */
  shardOf(guild: string, shardCount: number): number {
    return shardOf(this.world.guild(guild).id, shardCount);
  }

  /**
   * Ends the bot's gateway session (op 9, not resumable). As on Discord, the voice states of that session go
   * with it: the bot is out of every voice channel (its voice sockets closed with 4006, session no longer valid)
   * until it joins again on its new session.
   */
  async invalidateGatewaySession(): Promise<void> {
    const botId = this.world.bot.id;
    const session = await this.gateway.invalidateSession();
    for (const guild of this.world.guilds) {
      const state = guild.voiceStates.get(botId);
      if (state?.sessionId !== session.id) continue;
      guild.voiceStates.delete(botId);
      this.voice.end(guild.id, 4006);
    }
  }

  /** Keeps the bot's gateway down after a disconnect: new connections get no Hello until `releaseGateway()`. */
  holdGateway(): void {
    this.gateway.hold();
  }

  releaseGateway(): void {
    this.gateway.release();
  }

  /** Moves the simulator's clock forward (expires interaction windows without sleeping). */
  advanceClock(ms: number): void {
    this.clock.advance(ms);
  }

  async close(): Promise<void> {
    for (const audio of this.audio.values()) audio.close();
    await Promise.all([this.gateway.close(), this.voice.close(), this.rest.close(), this.udp.close()]);
  }

  private audioFor(guildId: string): BotAudio {
    let audio = this.audio.get(guildId);
    if (!audio) {
      audio = new BotAudio(this.utteranceGapMs, this.decodeBotAudio);
      this.audio.set(guildId, audio);
    }
    return audio;
  }

  /** Resolves with the channel id when the bot next asks to join (or rejoin) a voice channel (its op 4). */
  nextBotJoin(timeoutMs = 10_000): Promise<string> {
    return withTimeout(new Promise<string>((resolve) => this.botJoinWaiters.push(resolve)), timeoutMs, 'the bot to join voice');
  }

  /** Resolves with the guild id when the bot next leaves a voice channel (its op 4 with no channel). */
  nextBotLeave(timeoutMs = 10_000): Promise<string> {
    return withTimeout(new Promise<string>((resolve) => this.botLeaveWaiters.push(resolve)), timeoutMs, 'the bot to leave voice');
  }

  /** The bot's op 4: VOICE_STATE_UPDATE, then VOICE_SERVER_UPDATE pointing at the voice server (or the end of the session). */
  private async botVoiceState(session: GatewaySession, request: VoiceStateRequest): Promise<void> {
    const guild = this.world.guilds.find((g) => g.id === request.guild_id);
    const channelId = request.channel_id;
    if (!guild || (channelId !== null && !guild.channels.some((c) => c.id === channelId && c.type === CHANNEL_VOICE))) {
      this.log(`GW op 4 for unknown guild/voice channel ${request.guild_id}/${channelId}`);
      return;
    }
    const botId = this.world.bot.id;
    const state = { userId: botId, channelId, sessionId: session.id, selfMute: request.self_mute, selfDeaf: request.self_deaf };
    if (channelId === null) guild.voiceStates.delete(botId);
    else guild.voiceStates.set(botId, state);
    await this.gateway.dispatch('VOICE_STATE_UPDATE', this.world.voiceStatePayload(guild, state, true), INTENTS.guildVoiceStates);
    if (channelId === null) {
      this.voice.end(guild.id, 4014);
      for (const wake of this.botLeaveWaiters.splice(0)) wake(guild.id);
      return;
    }
    for (const wake of this.botJoinWaiters.splice(0)) wake(channelId);
    const grant = this.voice.grant({ guildId: guild.id, userId: botId, sessionId: session.id, channelId });
    await this.gateway.dispatch('VOICE_SERVER_UPDATE', { token: grant.token, guild_id: guild.id, endpoint: this.voice.endpoint });
  }

  /** Discord echoes the bot's own messages back over the gateway. */
  private async echoMessage(kind: 'create' | 'update', message: BotMessage): Promise<void> {
    const guild = message.guildId ? this.world.guild(message.guildId) : undefined;
    const payload = { ...botMessagePayload(this.world, message), ...(guild ? { member: this.world.memberPayload(guild, this.world.bot.id, false) } : {}) };
    await this.gateway.dispatch(kind === 'create' ? 'MESSAGE_CREATE' : 'MESSAGE_UPDATE', payload, INTENTS.guildMessages);
  }
}
