/**
 * The fake voice server: the voice gateway (WebSocket v8 over TLS) and one session per guild the bot
 * joins. Hello -> Identify -> Ready (SSRC, UDP port, modes) -> IP discovery -> Select Protocol ->
 * Session Description (aead_aes256_gcm_rtpsize); heartbeats, Resume, Speaking, clients connect /
 * disconnect. Simulated users' audio goes out as encrypted RTP after their Speaking.
 * With `dave`, the Session Description says dave_protocol_version 1 and the session runs a DAVE call
 * (dave/call.ts): binary ops and ops 23 / 31 go to its delivery service, users' frames are end-to-end
 * encrypted by their DAVE clients, and the bot's frames are end-to-end decrypted before capture.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as heldUpFor } from 'node:timers/promises';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { BotAudio } from './botAudio.ts';
import { DaveCall } from './dave/call.ts';
import { DAVE_OP, DAVE_PROTOCOL_VERSION, serverFrame } from './dave/opcodes.ts';
import { randomToken } from './ids.ts';
import { ADVERTISED_MODES, AES_GCM_RTPSIZE, isOpusRtp, openRtp, sealRtp, SILENCE_FRAME } from './rtp.ts';
import type { OpenedRtp } from './rtp.ts';
import { garbageBytes, paceFrames } from './speech.ts';
import type { SayOptions } from './speech.ts';
import type { UdpAddress, UdpEndpoint, VoiceUdp } from './udp.ts';

const OP = {
  identify: 0,
  selectProtocol: 1,
  ready: 2,
  heartbeat: 3,
  sessionDescription: 4,
  speaking: 5,
  heartbeatAck: 6,
  resume: 7,
  hello: 8,
  resumed: 9,
  clientsConnect: 11,
  clientDisconnect: 13,
} as const;
/** Discord's voice heartbeat interval. */
export const VOICE_HEARTBEAT_MS = 13_750;

/** What VOICE_SERVER_UPDATE promised: the Identify must match it. */
export interface VoiceGrant {
  readonly guildId: string;
  readonly userId: string;
  readonly sessionId: string;
  readonly channelId: string;
  readonly token: string;
}

/** A simulated user's outgoing RTP stream. */
interface PeerStream {
  readonly ssrc: number;
  sequence: number;
  timestamp: number;
  nonce: number;
}

/** The bot's voice session in one guild (survives its WebSocket for Resume). */
export class VoiceSession implements UdpEndpoint {
  readonly grant: VoiceGrant;
  readonly ssrc = randomInt(1, 2 ** 31);
  readonly secretKey = randomBytes(32);
  /** The Identify payload without its token, for assertions (e.g. max_dave_protocol_version). */
  readonly identify: Readonly<Record<string, unknown>>;
  ws: WebSocket | null;
  /** The bot's UDP address, learned from IP discovery. */
  botAddress: UdpAddress | null = null;
  mode: string | null = null;
  /** True once the Session Description was sent. */
  ready = false;
  resumes = 0;
  /** The `d` of the bot's last heartbeat: `{t, seq_ack}`. */
  lastHeartbeat: Record<string, unknown> | undefined;
  /** The dave_protocol_version the Session Description announced. */
  daveProtocolVersion = 0;
  /** The DAVE call this session is part of (when the protocol version is 1). */
  dave: DaveCall | undefined;
  private seq = 0;
  private readonly peers = new Map<string, PeerStream>();
  private readonly audio: BotAudio;
  private readonly log: (line: string) => void;
  private readonly udp: VoiceUdp;

  constructor(grant: VoiceGrant, ws: WebSocket, identify: Record<string, unknown>, deps: { audio: BotAudio; udp: VoiceUdp; log: (line: string) => void }) {
    this.grant = grant;
    this.ws = ws;
    const { token: _token, ...rest } = identify;
    this.identify = rest;
    this.audio = deps.audio;
    this.udp = deps.udp;
    this.log = deps.log;
  }

  /** Sends a JSON message with the next server sequence number; resolves once written. */
  send(op: number, d: unknown): Promise<void> {
    const ws = this.ws;
    if (!ws || ws.readyState !== ws.OPEN) return Promise.resolve();
    this.seq++;
    this.log(`VOICE >> op ${op}`);
    return new Promise((resolve) => ws.send(JSON.stringify({ op, d, seq: this.seq }), () => resolve()));
  }

