/**
 * Audio files to 16 kHz mono for the model, without ffmpeg: WAV (our own reader), Ogg Opus (Discord voice
 * messages; our Ogg demuxer + the Opus codec the voice path already uses) and MP3 (mpg123 compiled to WASM).
 * Decoding streams through the resampler, so a long file never sits in memory at 48 kHz, and yields to the
 * event loop about every second of audio, so a long file never stalls voice playback in other guilds.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { MPEGDecoder } from 'mpg123-decoder';
import { concatSamples } from '../audio/pcm.ts';
import { createDiscordToModel, MODEL_INPUT_SAMPLE_RATE, toModelInput } from '../audio/pipelines.ts';
import { OPUS_CHANNELS, OpusDecodeError, OpusDecoder } from '../audio/opus.ts';
import { Resampler } from '../audio/resample.ts';
import { decodeWav, WavFormatError } from '../audio/wav.ts';
import { OggFormatError, readOggStream, type OggStream } from './ogg.ts';
import { MediaFormatError } from './problems.ts';
import { audioSecondsFromHeaders, wavProblem } from './probeAudio.ts';
import { sniff } from './sniff.ts';

/** Audio ready for the model: 16 kHz mono. */
export interface DecodedAudio {
  readonly samples: Int16Array;
  readonly seconds: number;
}

export interface DecodeAudioOptions {
  /**
   * The most audio worth decoding (s). A file whose headers claim more is refused before decoding; one whose
   * headers lie is refused as soon as decoding passes it, so memory stays bounded whatever the file claims.
   */
  readonly maxSeconds?: number;
}

/** Decodes any supported audio file to 16 kHz mono; MediaFormatError (a reason code) when it cannot or may not. */
export async function decodeAudio(bytes: Uint8Array, options: DecodeAudioOptions = {}): Promise<DecodedAudio> {
  if (bytes.length === 0) throw new MediaFormatError({ reason: 'empty' });
  const type = sniff(bytes);
  const maxSeconds = options.maxSeconds ?? Number.POSITIVE_INFINITY;
  const checkClaim = (claimed: number | undefined): void => {
    if (claimed !== undefined && claimed > maxSeconds) throw new MediaFormatError({ reason: 'too_long', seconds: claimed, maxSeconds });
  };
  let samples: Int16Array;
  switch (type?.format) {
    case 'wav':
      checkClaim(audioSecondsFromHeaders(bytes, 'wav'));
      samples = decodeWavFile(bytes);
      break;
    case 'ogg-opus': {
      const stream = readOgg(bytes);
      checkClaim(audioSecondsFromHeaders(bytes, 'ogg-opus', stream));
      samples = await decodeOggOpus(stream, maxSeconds);
      break;
    }
    case 'mp3':
      checkClaim(audioSecondsFromHeaders(bytes, 'mp3'));
      samples = await decodeMp3(bytes, maxSeconds);
      break;
    default:
      throw type ? new MediaFormatError({ reason: 'unsupported_audio', label: type.label }) : new MediaFormatError({ reason: 'unknown_type' });
  }
  if (samples.length === 0) throw new MediaFormatError({ reason: 'no_sound' });
  const seconds = samples.length / MODEL_INPUT_SAMPLE_RATE;
  if (seconds > maxSeconds) throw new MediaFormatError({ reason: 'too_long', seconds, maxSeconds });
  return { samples, seconds };
}

/** Stops a decoder once its output passes the limit. */
function tooLongSoFar(samples: number, maxSeconds: number): MediaFormatError | undefined {
  const seconds = samples / MODEL_INPUT_SAMPLE_RATE;
  return seconds > maxSeconds ? new MediaFormatError({ reason: 'too_long', seconds, maxSeconds, atLeast: true }) : undefined;
}

function decodeWavFile(bytes: Uint8Array): Int16Array {
  try {
    return toModelInput(decodeWav(bytes));
  } catch (error) {
    if (!(error instanceof WavFormatError)) throw error;
    // The WAV reader (shared with the voice path) words its own reasons; the header tells which code applies.
    throw new MediaFormatError(wavProblem(bytes), error.message);
  }
}

function readOgg(bytes: Uint8Array): OggStream {
  try {
    return readOggStream(bytes);
  } catch (error) {
    if (!(error instanceof OggFormatError)) throw error;
    throw new MediaFormatError(error.reason === 'truncated' ? { reason: 'truncated' } : { reason: 'damaged', what: 'audio' }, error.message);
  }
}

// ---- Ogg Opus ---------------------------------------------------------------------------------------

/** The fields of the OpusHead packet (RFC 7845 §5.1) that decoding needs. */
interface OpusHead {
  readonly channels: number;
  /** 48 kHz samples the encoder added at the start, to drop. */
  readonly preSkip: number;
  /** Gain to apply, in dB (Q7.8 in the file). */
  readonly gainDb: number;
  readonly mappingFamily: number;
}

/** About a second of 20 ms packets: ~7 ms of decoding between chances for other work to run. */
const PACKETS_BETWEEN_YIELDS = 50;

