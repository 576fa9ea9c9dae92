/**
 * The fake Discord gateway (WebSocket, v10, JSON): Hello -> Identify -> READY + GUILD_CREATE, heartbeats,
 * Resume with replay of missed dispatches, and dispatches the scenario asks for. The bot's op 4 (voice
 * state update) is handed to the simulator, which answers with VOICE_STATE_UPDATE + VOICE_SERVER_UPDATE.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { randomToken } from './ids.ts';
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
  /** The Identify payload without its token, for assertions. */
  readonly identify: Readonly<Record<string, unknown>>;
  seq = 0;
  /** The `d` of the bot's last heartbeat (the last sequence it saw). */
  lastHeartbeat: unknown = undefined;
  ws: WebSocket | null;
  /** Dispatches sent, kept for Resume replay. */
  readonly history: Array<{ readonly s: number; readonly text: string }> = [];

  constructor(ws: WebSocket, identify: Record<string, unknown>) {
    this.ws = ws;
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
  readonly onVoiceStateUpdate: (session: GatewaySession, request: VoiceStateRequest) => void;
}

/** The gateway server. Dispatches go to the newest identified session. */
export class GatewayServer {
  /** Every session identified so far, oldest first. */
  readonly sessions: GatewaySession[] = [];
  /** Number of successful resumes (op 6 -> RESUMED). */
  resumes = 0;
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

  /**
   * Sends a dispatch to the current session if it has `intent` (when given). Resolves once written
   * (or buffered for Resume while the bot is disconnected); resolves false when filtered out.
   */
  dispatch(t: string, d: unknown, intent?: number): Promise<boolean> {
    const session = this.current;
    if (!session || (intent !== undefined && (session.intents & intent) === 0)) return Promise.resolve(false);
    return this.sendDispatch(session, t, d).then(() => true);
  }

  /** Closes the bot's gateway socket: 1006 drops it without a close frame; 4000 and others send that code. */
  async disconnect(code: number): Promise<void> {
    const ws = this.current?.ws;
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
          session = new GatewaySession(ws, d);
          this.sessions.push(session);
          void this.ready(session);
          return;
        case OP.resume:
          session = this.resume(ws, d);
          return;
        case OP.voiceStateUpdate:
          if (!session) return ws.close(4003, 'Not authenticated.');
          this.deps.onVoiceStateUpdate(session, d as unknown as VoiceStateRequest);
          return;
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

  private async ready(session: GatewaySession): Promise<void> {
    const { world } = this.deps;
    await this.sendDispatch(session, 'READY', {
      v: 10,
      user: world.userPayload(world.bot.id),
      guilds: world.guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: session.id,
      session_type: 'normal',
      resume_gateway_url: this.url,
      shard: [0, 1],
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
    for (const guild of world.guilds) await this.sendDispatch(session, 'GUILD_CREATE', world.guildCreatePayload(guild, session.intents));
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