  /** Sends a binary DAVE op (`uint16 sequence, uint8 opcode, payload`); the sequence is shared with JSON ops. */
  sendBinary(op: number, payload: Buffer): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== ws.OPEN) return;
    this.seq++;
    this.log(`VOICE >> binary op ${op} (${payload.length} bytes)`);
    ws.send(serverFrame(this.seq, op, payload));
  }

  onDiscovery(from: UdpAddress): void {
    this.botAddress = from;
  }

  onPacket(packet: Buffer, _from: UdpAddress, at: number): void {
    if (!isOpusRtp(packet)) {
      this.log(`VOICE ignored a non-RTP datagram of ${packet.length} bytes`);
      return;
    }
    let rtp: OpenedRtp;
    try {
      rtp = openRtp(packet, this.secretKey);
    } catch {
      this.audio.decryptFailures++;
      return;
    }
    if (!this.dave) {
      this.audio.onPacket(rtp, at);
      return;
    }
    // Under DAVE the transport payload is an end-to-end encrypted frame: a group member opens it.
    const frame = this.dave.openBotFrame(rtp.payload);
    if (frame) this.audio.onPacket({ ...rtp, payload: frame.opus }, at, { e2ee: frame.e2ee, wire: rtp.payload });
  }

  /** Streams a user's Opus frames to the bot: Speaking (op 5) first, then RTP every 20 ms. */
  async sendUserAudio(userId: string, frames: readonly Buffer[], options: SayOptions = {}): Promise<void> {
    const to = this.botAddress;
    if (!this.ready || !to) throw new Error(`The bot's voice session in guild ${this.grant.guildId} is not ready`);
    let stream = this.peers.get(userId) ?? this.newPeerStream(userId);
    // Without this the receiver cannot map the SSRC to the user and silently drops the audio.
    await this.send(OP.speaking, { user_id: userId, ssrc: stream.ssrc, speaking: 1 });
    const { loss = () => false, pauses = [], trailingSilence = true, delayMs = () => 0, duplicate = () => false } = options;
    const all = trailingSilence ? [...frames, ...Array<Buffer>(5).fill(SILENCE_FRAME)] : frames;
    const dave = this.dave;
    const heldUp: Promise<void>[] = [];
    const deliver = async (packet: Buffer, frame: number): Promise<void> => {
      await this.udp.send(packet, to);
      if (duplicate(frame)) await this.udp.send(packet, to);
      const at = performance.now();
      if (frame === 0) options.onFirstPacket?.(at);
      options.onFrameSent?.(frame, at);
    };
    // The first frame goes one frame interval after Speaking, as a client's encoder would.
    await paceFrames(
      all.length + 1,
      async (index, pausedFrames) => {
        if (index === 0) return;
        const frame = index - 1;
        if (frame === options.newSsrcAtFrame) {
          stream = this.newPeerStream(userId);
          await this.send(OP.speaking, { user_id: userId, ssrc: stream.ssrc, speaking: 1 });
        }
        stream.timestamp = (stream.timestamp + pausedFrames * 960) >>> 0;
        if (!loss(frame) || frame >= frames.length) {
          stream.nonce = (stream.nonce + 1) >>> 0;
          const payload = options.garbage?.(frame) ? garbageBytes(all[frame]!.length, frame + 1) : all[frame]!;
          // The user's client encrypts end to end first (when in a DAVE call), then the transport encrypts.
          const opus = dave ? dave.encryptFrom(userId, payload) : payload;
          const packet = sealRtp(stream, opus, this.secretKey, stream.nonce);
          // The tag sits just before the 4-byte nonce at the end; flipping a bit there fails authentication.
          if (options.corrupt?.(frame)) packet[packet.length - 5]! ^= 0xff;
          const delay = delayMs(frame);
          if (delay > 0) heldUp.push(heldUpFor(delay).then(() => deliver(packet, frame)));
          else await deliver(packet, frame);
        }
        stream.sequence = (stream.sequence + 1) & 0xffff;
        stream.timestamp = (stream.timestamp + 960) >>> 0;
      },
      pauses.map((p) => ({ afterFrame: p.afterFrame + 1, ms: p.ms })),
    );
    await Promise.all(heldUp);
  }

  /** A user's client starting an RTP stream: a fresh SSRC, sequence number and timestamp, as real clients pick them. */
  private newPeerStream(userId: string): PeerStream {
    const stream = { ssrc: randomInt(1, 2 ** 31), sequence: randomInt(0, 2 ** 16), timestamp: randomInt(0, 2 ** 32), nonce: randomInt(0, 2 ** 16) };
    this.peers.set(userId, stream);
    return stream;
  }

  /** Tells the bot users joined (op 11) or one left (op 13) its channel. */
  clientsConnected(userIds: readonly string[]): Promise<void> {
    if (!userIds.length) return Promise.resolve();
    const sent = this.send(OP.clientsConnect, { user_ids: userIds });
    // Their clients join the DAVE call too (after op 11, so the bot recognises them in add proposals).
    for (const id of userIds) this.dave?.addUser(id);
    return sent;
  }

  clientDisconnected(userId: string): Promise<void> {
    this.dave?.removeUser(userId);
    return this.send(OP.clientDisconnect, { user_id: userId });
  }
}

