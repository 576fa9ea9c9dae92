/**
 * The voice server's UDP socket: answers IP discovery (74-byte packets), ignores keep-alives, and hands
 * RTP packets to the session that owns their SSRC. Simulated users' audio is sent from here too,
 * as Discord relays it from its media server.
 */
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { rtpSsrc } from './rtp.ts';

const DISCOVERY_BYTES = 74;
const DISCOVERY_REQUEST = 1;
const DISCOVERY_RESPONSE = 2;
const KEEP_ALIVE_BYTES = 8;

/** A UDP peer address. */
export interface UdpAddress {
  readonly address: string;
  readonly port: number;
}

/** What owns an SSRC: told about discovery and given the packets sent with that SSRC. */
export interface UdpEndpoint {
  onDiscovery(from: UdpAddress): void;
  onPacket(packet: Buffer, from: UdpAddress, at: number): void;
}

/** The shared voice UDP socket. */
export class VoiceUdp {
  /** Keep-alive datagrams received (the client sends one every 5 s). */
  keepAlives = 0;
  private readonly socket: Socket = createSocket('udp4');
  private readonly endpoints = new Map<number, UdpEndpoint>();
  private readonly log: (line: string) => void;

  constructor(log: (line: string) => void) {
    this.log = log;
    this.socket.on('message', (packet, from) => this.receive(packet, from));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Routes packets with this SSRC to `endpoint` (the bot's own SSRC from Ready). */
  register(ssrc: number, endpoint: UdpEndpoint): void {
    this.endpoints.set(ssrc, endpoint);
  }

  unregister(ssrc: number): void {
    this.endpoints.delete(ssrc);
  }

  send(packet: Buffer, to: UdpAddress): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(packet, to.port, to.address, (error) => (error ? reject(error) : resolve())));
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private receive(packet: Buffer, from: RemoteInfo): void {
    const at = performance.now();
    if (packet.length === KEEP_ALIVE_BYTES) {
      this.keepAlives++;
      return;
    }
    if (packet.length === DISCOVERY_BYTES && packet.readUInt16BE(0) === DISCOVERY_REQUEST) {
      const ssrc = packet.readUInt32BE(4);
      const endpoint = this.endpoints.get(ssrc);
      if (!endpoint) {
        this.log(`UDP discovery for unknown SSRC ${ssrc}`);
        return;
      }
      endpoint.onDiscovery(from);
      const reply = Buffer.alloc(DISCOVERY_BYTES);
      reply.writeUInt16BE(DISCOVERY_RESPONSE, 0);
      reply.writeUInt16BE(70, 2);
      reply.writeUInt32BE(ssrc, 4);
      reply.write(from.address, 8, 'utf8'); // NUL-terminated by the zero fill
      reply.writeUInt16BE(from.port, DISCOVERY_BYTES - 2);
      void this.send(reply, from);
      return;
    }
    if (packet.length < 12) {
      this.log(`UDP ignored a ${packet.length}-byte datagram`);
      return;
    }
    const endpoint = this.endpoints.get(rtpSsrc(packet));
    if (endpoint) endpoint.onPacket(packet, from, at);
    else this.log(`UDP packet from unknown SSRC ${rtpSsrc(packet)}`);
  }
}
