/**
 * The fake Discord gateway (WebSocket, v10, JSON): Hello -> Identify -> READY + GUILD_CREATE, heartbeats,
 * Resume with replay of missed dispatches, and dispatches the scenario asks for. The bot's op 4 (voice
 * state update) is handed to the simulator, which answers with VOICE_STATE_UPDATE + VOICE_SERVER_UPDATE.
 * Sharding as Discord does it: Identify may carry `shard: [id, count]`; a session receives only its shard's
 * guilds ((guild_id >> 22) % count) and DMs on shard 0; 4010 for an invalid shard, 4011 when an unsharded
 * (or too coarsely sharded) bot has more guilds per shard than allowed; identifies faster than
 * `max_concurrency` per 5 s bucket get op 9.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { randomToken, shardOf } from './ids.ts';
import { INTENTS } from './world.ts';
import type { World } from './world.ts';

const OP = {
  dispatch: 0,
  heartbeat: 1,
  identify: 2,
  presenceUpdate: 3,
  voiceStateUpdate: 4,
  resume: 6,
  reconnect: 7,
  requestGuildMembers: 8,
  invalidSession: 9,
  hello: 10,
  heartbeatAck: 11,
} as const;
/** Discord's usual heartbeat interval. */
export const GATEWAY_HEARTBEAT_MS = 41_250;
/** Identify buckets refill every 5 s (Discord's documented rate). */
const IDENTIFY_BUCKET_MS = 5_000;

/** What `GET /gateway/bot` advertises and what Identify enforces. */
export interface ShardingRules {
  /** `shards` in `GET /gateway/bot` (default 1). */
  readonly recommendedShards: number;
  /** `session_start_limit.max_concurrency` (default 1). */
  readonly maxConcurrency: number;
  /** More guilds than this on one shard closes the connection with 4011 (Discord: 2 500). */
  readonly maxGuildsPerShard: number;
  /**
   * Refuse (op 9) an identify sooner than 5 s after another in its bucket, as Discord does. Off by default so
   * scenarios that restart the bot need not wait out the bucket.
   */
  readonly enforceIdentifyRate: boolean;
}

export const DEFAULT_SHARDING: ShardingRules = { recommendedShards: 1, maxConcurrency: 1, maxGuildsPerShard: 2_500, enforceIdentifyRate: false };

/** The d of the bot's op 4. */
export interface VoiceStateRequest {
  readonly guild_id: string;
  readonly channel_id: string | null;
  readonly self_mute: boolean;
  readonly self_deaf: boolean;
}

/** One identified gateway session (survives its socket for Resume). */
export class GatewaySession {
  readonly id = randomToken(16);
  readonly intents: number;
  /** [shard_id, num_shards] from Identify ([0, 1] when the bot did not shard). */
  readonly shard: readonly [number, number];
  /** The Identify payload without its token, for assertions. */
  readonly identify: Readonly<Record<string, unknown>>;
  seq = 0;
  /** The `d` of the bot's last heartbeat (the last sequence it saw). */
  lastHeartbeat: unknown = undefined;
  ws: WebSocket | null;
  /** Dispatches sent, kept for Resume replay. */
  readonly history: Array<{ readonly s: number; readonly text: string }> = [];

  constructor(ws: WebSocket, identify: Record<string, unknown>, shard: readonly [number, number]) {
    this.ws = ws;
    this.shard = shard;
    this.intents = Number(identify.intents ?? 0);
    const { token: _token, ...rest } = identify;
    this.identify = rest;
  }
}

export interface GatewayDeps {
  readonly world: World;
  readonly token: string;
  readonly log: (line: string) => void;
  /** Heartbeat interval announced in Hello. */
  readonly heartbeatMs: number;
  readonly sharding: ShardingRules;
  readonly onVoiceStateUpdate: (session: GatewaySession, request: VoiceStateRequest) => void;
}

/** The gateway server. A guild's dispatches go to the newest session of the shard that owns the guild. */
export class GatewayServer {
  /** Every session identified so far, oldest first. */
  readonly sessions: GatewaySession[] = [];
  /** Number of successful resumes (op 6 -> RESUMED). */
  resumes = 0;
  /** Every Identify accepted or refused for its rate: shard id and the time it came (performance.now()). */
  readonly identifies: Array<{ readonly shard: number; readonly at: number; readonly accepted: boolean }> = [];
  /** Op 4s sent on a shard that does not own the guild (Discord ignores them): kept for assertions. */
  readonly misroutedVoiceStates: Array<{ readonly shard: number; readonly guildId: string }> = [];
  /** Sessions started, for `session_start_limit.remaining`. */
  sessionStarts = 0;
  private readonly deps: GatewayDeps;
  private readonly server: WebSocketServer;
  private readonly listening: Promise<void>;

