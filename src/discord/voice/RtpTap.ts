/**
 * Reads the RTP header (SSRC, sequence number, timestamp) of every incoming voice packet. @discordjs/voice
 * hands out only the decrypted Opus payload, but the header is what puts late packets back in order, tells a
 * pause (no packets) from a lost packet, and shows a speaker's new stream (new SSRC). The header is not
 * encrypted, so the tap just listens to the same UDP socket, following it across reconnects.
 */
import type { Networking, NetworkingState, VoiceConnection, VoiceConnectionState, VoiceReceiver, VoiceUDPSocket } from '@discordjs/voice';
import type { RtpPosition } from '../../receive/PacketReorderBuffer.ts';

const RTP_HEADER_BYTES = 12;
/** Discord's dynamic payload type for Opus (the receiver ignores anything else, e.g. RTCP). */
const OPUS_PAYLOAD_TYPE = 0x78;

export class RtpTap {
  readonly #receiver: VoiceReceiver;
  /** The newest packet's header per user, whichever of their SSRCs it came on. */
  readonly #positions = new Map<string, RtpPosition>();
  #networking: Networking | undefined;
  #udp: VoiceUDPSocket | undefined;

  readonly #onMessage = (packet: Buffer): void => {
    if (packet.length < RTP_HEADER_BYTES || packet[0]! >> 6 !== 2 || (packet[1]! & 0x7f) !== OPUS_PAYLOAD_TYPE) return;
    const ssrc = packet.readUInt32BE(8);
    const userId = this.#receiver.ssrcMap.get(ssrc)?.userId;
    if (userId !== undefined) this.#positions.set(userId, { ssrc, sequence: packet.readUInt16BE(2), timestamp: packet.readUInt32BE(4) });
  };

  readonly #onNetworkingState = (_old: NetworkingState, next: NetworkingState): void => {
    this.#useSocket('udp' in next ? next.udp : undefined);
  };

  readonly #onConnectionState = (_old: VoiceConnectionState, next: VoiceConnectionState): void => {
    const networking = 'networking' in next ? next.networking : undefined;
    if (networking === this.#networking) return;
    this.#networking?.off('stateChange', this.#onNetworkingState);
    this.#networking = networking;
    networking?.on('stateChange', this.#onNetworkingState);
    this.#useSocket(networking && 'udp' in networking.state ? networking.state.udp : undefined);
  };

  constructor(connection: VoiceConnection) {
    this.#receiver = connection.receiver;
    connection.on('stateChange', this.#onConnectionState);
    this.#onConnectionState(connection.state, connection.state);
  }

  /** The RTP header of the newest packet from this user. */
  positionOf(userId: string): RtpPosition | undefined {
    return this.#positions.get(userId);
  }

  forget(userId: string): void {
    this.#positions.delete(userId);
  }

  #useSocket(udp: VoiceUDPSocket | undefined): void {
    if (udp === this.#udp) return;
    this.#udp?.off('message', this.#onMessage);
    this.#udp = udp;
    udp?.on('message', this.#onMessage);
  }
}
