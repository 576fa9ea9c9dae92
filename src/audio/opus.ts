/**
 * Synchronous Opus decode/encode at Discord's format: 48 kHz, stereo, 20 ms frames, and the encoder as a
 * stream for playback (@discordjs/voice then plays our Opus packets as they are).
 *
 * The codec is the native `@discordjs/opus` when it is installed, else the WASM build that ships in
 * `opusscript` (a dependency), driven directly. opusscript's own JavaScript wrapper is not used: it keeps
 * views of the WASM heap made once per instance, at twice the allocated address, so with more than about 17
 * codecs alive in one process a new codec's views fall past the end of the heap ("offset is out of bounds"
 * on its first packet), and when the heap grows every existing view is detached. A bot in 10-20 voice
 * channels at once crossed that line (found by `npm run bench`, scale section): one guild's reply threw
 * inside the playback stream and the whole process died. Here every call makes its views from the heap as
 * it is now, at the addresses malloc returned.
 * Opus state is per stream: make one decoder per speaker and `destroy()` it when they leave.
 */
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { int16FromBytes } from './pcm.ts';

/** Opus runs at 48 kHz here, like Discord. */
export const OPUS_SAMPLE_RATE = 48_000;
export const OPUS_CHANNELS = 2;
/** Samples per channel in one 20 ms frame. */
export const OPUS_FRAME_SAMPLES = 960;
/** Largest Opus packet (3 frames of 1275 bytes, RFC 6716). */
const MAX_PACKET_BYTES = 1275 * 3;
/** Frame sizes Opus can encode, per channel at 48 kHz: 2.5, 5, 10, 20, 40 and 60 ms. */
const VALID_FRAME_SAMPLES = new Set([120, 240, 480, 960, 1920, 2880]);
/** Longest frame, per channel (60 ms). */
const MAX_FRAME_SAMPLES = 2880;
/** Longest a decoded packet can be, per channel (120 ms: several frames in one packet). */
const MAX_DECODED_SAMPLES = 5760;
/** OPUS_APPLICATION_AUDIO, what @discordjs/opus and prism-media use by default. */
const APPLICATION_AUDIO = 2049;
const OPUS_SET_COMPLEXITY_REQUEST = 4010;
const OPUS_GET_COMPLEXITY_REQUEST = 4011;
/**
 * libopus's encoder complexity for replies (its default is 9). Measured on the speech fixtures at 48 kHz
 * stereo, opusscript: 9 (same output as 8 and 10) 156 us per frame, SNR 25.20 dB, log-spectral distance
 * 3.07 dB; 7: 117 us (-25 %), 25.23 dB, 3.10 dB; 5-6: 96 us but 23.56 dB, 3.61 dB; 2-4: 63 us, 21.8 dB,
 * 3.72 dB. 7 is the knee: a quarter of the encoder's time off a voice thread's busiest work for no
 * measurable loss (a synthetic 24 kHz voice: SNR 30.04 against 30.09 dB).
 */
const ENCODER_COMPLEXITY = 7;

/** Which Opus library is in use. */
export type OpusBackendName = '@discordjs/opus' | 'opusscript';

/** One codec instance (encoder and decoder state), whichever library provides it. */
interface OpusCodec {
  /** Interleaved Int16 frame in, one packet out. */
  encode(frame: Int16Array, frameSamples: number): Buffer;
  /** One packet in, interleaved Int16 out; throws on a corrupt packet. */
  decode(packet: Buffer): Int16Array;
  /** Sets the encoder's complexity (0-10). */
  setComplexity(complexity: number): void;
  /** The encoder's complexity as libopus reports it (the value set, where the library cannot read it back). */
  complexity(): number;
  free(): void;
}

/** A corrupt packet: skip it and keep using the same decoder. */
export class OpusDecodeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OpusDecodeError';
  }
}

const require = createRequire(import.meta.url);

/** The native module's codec class (encode/decode of s16le Buffers). */
interface NativeOpus {
  OpusEncoder: new (
    rate: number,
    channels: number,
  ) => { encode(pcm: Buffer): Buffer; decode(packet: Buffer): Buffer; applyEncoderCTL(request: number, value: number): void };
}

/** The Emscripten module inside opusscript: libopus with a small C++ handler class (embind). */
interface OpusWasmModule {
  readonly HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  OpusScriptHandler: (new (rate: number, channels: number, application: number) => OpusWasmHandler) & { destroy_handler?(handler: OpusWasmHandler): void };
}
interface OpusWasmHandler {
  /** Encodes `frameSize` samples per channel of Int16 at `input` (with `spreadBytes` 0, no byte unpacking). */
  _encode(input: number, spreadBytes: number, output: number, frameSize: number): number;
  /** Decodes into `output` as one 16-bit slot per byte (low byte, high byte); returns samples per channel. */
  _decode(input: number, bytes: number, output: number): number;
  /** opus_encoder_ctl with one argument (a value, or for a GET request the address of an int32). */
  _encoder_ctl(request: number, argument: number): number;
  delete?(): void;
}

