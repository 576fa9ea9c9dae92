/**
 * Synchronous Opus decode/encode at Discord's format: 48 kHz, stereo, 20 ms frames.
 *
 * The codec comes through prism-media: the native `@discordjs/opus` when it is installed, else the
 * WASM `opusscript` (a dependency).
 * Opus state is per stream: make one decoder per speaker and `destroy()` it when they leave.
 */
import prism from 'prism-media';
import { bytesFromInt16, int16FromBytes } from './pcm.ts';

/** Opus runs at 48 kHz here, like Discord. */
export const OPUS_SAMPLE_RATE = 48_000;
export const OPUS_CHANNELS = 2;
/** Samples per channel in one 20 ms frame. */
export const OPUS_FRAME_SAMPLES = 960;
/** Largest Opus packet (3 frames of 1275 bytes, RFC 6716); opusscript's input buffer is this size. */
const MAX_PACKET_BYTES = 1275 * 3;
/** Frame sizes Opus can encode, per channel at 48 kHz: 2.5, 5, 10, 20, 40 and 60 ms. */
const VALID_FRAME_SAMPLES = new Set([120, 240, 480, 960, 1920, 2880]);
/** opusscript's OPUS_APPLICATION_AUDIO; @discordjs/opus uses it by default. */
const APPLICATION_AUDIO = 2049;

/** Which Opus library is in use. */
export type OpusBackendName = '@discordjs/opus' | 'opusscript';

/** The part of both libraries' codec object we use (prism-media calls the same methods). */
interface OpusCodec {
  encode(pcm: Buffer, frameSize: number): Buffer;
  decode(packet: Buffer, frameSize: number | null): Buffer;
  /** opusscript only: frees the WASM memory. */
  delete?(): void;
}
type OpusCodecClass = new (rate: number, channels: number, application?: number) => OpusCodec;

/** A packet the decoder rejected; skip it and keep using the same decoder. */
export class OpusDecodeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OpusDecodeError';
  }
}

let loaded: { readonly name: OpusBackendName; readonly Codec: OpusCodecClass } | undefined;

/**
 * The codec class prism-media picked (the same one @discordjs/voice encodes with): prism tries the native
 * `@discordjs/opus` first and falls back to `opusscript`; a missing native module is never an error.
 */
function loadBackend(): { readonly name: OpusBackendName; readonly Codec: OpusCodecClass } {
  if (loaded) return loaded;
  const probe = new prism.opus.Decoder({ rate: OPUS_SAMPLE_RATE, channels: OPUS_CHANNELS, frameSize: OPUS_FRAME_SAMPLES });
  const codec = probe.encoder as OpusCodec;
  const name = prism.opus.Decoder.type === '@discordjs/opus' ? '@discordjs/opus' : 'opusscript';
  loaded = { name, Codec: codec.constructor as OpusCodecClass };
  probe.destroy(); // frees the probe's codec too
  return loaded;
}

/** The Opus library in use: '@discordjs/opus' when installed and loadable, else 'opusscript'. */
export function opusBackend(): OpusBackendName {
  return loadBackend().name;
}

/** Base for the encoder and decoder: owns one codec instance and frees it once. */
class OpusCodecHandle {
  private codec: OpusCodec | undefined;
  private readonly backend: OpusBackendName;

  constructor() {
    const { name, Codec } = loadBackend();
    this.backend = name;
    this.codec = new Codec(OPUS_SAMPLE_RATE, OPUS_CHANNELS, APPLICATION_AUDIO);
  }

  protected use(): { readonly codec: OpusCodec; readonly backend: OpusBackendName } {
    if (!this.codec) throw new Error('This Opus codec was destroyed');
    return { codec: this.codec, backend: this.backend };
  }

  /** Frees the codec (the WASM heap memory, for opusscript). Safe to call twice. */
  destroy(): void {
    this.codec?.delete?.();
    this.codec = undefined;
  }
}

/** Decodes one speaker's Opus packets to 48 kHz interleaved stereo Int16. */
export class OpusDecoder extends OpusCodecHandle {
  /** Decodes one packet (20 ms from Discord gives 1920 samples); throws `OpusDecodeError` if it is corrupt. */
  decode(packet: Uint8Array): Int16Array {
    const { codec, backend } = this.use();
    if (packet.length === 0) throw new OpusDecodeError('Empty Opus packet');
    if (packet.length > MAX_PACKET_BYTES) throw new OpusDecodeError(`Opus packet of ${packet.length} bytes is larger than the ${MAX_PACKET_BYTES}-byte maximum`);
    const input = Buffer.isBuffer(packet) ? packet : Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
    let pcm: Buffer;
    try {
      // Called as prism-media does: opusscript takes null, the native module a frame size.
      pcm = codec.decode(input, backend === 'opusscript' ? null : OPUS_FRAME_SAMPLES);
    } catch (error) {
      throw new OpusDecodeError(`Corrupt Opus packet (${packet.length} bytes): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    return int16FromBytes(pcm);
  }
}

/** Encodes 48 kHz interleaved stereo Int16 frames to Opus packets. */
export class OpusEncoder extends OpusCodecHandle {
  /** Encodes one frame (normally 20 ms = 1920 interleaved samples) to one packet. */
  encode(frame: Int16Array): Buffer {
    const { codec } = this.use();
    const frameSamples = frame.length / OPUS_CHANNELS;
    if (!VALID_FRAME_SAMPLES.has(frameSamples)) {
      throw new RangeError(`An Opus frame must be 2.5-60 ms of stereo audio (e.g. ${OPUS_FRAME_SAMPLES * OPUS_CHANNELS} samples), got ${frame.length} samples`);
    }
    return codec.encode(bytesFromInt16(frame), frameSamples);
  }
}