  constructor(deps: GatewayDeps) {
    this.deps = deps;
    this.server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    this.listening = new Promise((resolve) => this.server.once('listening', resolve));
    this.server.on('connection', (ws, req) => {
      if (this.held) this.held.push(() => this.accept(ws, req.url ?? '/'));
      else this.accept(ws, req.url ?? '/');
    });
  }

  /** Connections waiting for `release()` (no Hello yet) while the gateway is held. */
  private held: Array<() => void> | undefined;

  /** Holds new gateway connections without a Hello until `release()`: the bot's gateway stays down meanwhile. */
  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const waiting = this.held ?? [];
    this.held = undefined;
    for (const accept of waiting) accept();
  }

  async listen(): Promise<void> {
    await this.listening;
  }

  /** `ws://127.0.0.1:PORT` (what `GET /gateway/bot` returns). */
  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The newest identified session, if any. */
  get current(): GatewaySession | undefined {
    return this.sessions.at(-1);
  }

  /** The newest session of the shard that receives `guildId`'s events (DMs, `guildId` undefined: shard 0). */
  sessionFor(guildId: string | undefined): GatewaySession | undefined {
    for (let i = this.sessions.length - 1; i >= 0; i--) {
      const session = this.sessions[i]!;
      const [id, count] = session.shard;
      if ((guildId === undefined ? 0 : shardOf(guildId, count)) === id) return session;
    }
    return undefined;
  }

  /**
   * Sends a dispatch to the session that owns its guild (`d.guild_id`; shard 0 without one) if it has
   * `intent` (when given). Resolves once written (or buffered for Resume while the bot is disconnected);
   * resolves false when filtered out.
   */
  dispatch(t: string, d: unknown, intent?: number): Promise<boolean> {
    const guildId = (d as { guild_id?: unknown } | null)?.guild_id;
    const session = this.sessionFor(typeof guildId === 'string' ? guildId : undefined);
    if (!session || (intent !== undefined && (session.intents & intent) === 0)) return Promise.resolve(false);
    return this.sendDispatch(session, t, d).then(() => true);
  }

  /** Closes the bot's gateway socket (of one shard; default the newest session): 1006 drops it without a close frame; 4000 and others send that code. */
  async disconnect(code: number, shard?: number): Promise<void> {
    const session = shard === undefined ? this.current : this.sessions.findLast((s) => s.shard[0] === shard);
    const ws = session?.ws;
    if (!ws) throw new Error('The bot has no gateway connection to drop');
    const closed = new Promise((resolve) => ws.once('close', resolve));
    if (code === 1006) ws.terminate();
    else ws.close(code, 'Simulated disconnect');
    await closed;
  }

  /** Tells the bot its session is gone (op 9, not resumable), as Discord does; the bot must identify again. */
  async invalidateSession(): Promise<GatewaySession> {
    const session = this.current;
    const ws = session?.ws;
    if (!session || !ws) throw new Error('The bot has no gateway session to invalidate');
    // A later Resume of this session is refused, as Discord would.
    this.sessions.splice(this.sessions.indexOf(session), 1);
    await this.send(ws, { op: OP.invalidSession, d: false, s: null, t: null });
    return session;
  }

  async close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private send(ws: WebSocket, payload: unknown): Promise<void> {
    const text = JSON.stringify(payload);
    return new Promise((resolve) => ws.send(text, () => resolve()));
  }

  private sendDispatch(session: GatewaySession, t: string, d: unknown): Promise<void> {
    session.seq++;
    const text = JSON.stringify({ op: OP.dispatch, t, s: session.seq, d });
    session.history.push({ s: session.seq, text });
    this.deps.log(`GW >> ${t} s=${session.seq}`);
    const ws = session.ws;
    if (!ws || ws.readyState !== ws.OPEN) return Promise.resolve();
    return new Promise((resolve) => ws.send(text, () => resolve()));
  }

  private accept(ws: WebSocket, url: string): void {
    const params = new URL(url, 'ws://x').searchParams;
    this.deps.log(`GW connection ${url}`);
    if (params.get('encoding') === 'etf' || params.has('compress')) this.deps.log(`GW warning: only JSON without transport compression is simulated (${url})`);
    let session: GatewaySession | undefined;
    void this.send(ws, { op: OP.hello, d: { heartbeat_interval: this.deps.heartbeatMs }, s: null, t: null });
    ws.on('message', (data, isBinary) => {
      let payload: { op?: number; d?: unknown };
      try {
        payload = JSON.parse(isBinary ? '' : data.toString()) as { op?: number; d?: unknown };
      } catch {
        ws.close(4002, 'Error while decoding payload.');
        return;
      }
      const d = (payload.d ?? {}) as Record<string, unknown>;
      if (payload.op !== OP.heartbeat) this.deps.log(`GW << op ${payload.op}`);
      switch (payload.op) {
        case OP.heartbeat:
          if (session) session.lastHeartbeat = payload.d;
          void this.send(ws, { op: OP.heartbeatAck, d: null, s: null, t: null });
          return;
        case OP.identify:
          if (session) return ws.close(4005, 'Already authenticated.');
          if (d.token !== this.deps.token) return ws.close(4004, 'Authentication failed.');
          session = this.identify(ws, d);
          return;
        case OP.resume:
          session = this.resume(ws, d);
          return;
        case OP.voiceStateUpdate: {
          if (!session) return ws.close(4003, 'Not authenticated.');
          const request = d as unknown as VoiceStateRequest;
          const [id, count] = session.shard;
          if (shardOf(request.guild_id, count) !== id) {
            this.deps.log(`GW op 4 for guild ${request.guild_id} on shard ${id}, which does not own it: ignored`);
            this.misroutedVoiceStates.push({ shard: id, guildId: request.guild_id });
            return;
          }
          this.deps.onVoiceStateUpdate(session, request);
          return;
        }
        case OP.presenceUpdate:
        case OP.requestGuildMembers:
          if (!session) return ws.close(4003, 'Not authenticated.');
          return;
        default:
          ws.close(4001, 'Unknown opcode.');
      }
    });
    ws.on('close', (code) => {
      this.deps.log(`GW closed ${code}`);
      if (session?.ws === ws) session.ws = null;
    });
  }

  /** Identify: checks the shard and the start rate, then READY with that shard's guilds. */
  private identify(ws: WebSocket, d: Record<string, unknown>): GatewaySession | undefined {
    const { sharding } = this.deps;
    const shard = d.shard === undefined ? ([0, 1] as const) : d.shard;
    if (!Array.isArray(shard) || shard.length !== 2 || !shard.every(Number.isInteger) || shard[1] < 1 || shard[0] < 0 || shard[0] >= shard[1]) {
      ws.close(4010, 'Invalid shard.');
      return undefined;
    }
    const [id, count] = shard as [number, number];
    const guilds = this.deps.world.guilds.filter((g) => shardOf(g.id, count) === id).length;
    if (guilds > sharding.maxGuildsPerShard) {
      ws.close(4011, 'Sharding required.');
      return undefined;
    }
    // Shards in one bucket (id % max_concurrency) may identify once per 5 s.
    const at = performance.now();
    const bucket = id % sharding.maxConcurrency;
    const tooSoon =
      sharding.enforceIdentifyRate && this.identifies.some((e) => e.accepted && e.shard % sharding.maxConcurrency === bucket && at - e.at < IDENTIFY_BUCKET_MS);
    this.identifies.push({ shard: id, at, accepted: !tooSoon });
    if (tooSoon) {
      this.deps.log(`GW identify of shard ${id} too soon for its bucket: op 9`);
      void this.send(ws, { op: OP.invalidSession, d: false, s: null, t: null });
      return undefined;
    }
    const session = new GatewaySession(ws, d, [id, count]);
    this.sessions.push(session);
    this.sessionStarts++;
    void this.ready(session);
    return session;
  }

  private async ready(session: GatewaySession): Promise<void> {
    const { world } = this.deps;
    const [shardId, shardCount] = session.shard;
    const guilds = world.guilds.filter((g) => shardOf(g.id, shardCount) === shardId);
    await this.sendDispatch(session, 'READY', {
      v: 10,
      user: world.userPayload(world.bot.id),
      guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: session.id,
      session_type: 'normal',
      resume_gateway_url: this.url,
      shard: session.shard,
      application: { id: world.applicationId, flags: 0 },
      private_channels: [],
      relationships: [],
      presences: [],
      user_settings: {},
      guild_join_requests: [],
      geo_ordered_rtc_regions: ['local'],
      auth: {},
      _trace: ['["discord-sim",{"micros":0}]'],
    });
    // Guilds arrive as GUILD_CREATE right after READY (they are "unavailable" in READY).
    if ((session.intents & INTENTS.guilds) === 0) return;
    for (const guild of guilds) await this.sendDispatch(session, 'GUILD_CREATE', world.guildCreatePayload(guild, session.intents));
  }

  private resume(ws: WebSocket, d: Record<string, unknown>): GatewaySession | undefined {
    const session = this.sessions.find((s) => s.id === d.session_id);
    if (!session || d.token !== this.deps.token) {
      // d: false = not resumable; the client identifies afresh.
      void this.send(ws, { op: OP.invalidSession, d: false, s: null, t: null });
      return undefined;
    }
    session.ws = ws;
    const since = Number(d.seq ?? 0);
    for (const event of session.history) if (event.s > since) ws.send(event.text);
    this.resumes++;
    void this.sendDispatch(session, 'RESUMED', { _trace: ['["discord-sim",{"micros":0}]'] });
    return session;
  }
}