function nativeCodec(module: NativeOpus): OpusCodec {
  const codec = new module.OpusEncoder(OPUS_SAMPLE_RATE, OPUS_CHANNELS);
  let complexity = 9;
  return {
    encode: (frame) => codec.encode(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength)),
    decode: (packet) => int16FromBytes(codec.decode(packet)),
    setComplexity: (value) => {
      codec.applyEncoderCTL(OPUS_SET_COMPLEXITY_REQUEST, value);
      complexity = value;
    },
    complexity: () => complexity,
    free: () => {},
  };
}

function wasmCodec(module: OpusWasmModule): OpusCodec {
  const handler = new module.OpusScriptHandler(OPUS_SAMPLE_RATE, OPUS_CHANNELS, APPLICATION_AUDIO);
  const pcmBytes = MAX_FRAME_SAMPLES * OPUS_CHANNELS * 2;
  const pcmIn = module._malloc(pcmBytes);
  const packetOut = module._malloc(MAX_PACKET_BYTES);
  const packetIn = module._malloc(MAX_PACKET_BYTES);
  // The handler writes each output byte into its own 16-bit slot, and a packet may hold up to 120 ms (RFC
  // 6716), twice the longest frame we encode: a buffer sized for 60 ms let a corrupt or foreign packet write
  // past its end and corrupt the codec heap (found when DAVE frames were decoded as plain Opus).
  const pcmOut = module._malloc(MAX_DECODED_SAMPLES * OPUS_CHANNELS * 2 * 2);
  const ctl = (request: number, argument: number): void => {
    const result = handler._encoder_ctl(request, argument);
    if (result < 0) throw new Error(`Opus encoder request ${request} failed (error ${result})`);
  };
  return {
    encode(frame, frameSamples) {
      // Views are made per call: a heap that grew since the last call has a new buffer.
      new Int16Array(module.HEAPU8.buffer, pcmIn, frame.length).set(frame);
      const length = handler._encode(pcmIn, 0, packetOut, frameSamples);
      if (length < 0) throw new Error(`Opus encode failed (error ${length})`);
      return Buffer.from(module.HEAPU8.subarray(packetOut, packetOut + length));
    },
    decode(packet) {
      if (packet.length > MAX_PACKET_BYTES) throw new Error(`an Opus packet of ${packet.length} bytes is longer than any valid one`);
      module.HEAPU8.set(packet, packetIn);
      const samplesPerChannel = handler._decode(packetIn, packet.length, pcmOut);
      if (samplesPerChannel < 0) throw new Error(`libopus error ${samplesPerChannel}`);
      const count = samplesPerChannel * OPUS_CHANNELS;
      const slots = new Uint8Array(module.HEAPU8.buffer, pcmOut, count * 4);
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = slots[4 * i]! | (slots[4 * i + 2]! << 8);
      return out;
    },
    setComplexity(value) {
      ctl(OPUS_SET_COMPLEXITY_REQUEST, value);
    },
    complexity() {
      // The packet buffer is free between calls: room for the int32 libopus writes.
      ctl(OPUS_GET_COMPLEXITY_REQUEST, packetOut);
      return new Int32Array(module.HEAPU8.buffer, packetOut, 1)[0]!;
    },
    free() {
      if (module.OpusScriptHandler.destroy_handler) module.OpusScriptHandler.destroy_handler(handler);
      else handler.delete?.();
      for (const pointer of [pcmIn, packetOut, packetIn, pcmOut]) module._free(pointer);
    },
  };
}

let loaded: { readonly name: OpusBackendName; readonly create: () => OpusCodec } | undefined;

/** The native module when it is installed and loads, else opusscript's WASM; a missing native module is never an error. */
function loadBackend(): { readonly name: OpusBackendName; readonly create: () => OpusCodec } {
  if (loaded) return loaded;
  try {
    const native = require('@discordjs/opus') as NativeOpus;
    loaded = { name: '@discordjs/opus', create: () => nativeCodec(native) };
  } catch {
    // The factory instantiates the module synchronously (opusscript's own wrapper relies on that too).
    const module = (require('opusscript/build/opusscript_native_wasm.js') as () => OpusWasmModule)();
    loaded = { name: 'opusscript', create: () => wasmCodec(module) };
  }
  return loaded;
}

