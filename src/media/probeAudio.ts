/**
 * How long an audio file is, from its headers alone, so a file far over the model's limit is refused before a
 * single sample is decoded (a 7 MB MP3 can hold two hours: decoding it whole took 12 s of CPU and 530 MB).
 * WAV: the format and data chunk sizes. MP3: the Xing/Info or VBRI frame count, else the first frame's bit
 * rate over the file's size. Ogg Opus: the last page's granule position minus the pre-skip.
 * An estimate can lie (a header is only a claim), so decoding is capped at the limit as well (decodeAudio).
 */
import { readOggStream, type OggStream } from './ogg.ts';
import type { MediaProblem } from './problems.ts';
import { isMpegAudioFrame } from './sniff.ts';

/** The sample rate Ogg Opus granule positions count in (RFC 7845 §4). */
const OPUS_GRANULE_RATE = 48_000;
/** The lowest MP3 bit rate (MPEG-2 layer III, 8 kbit/s): a file cannot hold more than this many seconds per byte. */
const MIN_MP3_BITS_PER_SECOND = 8_000;
/** How far past the ID3 tag a first MP3 frame may start (some writers pad with zeros). */
const MP3_SYNC_SEARCH_BYTES = 64 * 1024;

/** Seconds of audio the headers claim, or undefined when they do not say (decoding will tell, within the cap). */
export function audioSecondsFromHeaders(bytes: Uint8Array, format: 'wav' | 'mp3' | 'ogg-opus', ogg?: OggStream): number | undefined {
  switch (format) {
    case 'wav':
      return wavSeconds(bytes);
    case 'mp3':
      return mp3Seconds(bytes);
    case 'ogg-opus':
      return oggOpusSeconds(ogg ?? readOggStream(bytes));
  }
}

// ---- WAV ---------------------------------------------------------------------------------------------

/** What a WAV header says: the format fields and the data chunk's declared and present sizes. */
interface WavHeader {
  readonly codec?: number;
  readonly channels?: number;
  readonly sampleRate?: number;
  readonly bitsPerSample?: number;
  readonly declaredDataBytes?: number;
  readonly presentDataBytes?: number;
}

const WAV_PCM = 0x0001;
const WAV_FLOAT = 0x0003;
const WAV_EXTENSIBLE = 0xfffe;
const WAV_STREAMING_SIZE = 0xffffffff;
const WAV_CODEC_NAMES: Readonly<Record<number, string>> = { 2: 'Microsoft ADPCM', 6: 'A-law', 7: 'mu-law', 17: 'IMA ADPCM', 85: 'MP3-in-WAV' };

function readWavHeader(bytes: Uint8Array): WavHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: WavHeader = {};
  for (let at = 12; at + 8 <= bytes.length && (header.codec === undefined || header.declaredDataBytes === undefined); ) {
    const id = String.fromCharCode(...bytes.subarray(at, at + 4));
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ' && size >= 16 && body + 16 <= bytes.length) {
      let codec = view.getUint16(body, true);
      // WAVE_FORMAT_EXTENSIBLE keeps the real format code at the start of its sub-format GUID.
      if (codec === WAV_EXTENSIBLE && size >= 40 && body + 26 <= bytes.length) codec = view.getUint16(body + 24, true);
      header = {
        ...header,
        codec,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bitsPerSample: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      header = { ...header, declaredDataBytes: size, presentDataBytes: Math.max(0, bytes.length - body) };
    }
    at = body + size + (size % 2);
  }
  return header;
}

function wavSeconds(bytes: Uint8Array): number | undefined {
  const { channels, sampleRate, bitsPerSample, declaredDataBytes, presentDataBytes } = readWavHeader(bytes);
  const bytesPerSecond = (channels ?? 0) * (sampleRate ?? 0) * Math.ceil((bitsPerSample ?? 0) / 8);
  if (!bytesPerSecond || declaredDataBytes === undefined || presentDataBytes === undefined) return undefined;
  // A streaming writer's 0xFFFFFFFF, or a size past the end, both mean "what is there".
  return Math.min(declaredDataBytes, presentDataBytes) / bytesPerSecond;
}

/** Why a WAV file the decoder refused cannot be played, told from its header (the decoder words its own reasons). */
export function wavProblem(bytes: Uint8Array): MediaProblem {
  const { codec, bitsPerSample, declaredDataBytes, presentDataBytes } = readWavHeader(bytes);
  if (codec !== undefined && codec !== WAV_PCM && codec !== WAV_FLOAT) {
    return { reason: 'unsupported_encoding', encoding: WAV_CODEC_NAMES[codec] ?? `codec 0x${codec.toString(16).padStart(4, '0')}` };
  }
  if (codec !== undefined && bitsPerSample !== undefined) {
    const bytesPerSample = Math.ceil(bitsPerSample / 8);
    const supported = codec === WAV_PCM ? bytesPerSample >= 1 && bytesPerSample <= 4 : bytesPerSample === 4 || bytesPerSample === 8;
    if (!supported) return { reason: 'unsupported_encoding', encoding: `${bitsPerSample}-bit ${codec === WAV_PCM ? 'integer' : 'float'} samples` };
  }
  if (declaredDataBytes !== undefined && declaredDataBytes !== WAV_STREAMING_SIZE && declaredDataBytes > (presentDataBytes ?? 0))
    return { reason: 'truncated' };
  return { reason: 'damaged', what: 'audio' };
}

