/**
 * RTP packets as Discord voice sends them, encrypted with `aead_aes256_gcm_rtpsize`: the 12-byte header
 * (plus the 4-byte extension preamble when the X bit is set) is the AAD, the extension body and the Opus
 * payload are the ciphertext, then the 16-byte GCM tag, then a 4-byte big-endian nonce counter that is
 * placed at the start of an otherwise zeroed 12-byte nonce.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';

/** Discord's dynamic payload type for Opus. */
export const OPUS_PAYLOAD_TYPE = 0x78;
/** The encryption mode this simulator speaks (and offers first, like Discord). */
export const AES_GCM_RTPSIZE = 'aead_aes256_gcm_rtpsize';
/** The modes Discord's voice servers advertise in Ready (op 2), best first. */
export const ADVERTISED_MODES = [AES_GCM_RTPSIZE, 'aead_xchacha20_poly1305_rtpsize'] as const;
/** The Opus frame clients send when they stop talking (5 in a row). */
export const SILENCE_FRAME = Buffer.from([0xf8, 0xff, 0xfe]);
/** One-byte-header extension profile (RFC 8285) that real Discord clients put on every packet. */
const ONE_BYTE_EXTENSION_PROFILE = 0xbede;
const TAG_BYTES = 16;
const NONCE_SUFFIX_BYTES = 4;

/** The RTP header fields the simulator cares about. */
export interface RtpHeader {
  readonly sequence: number;
  readonly timestamp: number;
  readonly ssrc: number;
}

/** A decrypted packet: header fields and the Opus payload (extension body stripped). */
export interface OpenedRtp extends RtpHeader {
  readonly payload: Buffer;
}

function nonceFrom(counter: Buffer): Buffer {
  const nonce = Buffer.alloc(12);
  counter.copy(nonce, 0);
  return nonce;
}

/**
 * Builds an encrypted packet like a Discord client: V=2, X=1 with a one-word `0xBEDE` extension
 * (an audio-level element), payload type 0x78.
 */
export function sealRtp(header: RtpHeader, opus: Uint8Array, key: Uint8Array, nonceCounter: number): Buffer {
  const aad = Buffer.alloc(16);
  aad[0] = 0x90; // version 2, extension bit
  aad[1] = OPUS_PAYLOAD_TYPE;
  aad.writeUInt16BE(header.sequence & 0xffff, 2);
  aad.writeUInt32BE(header.timestamp >>> 0, 4);
  aad.writeUInt32BE(header.ssrc >>> 0, 8);
  aad.writeUInt16BE(ONE_BYTE_EXTENSION_PROFILE, 12);
  aad.writeUInt16BE(1, 14); // extension length in 32-bit words
  // Element id 1 (ssrc-audio-level), 1 byte of data, then padding to the word.
  const extensionBody = Buffer.from([0x10, 0x20, 0x00, 0x00]);
  const counter = Buffer.alloc(NONCE_SUFFIX_BYTES);
  counter.writeUInt32BE(nonceCounter >>> 0, 0);
  const cipher = createCipheriv('aes-256-gcm', key, nonceFrom(counter));
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(extensionBody), cipher.update(opus), cipher.final()]);
  return Buffer.concat([aad, body, cipher.getAuthTag(), counter]);
}

/** Reads the SSRC of any RTP packet without decrypting it. */
export function rtpSsrc(packet: Buffer): number {
  return packet.readUInt32BE(8);
}

/** True for an RTP v2 Opus packet (as opposed to IP discovery or keep-alive datagrams). */
export function isOpusRtp(packet: Buffer): boolean {
  return packet.length >= 12 + TAG_BYTES + NONCE_SUFFIX_BYTES && packet[0]! >> 6 === 2 && (packet[1]! & 0x7f) === OPUS_PAYLOAD_TYPE;
}

/** Decrypts an rtpsize AES-GCM packet; throws if the tag does not verify. */
export function openRtp(packet: Buffer, key: Uint8Array): OpenedRtp {
  const first = packet[0]!;
  const csrcCount = first & 0x0f;
  const hasExtension = (first & 0x10) !== 0;
  const hasPadding = (first & 0x20) !== 0;
  let aadLength = 12 + 4 * csrcCount;
  let extensionWords = 0;
  if (hasExtension) {
    extensionWords = packet.readUInt16BE(aadLength + 2);
    aadLength += 4;
  }
  const counter = packet.subarray(packet.length - NONCE_SUFFIX_BYTES);
  const tag = packet.subarray(packet.length - NONCE_SUFFIX_BYTES - TAG_BYTES, packet.length - NONCE_SUFFIX_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonceFrom(counter));
  decipher.setAAD(packet.subarray(0, aadLength));
  decipher.setAuthTag(tag);
  let plain = Buffer.concat([decipher.update(packet.subarray(aadLength, packet.length - NONCE_SUFFIX_BYTES - TAG_BYTES)), decipher.final()]);
  if (hasPadding) plain = plain.subarray(0, plain.length - plain[plain.length - 1]!);
  return {
    sequence: packet.readUInt16BE(2),
    timestamp: packet.readUInt32BE(4),
    ssrc: packet.readUInt32BE(8),
    payload: plain.subarray(4 * extensionWords),
  };
}