/** The Opus library in use: '@discordjs/opus' when installed and loadable, else 'opusscript'. */
export function opusBackend(): OpusBackendName {
  return loadBackend().name;
}

/** Base for the encoder and decoder: owns one codec instance and frees it once. */
class OpusCodecHandle {
  private codec: OpusCodec | undefined;

  constructor() {
    this.codec = loadBackend().create();
  }

  protected use(): OpusCodec {
    if (!this.codec) throw new Error('This Opus codec was destroyed');
    return this.codec;
  }

  /** Frees the codec (its WASM heap memory, for opusscript). Safe to call twice. */
  destroy(): void {
    this.codec?.free();
    this.codec = undefined;
  }
}

/** Decodes one speaker's Opus packets to 48 kHz interleaved stereo Int16. */
export class OpusDecoder extends OpusCodecHandle {
  /** Decodes one packet (20 ms from Discord gives 1920 samples); throws `OpusDecodeError` if it is corrupt. */
  decode(packet: Uint8Array): Int16Array {
    const codec = this.use();
    if (packet.length === 0) throw new OpusDecodeError('Empty Opus packet');
    if (packet.length > MAX_PACKET_BYTES)
      throw new OpusDecodeError(`Opus packet of ${packet.length} bytes is larger than the ${MAX_PACKET_BYTES}-byte maximum`);
    const input = Buffer.isBuffer(packet) ? packet : Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
    try {
      return codec.decode(input);
    } catch (error) {
      throw new OpusDecodeError(`Corrupt Opus packet (${packet.length} bytes): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
}

/** Encodes 48 kHz interleaved stereo Int16 frames to Opus packets, at ENCODER_COMPLEXITY. */
export class OpusEncoder extends OpusCodecHandle {
  constructor() {
    super();
    this.use().setComplexity(ENCODER_COMPLEXITY);
  }

  /** The complexity libopus encodes at (read back from libopus with opusscript). */
  get complexity(): number {
    return this.use().complexity();
  }

  /** Encodes one frame (normally 20 ms = 1920 interleaved samples) to one packet. */
  encode(frame: Int16Array): Buffer {
    const codec = this.use();
    const frameSamples = frame.length / OPUS_CHANNELS;
    if (!VALID_FRAME_SAMPLES.has(frameSamples)) {
      throw new RangeError(`An Opus frame must be 2.5-60 ms of stereo audio (e.g. ${OPUS_FRAME_SAMPLES * OPUS_CHANNELS} samples), got ${frame.length} samples`);
    }
    return codec.encode(frame, frameSamples);
  }
}

const FRAME_BYTES = OPUS_FRAME_SAMPLES * OPUS_CHANNELS * 2;

/**
 * Opus packets of a PCM stream (s16le 48 kHz stereo), each 20 ms frame encoded only when its packet is read
 * (object mode, at most one packet encoded ahead). Playback reads one packet per 20 ms cycle, so a voice
 * thread encodes one frame per guild per cycle, right after the cycle's send. Encoding as audio arrives (the
 * Transform this replaced) did a reply's chunk (80 ms of model audio: 4 frames) inside the message that
 * brought it: at 25 guilds per thread that work landed at any moment, also just before a send, and after
 * the thread had waited for a core it all ran before the late send could. A partial last frame is dropped;
 * the codec is freed when the stream ends or is destroyed.
 */
export class OpusEncodingReader extends Readable {
  readonly #encoder = new OpusEncoder();
  readonly #pcm: Readable;
  /** A read found no whole frame ready: the next 'readable' of the PCM continues it. */
  #waiting = false;

  constructor(pcm: Readable) {
    super({ objectMode: true, highWaterMark: 1 });
    this.#pcm = pcm;
    pcm.on('readable', () => {
      if (this.#waiting) this.#pull();
    });
    pcm.once('end', () => {
      this.#encoder.destroy();
      this.push(null);
    });
    pcm.once('error', (error) => this.destroy(error));
  }

  override _read(): void {
    this.#waiting = true;
    this.#pull();
  }

  #pull(): void {
    for (;;) {
      const bytes = this.#pcm.read(FRAME_BYTES) as Buffer | null;
      // Not a whole frame yet: 'readable' (more audio) or 'end' follows.
      if (bytes === null) return;
      if (bytes.length < FRAME_BYTES) continue;
      this.#waiting = false;
      let packet: Buffer;
      try {
        packet = this.#encoder.encode(int16FromBytes(bytes));
      } catch (error) {
        this.destroy(error as Error);
        return;
      }
      if (!this.push(packet)) return;
      this.#waiting = true;
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#encoder.destroy();
    this.#pcm.destroy();
    callback(error);
  }
}