// ---- Ogg Opus ----------------------------------------------------------------------------------------

function oggOpusSeconds(stream: OggStream): number | undefined {
  const head = stream.packets[0];
  if (stream.lastGranule <= 0n || !head || head.length < 19) return undefined;
  const preSkip = head[10]! | (head[11]! << 8);
  return Math.max(0, Number(stream.lastGranule) - preSkip) / OPUS_GRANULE_RATE;
}

// ---- MP3 ---------------------------------------------------------------------------------------------

/** kbit/s by [MPEG-1?][layer 1..3][index]. */
const BIT_RATES: Readonly<Record<'v1' | 'v2', readonly (readonly number[])[]>> = {
  v1: [
    [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
    [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
    [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  ],
  v2: [
    [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  ],
};
/** Hz by version bits (0 = MPEG-2.5, 2 = MPEG-2, 3 = MPEG-1) and rate index. */
const SAMPLE_RATES: Readonly<Record<number, readonly number[]>> = { 0: [11025, 12000, 8000], 2: [22050, 24000, 16000], 3: [44100, 48000, 32000] };

interface Mp3Frame {
  readonly at: number;
  readonly bitRate: number;
  readonly sampleRate: number;
  readonly samplesPerFrame: number;
  readonly length: number;
  /** Where a Xing/Info header would start in this frame (after the side information). */
  readonly xingAt: number;
}

/** The frame header at `at`, or undefined when there is none (or a free-format one, which has no bit rate). */
export function readMp3Frame(bytes: Uint8Array, at: number): Mp3Frame | undefined {
  if (!isMpegAudioFrame(bytes, at) || at + 4 > bytes.length) return undefined;
  const b1 = bytes[at + 1]!;
  const b2 = bytes[at + 2]!;
  const b3 = bytes[at + 3]!;
  const versionBits = (b1 >> 3) & 0x03;
  const mpeg1 = versionBits === 3;
  const layer = 4 - ((b1 >> 1) & 0x03); // 1, 2 or 3
  const bitRate = (BIT_RATES[mpeg1 ? 'v1' : 'v2'][layer - 1]![b2 >> 4] ?? 0) * 1000;
  const sampleRate = SAMPLE_RATES[versionBits]?.[(b2 >> 2) & 0x03];
  if (!bitRate || !sampleRate) return undefined;
  const padding = (b2 >> 1) & 0x01;
  const samplesPerFrame = layer === 1 ? 384 : layer === 3 && !mpeg1 ? 576 : 1152;
  const length = layer === 1 ? (Math.floor((12 * bitRate) / sampleRate) + padding) * 4 : Math.floor((samplesPerFrame / 8) * (bitRate / sampleRate)) + padding;
  const mono = b3 >> 6 === 3;
  const sideInfo = mpeg1 ? (mono ? 17 : 32) : mono ? 9 : 17;
  return { at, bitRate, sampleRate, samplesPerFrame, length, xingAt: at + 4 + sideInfo };
}

/** Where the audio starts: after an ID3v2 tag (size is "syncsafe": 7 bits per byte), plus its footer if flagged. */
function afterId3(bytes: Uint8Array): number {
  if (String.fromCharCode(...bytes.subarray(0, 3)) !== 'ID3' || bytes.length < 10) return 0;
  const size = ((bytes[6]! & 0x7f) << 21) | ((bytes[7]! & 0x7f) << 14) | ((bytes[8]! & 0x7f) << 7) | (bytes[9]! & 0x7f);
  return 10 + size + (bytes[5]! & 0x10 ? 10 : 0);
}

/** The first frame header followed by another one where its length says (two in a row rule out chance matches). */
function firstMp3Frame(bytes: Uint8Array): Mp3Frame | undefined {
  const start = afterId3(bytes);
  const stop = Math.min(bytes.length - 4, start + MP3_SYNC_SEARCH_BYTES);
  for (let at = start; at < stop; at++) {
    const frame = readMp3Frame(bytes, at);
    if (frame && (at + frame.length >= bytes.length - 4 || isMpegAudioFrame(bytes, at + frame.length))) return frame;
  }
  return undefined;
}

function mp3Seconds(bytes: Uint8Array): number | undefined {
  const frame = firstMp3Frame(bytes);
  if (!frame) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));
  const ceiling = ((bytes.length - frame.at) * 8) / MIN_MP3_BITS_PER_SECOND;
  let frames: number | undefined;
  // Xing (VBR) / Info (CBR) header: flags, then the frame count when bit 0 is set.
  if ((tag(frame.xingAt) === 'Xing' || tag(frame.xingAt) === 'Info') && frame.xingAt + 12 <= bytes.length && view.getUint32(frame.xingAt + 4) & 0x01) {
    frames = view.getUint32(frame.xingAt + 8);
  } else if (tag(frame.at + 36) === 'VBRI' && frame.at + 36 + 18 <= bytes.length) {
    frames = view.getUint32(frame.at + 36 + 14);
  }
  if (frames !== undefined && frames > 0) return Math.min(ceiling, (frames * frame.samplesPerFrame) / frame.sampleRate);
  // No VBR header: a constant bit rate, so the size says the length.
  return ((bytes.length - frame.at) * 8) / frame.bitRate;
}
