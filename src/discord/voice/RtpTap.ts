/**
 * Reads the RTP header (SSRC, timestamp) of every incoming voice packet. @discordjs/voice hands out only
 * the decrypted Opus payload, but the timestamp is what tells a pause (no packets) from a lost packet.
 * The header is not encrypted, so the tap just listens to the same UDP socket, following it across reconnects.
 */
import type { Networking, NetworkingState, VoiceConnection, VoiceConnectionState, VoiceUDPSocket } from '@discordjs/voice';

const RTP_HEADER_BYTES = 12;

export class RtpTap {
  readonly #timestamps = new Map<number, number>();
  #networking: Networking | undefined;
  #udp: VoiceUDPSocket | undefined;

  readonly #onMessage = (packet: Buffer): void => {
    if (packet.length < RTP_HEADER_BYTES || packet[0]! >> 6 !== 2) return;
    this.#timestamps.set(packet.readUInt32BE(8), packet.readUInt32BE(4));
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
    connection.on('stateChange', this.#onConnectionState);
    this.#onConnectionState(connection.state, connection.state);
  }

  /** The RTP timestamp of the newest packet from this SSRC. */
  latestTimestamp(ssrc: number): number | undefined {
    return this.#timestamps.get(ssrc);
  }

  #useSocket(udp: VoiceUDPSocket | undefined): void {
    if (udp === this.#udp) return;
    this.#udp?.off('message', this.#onMessage);
    this.#udp = udp;
    udp?.on('message', this.#onMessage);
  }
}
