/**
 * Audio files to 16 kHz mono for the model, without ffmpeg: WAV (our own reader), Ogg Opus (Discord voice
 * messages; our Ogg demuxer + the Opus codec the voice path already uses) and MP3 (mpg123 compiled to WASM).
 * Decoding streams through the resampler, so a long file never sits in memory at 48 kHz, and yields to the
 * event loop about every second of audio, so a long file never stalls voice playback in other guilds.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { MPEGDecoder } from 'mpg123-decoder';
import { InvalidInputError } from '../errors.ts';
import { concatSamples } from '../audio/pcm.ts';
import { createDiscordToModel, MODEL_INPUT_SAMPLE_RATE, toModelInput } from '../audio/pipelines.ts';
import { OPUS_CHANNELS, OpusDecodeError, OpusDecoder } from '../audio/opus.ts';
import { Resampler } from '../audio/resample.ts';
import { decodeWav, WavFormatError } from '../audio/wav.ts';
import { OggFormatError, readOggStream } from './ogg.ts';
import { sniff } from './sniff.ts';

/** Audio ready for the model: 16 kHz mono. */
export interface DecodedAudio {
  readonly samples: Int16Array;
  readonly seconds: number;
}

/** Decodes any supported audio file to 16 kHz mono; InvalidInputError naming `name` when it cannot. */
export async function decodeAudio(bytes: Uint8Array, name: string): Promise<DecodedAudio> {
  if (bytes.length === 0) throw new InvalidInputError(`${name} is empty (0 bytes).`);
  const type = sniff(bytes);
  let samples: Int16Array;
  switch (type?.format) {
    case 'wav':
      samples = decodeWavFile(bytes, name);
      break;
    case 'ogg-opus':
      samples = await decodeOggOpus(bytes, name);
      break;
    case 'mp3':
      samples = await decodeMp3(bytes, name);
      break;
    default:
      throw new InvalidInputError(`${name} is ${type?.label ?? 'not an audio file I recognise'}; I can play WAV, MP3 and Ogg Opus (Discord voice messages).`);
  }
  if (samples.length === 0) throw new InvalidInputError(`${name} has no sound in it.`);
  return { samples, seconds: samples.length / MODEL_INPUT_SAMPLE_RATE };
}

function decodeWavFile(bytes: Uint8Array, name: string): Int16Array {
  try {
    return toModelInput(decodeWav(bytes));
  } catch (error) {
    // The WAV reader's sentences say "The WAV file…"; prefix the name so people know which file.
    if (error instanceof WavFormatError) throw new InvalidInputError(`${name}: ${error.userMessage}`);
    throw error;
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

function readOpusHead(packet: Uint8Array | undefined, name: string): OpusHead {
  if (!packet || packet.length < 19 || Buffer.from(packet.subarray(0, 8)).toString('latin1') !== 'OpusHead') {
    throw new InvalidInputError(`${name} is damaged: its Opus header is missing.`);
  }
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  // Only major version 0 exists; a higher one would be laid out differently.
  if (packet[8]! >> 4 !== 0) throw new InvalidInputError(`${name} uses an Opus file version I cannot read.`);
  return { channels: packet[9]!, preSkip: view.getUint16(10, true), gainDb: view.getInt16(16, true) / 256, mappingFamily: packet[18]! };
}

async function decodeOggOpus(bytes: Uint8Array, name: string): Promise<Int16Array> {
  let stream: ReturnType<typeof readOggStream>;
  try {
    stream = readOggStream(bytes);
  } catch (error) {
    if (!(error instanceof OggFormatError)) throw error;
    throw new InvalidInputError(
      error.reason === 'truncated' ? `${name} is cut short (the upload may have failed); please send it again.` : `${name} is damaged and cannot be played.`,
    );
  }
  const head = readOpusHead(stream.packets[0], name);
  // Family 0 is mono or stereo in one Opus stream; others pack several streams per packet (surround).
  if (head.mappingFamily !== 0) throw new InvalidInputError(`${name} is surround-sound Opus, which I cannot play; please send mono or stereo.`);
  // Packet 1 is OpusTags; audio follows. The last granule position counts the pre-skip too.
  const wantedFrames = stream.lastGranule > 0n ? Number(stream.lastGranule) - head.preSkip : Number.POSITIVE_INFINITY;
  const gain = 10 ** (head.gainDb / 20);
  const decoder = new OpusDecoder();
  const converter = createDiscordToModel();
  const out: Int16Array[] = [];
  let skip = head.preSkip;
  let kept = 0;
  try {
    for (const [index, packet] of stream.packets.slice(2).entries()) {
      if (index % PACKETS_BETWEEN_YIELDS === PACKETS_BETWEEN_YIELDS - 1) await yieldToEventLoop();
      let pcm: Int16Array;
      try {
        pcm = decoder.decode(packet);
      } catch (error) {
        if (error instanceof OpusDecodeError) throw new InvalidInputError(`${name} is damaged and cannot be played.`);
        throw error;
      }
      // Always stereo frames here: the decoder upmixes a mono stream.
      const from = Math.min(skip, pcm.length / OPUS_CHANNELS);
      skip -= from;
      const take = Math.max(0, Math.min(pcm.length / OPUS_CHANNELS - from, wantedFrames - kept));
      kept += take;
      let frames = pcm.subarray(from * OPUS_CHANNELS, (from + take) * OPUS_CHANNELS);
      if (gain !== 1) frames = frames.map((sample) => Math.max(-32768, Math.min(32767, Math.round(sample * gain))));
      out.push(converter.push(frames));
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

async function decodeMp3(bytes: Uint8Array, name: string): Promise<Int16Array> {
  const decoder = new MPEGDecoder();
  await decoder.ready;
  const out: Int16Array[] = [];
  let resampler: Resampler | undefined;
  try {
    for (let at = 0; at < bytes.length; at += MP3_CHUNK_BYTES) {
      if (at > 0) await yieldToEventLoop();
      const decoded = decoder.decode(bytes.subarray(at, at + MP3_CHUNK_BYTES));
      if (decoded.samplesDecoded === 0) continue;
      if (resampler && resampler.fromRate !== decoded.sampleRate) {
        throw new InvalidInputError(`${name} changes its sample rate part-way, which I cannot play.`);
      }
      resampler ??= new Resampler({ fromRate: decoded.sampleRate, toRate: MODEL_INPUT_SAMPLE_RATE });
      out.push(resampler.process(downmixFloat(decoded.channelData, decoded.samplesDecoded)));
    }
  } finally {
    decoder.free();
  }
  if (!resampler) throw new InvalidInputError(`${name} is damaged: I found no MP3 audio in it.`);
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