function readOpusHead(packet: Uint8Array | undefined): OpusHead {
  if (!packet || packet.length < 19 || Buffer.from(packet.subarray(0, 8)).toString('latin1') !== 'OpusHead') {
    throw new MediaFormatError({ reason: 'damaged', what: 'audio' }, 'no OpusHead');
  }
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  // Only major version 0 exists; a higher one would be laid out differently.
  if (packet[8]! >> 4 !== 0) throw new MediaFormatError({ reason: 'unsupported_encoding', encoding: `Ogg Opus version ${packet[8]}` });
  return { channels: packet[9]!, preSkip: view.getUint16(10, true), gainDb: view.getInt16(16, true) / 256, mappingFamily: packet[18]! };
}

async function decodeOggOpus(stream: OggStream, maxSeconds: number): Promise<Int16Array> {
  const head = readOpusHead(stream.packets[0]);
  // Family 0 is mono or stereo in one Opus stream; others pack several streams per packet (surround).
  if (head.mappingFamily !== 0) throw new MediaFormatError({ reason: 'surround' });
  // Packet 1 is OpusTags; audio follows. The last granule position counts the pre-skip too.
  const wantedFrames = stream.lastGranule > 0n ? Number(stream.lastGranule) - head.preSkip : Number.POSITIVE_INFINITY;
  const gain = 10 ** (head.gainDb / 20);
  const decoder = new OpusDecoder();
  const converter = createDiscordToModel();
  const out: Int16Array[] = [];
  let skip = head.preSkip;
  let kept = 0;
  let outSamples = 0;
  try {
    for (const [index, packet] of stream.packets.slice(2).entries()) {
      if (index % PACKETS_BETWEEN_YIELDS === PACKETS_BETWEEN_YIELDS - 1) await yieldToEventLoop();
      let pcm: Int16Array;
      try {
        pcm = decoder.decode(packet);
      } catch (error) {
        if (error instanceof OpusDecodeError) throw new MediaFormatError({ reason: 'damaged', what: 'audio' }, error.message);
        throw error;
      }
      // Always stereo frames here: the decoder upmixes a mono stream.
      const from = Math.min(skip, pcm.length / OPUS_CHANNELS);
      skip -= from;
      const take = Math.max(0, Math.min(pcm.length / OPUS_CHANNELS - from, wantedFrames - kept));
      kept += take;
      let frames = pcm.subarray(from * OPUS_CHANNELS, (from + take) * OPUS_CHANNELS);
      if (gain !== 1) frames = frames.map((sample) => Math.max(-32768, Math.min(32767, Math.round(sample * gain))));
      const converted = converter.push(frames);
      out.push(converted);
      outSamples += converted.length;
      const tooLong = tooLongSoFar(outSamples, maxSeconds);
      if (tooLong) throw tooLong;
    }
    out.push(converter.flush());
  } finally {
    decoder.destroy();
  }
  return concatSamples(out);
}

// ---- MP3 --------------------------------------------------------------------------------------------

/** Bytes handed to the MP3 decoder at a time (about 2 s at 64 kbit/s), so its output and each blocking step stay small. */
const MP3_CHUNK_BYTES = 16 * 1024;

async function decodeMp3(bytes: Uint8Array, maxSeconds: number): Promise<Int16Array> {
  const decoder = new MPEGDecoder();
  await decoder.ready;
  const out: Int16Array[] = [];
  let resampler: Resampler | undefined;
  let outSamples = 0;
  try {
    for (let at = 0; at < bytes.length; at += MP3_CHUNK_BYTES) {
      if (at > 0) await yieldToEventLoop();
      const decoded = decoder.decode(bytes.subarray(at, at + MP3_CHUNK_BYTES));
      if (decoded.samplesDecoded === 0) continue;
      if (resampler && resampler.fromRate !== decoded.sampleRate) {
        throw new MediaFormatError({ reason: 'rate_changes' });
      }
      resampler ??= new Resampler({ fromRate: decoded.sampleRate, toRate: MODEL_INPUT_SAMPLE_RATE });
      const converted = resampler.process(downmixFloat(decoded.channelData, decoded.samplesDecoded));
      out.push(converted);
      outSamples += converted.length;
      const tooLong = tooLongSoFar(outSamples, maxSeconds);
      if (tooLong) throw tooLong;
    }
  } finally {
    decoder.free();
  }
  if (!resampler) throw new MediaFormatError({ reason: 'damaged', what: 'audio' }, 'no MP3 frames decoded');
  out.push(resampler.flush());
  return concatSamples(out);
}

/** Averages float channels (-1..1) into one Int16 channel. */
function downmixFloat(channels: readonly Float32Array[], length: number): Int16Array {
  const mono = new Int16Array(length);
  for (let i = 0; i < length; i++) {
    let sum = 0;
    for (const channel of channels) sum += channel[i]!;
    const value = Math.round((sum / channels.length) * 32767);
    mono[i] = value > 32767 ? 32767 : Math.max(value, -32768);
  }
  return mono;
}