export interface VoiceServerDeps {
  readonly tls: { readonly key: string; readonly cert: string };
  readonly udp: VoiceUdp;
  readonly log: (line: string) => void;
  /** Heartbeat interval announced in Hello. */
  readonly heartbeatMs: number;
  /** The recorder of the bot's audio in a guild. */
  readonly audioFor: (guildId: string) => BotAudio;
  /** Users other than the bot in a voice channel (for op 11 after the session starts). */
  readonly usersIn: (guildId: string, channelId: string) => string[];
  /** Called when a session becomes ready (Session Description sent) or resumes. */
  readonly onReady: (session: VoiceSession) => void;
  /** Speak DAVE (protocol version 1) with clients that offer it, and refuse those that do not (4017). */
  readonly dave: boolean;
}

/** The voice gateway (wss://127.0.0.1:PORT) and its sessions. */
export class VoiceServer {
  /** Current session per guild id. */
  readonly sessions = new Map<string, VoiceSession>();
  /** The DAVE call per guild id (it outlives a session when the bot reconnects to the same channel). */
  readonly calls = new Map<string, DaveCall>();
  private readonly grants = new Map<string, VoiceGrant>();
  private readonly deps: VoiceServerDeps;
  private readonly https: Server;
  private readonly wss: WebSocketServer;

  constructor(deps: VoiceServerDeps) {
    this.deps = deps;
    this.https = createServer({ key: deps.tls.key, cert: deps.tls.cert });
    this.wss = new WebSocketServer({ server: this.https });
    this.wss.on('connection', (ws) => this.accept(ws));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.https.listen(0, '127.0.0.1', resolve));
  }

  /** `127.0.0.1:PORT`, the VOICE_SERVER_UPDATE endpoint. */
  get endpoint(): string {
    return `127.0.0.1:${(this.https.address() as AddressInfo).port}`;
  }

  /** Issues a token for the bot to identify with (sent in VOICE_SERVER_UPDATE). */
  grant(init: Omit<VoiceGrant, 'token'>): VoiceGrant {
    const grant = { ...init, token: randomToken(8) };
    this.grants.set(init.guildId, grant);
    return grant;
  }

  /** Ends the guild's session (the bot left): closes its socket with `code` if still open. */
  end(guildId: string, code: number): void {
    const session = this.sessions.get(guildId);
    this.grants.delete(guildId);
    this.calls.get(guildId)?.close();
    this.calls.delete(guildId);
    if (!session) return;
    this.sessions.delete(guildId);
    this.deps.udp.unregister(session.ssrc);
    session.ws?.close(code, 'Disconnected.');
  }

  /** Closes the bot's voice socket: 1006 drops it without a close frame, other codes are sent as is. */
  async disconnect(guildId: string, code: number): Promise<void> {
    const ws = this.sessions.get(guildId)?.ws;
    if (!ws) throw new Error(`The bot has no voice connection in guild ${guildId}`);
    const closed = new Promise((resolve) => ws.once('close', resolve));
    if (code === 1006) ws.terminate();
    else ws.close(code, 'Simulated disconnect');
    await closed;
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.https.closeAllConnections();
    await new Promise<void>((resolve) => this.https.close(() => resolve()));
  }

  private accept(ws: WebSocket): void {
    const { log } = this.deps;
    let session: VoiceSession | undefined;
    ws.send(JSON.stringify({ op: OP.hello, d: { v: 8, heartbeat_interval: this.deps.heartbeatMs } }));
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        if (session?.dave) return session.dave.fromBot(data as Buffer);
        return log(`VOICE << binary message of ${(data as Buffer).length} bytes ignored (no DAVE call)`);
      }
      const { op, d = {} } = JSON.parse(data.toString()) as { op: number; d?: Record<string, unknown> };
      if (op !== OP.heartbeat) log(`VOICE << op ${op}`);
      switch (op) {
        case OP.identify:
          session = this.identify(ws, d);
          return;
        case OP.resume:
          session = this.resume(ws, d);
          return;
        case OP.heartbeat:
          if (session) session.lastHeartbeat = d;
          ws.send(JSON.stringify({ op: OP.heartbeatAck, d: { t: d.t } }));
          return;
        case OP.selectProtocol:
          if (session) void this.selectProtocol(session, d);
          else ws.close(4003, 'Not authenticated.');
          return;
        case OP.speaking:
          if (session) this.deps.audioFor(session.grant.guildId).onSpeaking(Number(d.speaking ?? 0) !== 0);
          return;
        case DAVE_OP.readyForTransition:
        case DAVE_OP.invalidCommitWelcome:
          if (session?.dave) session.dave.fromBotJson(op, d);
          else log(`VOICE << DAVE op ${op} without a DAVE call`);
          return;
        default:
          log(`VOICE << unhandled op ${op}`);
      }
    });
    ws.on('close', (code) => {
      log(`VOICE closed ${code}`);
      if (session?.ws === ws) session.ws = null;
    });
  }

  private identify(ws: WebSocket, d: Record<string, unknown>): VoiceSession | undefined {
    const grant = this.grants.get(String(d.server_id));
    if (!grant || d.token !== grant.token || d.user_id !== grant.userId || d.session_id !== grant.sessionId) {
      ws.close(4004, 'Authentication failed.');
      return undefined;
    }
    if (this.deps.dave && Number(d.max_dave_protocol_version ?? 0) < DAVE_PROTOCOL_VERSION) {
      // What Discord does since DAVE became mandatory.
      ws.close(4017, 'E2EE/DAVE protocol required.');
      return undefined;
    }
    const previous = this.sessions.get(grant.guildId);
    if (previous) this.deps.udp.unregister(previous.ssrc);
    const session = new VoiceSession(grant, ws, d, { audio: this.deps.audioFor(grant.guildId), udp: this.deps.udp, log: this.deps.log });
    this.sessions.set(grant.guildId, session);
    this.deps.udp.register(session.ssrc, session);
    void session.send(OP.ready, { ssrc: session.ssrc, ip: '127.0.0.1', port: this.deps.udp.port, modes: [...ADVERTISED_MODES], experiments: [] });
    return session;
  }

  private async selectProtocol(session: VoiceSession, d: Record<string, unknown>): Promise<void> {
    const data = (d.data ?? {}) as Record<string, unknown>;
    if (data.mode !== AES_GCM_RTPSIZE) {
      // 4016 Unknown encryption mode; only AES-GCM is simulated.
      session.ws?.close(4016, 'Unknown encryption mode.');
      return;
    }
    session.mode = AES_GCM_RTPSIZE;
    session.daveProtocolVersion = this.deps.dave ? DAVE_PROTOCOL_VERSION : 0;
    const described = session.send(OP.sessionDescription, {
      audio_codec: 'opus',
      video_codec: 'H264',
      media_session_id: randomToken(16),
      mode: session.mode,
      secret_key: [...session.secretKey],
      dave_protocol_version: session.daveProtocolVersion,
    });
    // In the same tick, so the bot's key package (its answer to op 4) finds it in the call.
    if (session.daveProtocolVersion) this.joinCall(session);
    await described;
    session.ready = true;
    await session.clientsConnected(this.deps.usersIn(session.grant.guildId, session.grant.channelId));
    this.deps.onReady(session);
  }

  /** The bot's session joins its channel's DAVE call (a new one, or the one it had before reconnecting). */
  private joinCall(session: VoiceSession): void {
    const { guildId, channelId, userId } = session.grant;
    let call = this.calls.get(guildId);
    if (call?.channelId !== channelId) {
      call?.close();
      call = new DaveCall({ channelId, botUserId: userId, log: this.deps.log });
      this.calls.set(guildId, call);
    }
    session.dave = call;
    call.connectBot({ userId, binary: (op, payload) => session.sendBinary(op, payload), json: (op, d) => void session.send(op, d) });
  }

  private resume(ws: WebSocket, d: Record<string, unknown>): VoiceSession | undefined {
    const session = this.sessions.get(String(d.server_id));
    if (!session || d.session_id !== session.grant.sessionId || d.token !== session.grant.token) {
      ws.close(4006, 'Session no longer valid.');
      return undefined;
    }
    session.ws = ws;
    session.resumes++;
    void session.send(OP.resumed, null).then(() => this.deps.onReady(session));
    return session;
  }
}
