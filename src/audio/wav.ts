/**
 * RIFF WAV encode (PCM16 LE) and decode (PCM 8/16/24/32-bit, IEEE float 32/64, plain or
 * WAVE_FORMAT_EXTENSIBLE) to interleaved Int16 samples.
 *
 * Decoding rules, on purpose:
 * - Unknown chunks (LIST, fact, bext, …) are skipped, honouring the pad byte after odd-sized chunks.
 * - The RIFF size field is ignored (many writers get it wrong); chunks are read to the end of the bytes.
 * - A data size of 0xFFFFFFFF (streaming writers such as ffmpeg on a pipe) means "to the end of the file".
 * - A data chunk that claims more bytes than the file holds is an error (the upload or recording was cut
 *   short; playing part of it would be confusing), but a trailing partial frame is dropped silently.
 * - Sample rates outside 1000-384000 Hz are rejected.
 */
import { InvalidInputError } from '../errors.ts';

/** Interleaved 16-bit PCM as read from a WAV file. */
export interface DecodedWav {
  readonly sampleRate: number;
  readonly channels: number;
  /** Interleaved samples: frame i, channel c is at `i * channels + c`. */
  readonly samples: Int16Array;
}

/** A WAV file we cannot read; `message` and `userMessage` are one sentence safe to show a person. */
export class WavFormatError extends InvalidInputError {}

const FORMAT_PCM = 0x0001;
const FORMAT_FLOAT = 0x0003;
const FORMAT_EXTENSIBLE = 0xfffe;
/** The 14 bytes after the format code in every KSDATAFORMAT_SUBTYPE_* GUID we accept. */
const SUBFORMAT_GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
const STREAMING_DATA_SIZE = 0xffffffff;
const HEADER_BYTES = 44;
/** Sample rates outside this range are not audio anyone records speech at (and would be costly to resample). */
const MIN_SAMPLE_RATE = 1000;
const MAX_SAMPLE_RATE = 384_000;

const CODEC_NAMES: Readonly<Record<number, string>> = {
  2: 'Microsoft ADPCM',
  6: 'A-law',
  7: 'mu-law',
  17: 'IMA ADPCM',
  85: 'MP3',
};

/** Encodes interleaved 16-bit samples as a PCM16 little-endian WAV file. */
export function encodeWav(samples: Int16Array, sampleRate: number, channels: number): Buffer {
  if (!Number.isInteger(channels) || channels < 1) throw new RangeError(`channels must be a positive integer, got ${channels}`);
  if (!Number.isInteger(sampleRate) || sampleRate < 1) throw new RangeError(`sampleRate must be a positive integer, got ${sampleRate}`);
  if (samples.length % channels !== 0) {
    throw new RangeError(`${samples.length} samples do not split into whole frames of ${channels} channels`);
  }
  const dataBytes = samples.length * 2;
  const out = Buffer.alloc(HEADER_BYTES + dataBytes);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(HEADER_BYTES - 8 + dataBytes, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(FORMAT_PCM, 20);
  out.writeUInt16LE(channels, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * channels * 2, 28);
  out.writeUInt16LE(channels * 2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(dataBytes, 40);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < samples.length; i++) view.setInt16(HEADER_BYTES + i * 2, samples[i]!, true);
  return out;
}

interface FormatChunk {
  readonly sampleFormat: 'int' | 'float';
  readonly channels: number;
  readonly sampleRate: number;
  /** Bytes per sample in the file (the container; 12-bit audio sits in 2 bytes). */
  readonly bytesPerSample: number;
}

/** Decodes a WAV file to interleaved Int16 samples; throws `WavFormatError` with a readable reason. */
export function decodeWav(bytes: Uint8Array): DecodedWav {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fourCC = (offset: number): string => String.fromCharCode(...bytes.subarray(offset, offset + 4));

  if (bytes.length < 12) throw new WavFormatError('That file is not a WAV file (it is too short to have a RIFF header).');
  const riff = fourCC(0);
  if (riff === 'RF64') throw new WavFormatError('That WAV file uses the RF64 (over 4 GB) format, which is not supported.');
  if (riff !== 'RIFF') throw new WavFormatError('That file is not a WAV file (no RIFF header).');
  if (fourCC(8) !== 'WAVE') throw new WavFormatError('That file is a RIFF file but not a WAV file (no WAVE type).');

  let format: FormatChunk | undefined;
  let data: { readonly at: number; readonly bytes: number } | undefined;
  let offset = 12;
  // Stop at the data chunk once the format is known; a data chunk before fmt is rare but legal.
  while (offset + 8 <= bytes.length && !(format && data)) {
    const id = fourCC(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    const available = bytes.length - body;
    if (id === 'fmt ') {
      if (size > available) throw new WavFormatError('The WAV file is truncated inside its format chunk.');
      format = readFormat(view, body, size);
    } else if (id === 'data') {
      if (size === STREAMING_DATA_SIZE) data = { at: body, bytes: available };
      else if (size > available) {
        throw new WavFormatError(`The WAV file is truncated: its data chunk says ${size} bytes but only ${available} are there.`);
      } else data = { at: body, bytes: size };
    }
    // Chunks are word-aligned: an odd-sized chunk is followed by one pad byte.
    offset = body + size + (size % 2);
  }
  if (!format) throw new WavFormatError('The WAV file has no format chunk, so it cannot be read.');
  if (!data) throw new WavFormatError('The WAV file has no audio data chunk.');
  return { sampleRate: format.sampleRate, channels: format.channels, samples: readSamples(view, data.at, data.bytes, format) };
}

function readFormat(view: DataView, at: number, size: number): FormatChunk {
  if (size < 16) throw new WavFormatError('The WAV file has a format chunk that is too short.');
  let code = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const bitsPerSample = view.getUint16(at + 14, true);

  if (code === FORMAT_EXTENSIBLE) {
    // cbSize(2) validBits(2) channelMask(4) then the 16-byte subformat GUID, whose first 2 bytes are the real code.
    if (size < 40) throw new WavFormatError('The WAV file says it is WAVE_FORMAT_EXTENSIBLE but its format chunk is too short.');
    code = view.getUint16(at + 24, true);
    const tailMatches = SUBFORMAT_GUID_TAIL.every((byte, i) => view.getUint8(at + 26 + i) === byte);
    if (!tailMatches) throw new WavFormatError('The WAV file uses an unknown WAVE_FORMAT_EXTENSIBLE sub-format, which is not supported.');
  }
  if (code !== FORMAT_PCM && code !== FORMAT_FLOAT) {
    const name = CODEC_NAMES[code] ?? `codec 0x${code.toString(16).padStart(4, '0')}`;
    throw new WavFormatError(`The WAV file is compressed with ${name}; only PCM and 32-bit float WAV files are supported.`);
  }
  if (channels === 0) throw new WavFormatError('The WAV file says it has 0 channels.');
  if (sampleRate === 0) throw new WavFormatError('The WAV file says its sample rate is 0 Hz.');
  if (sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
    throw new WavFormatError(`The WAV file's sample rate of ${sampleRate} Hz is outside the ${MIN_SAMPLE_RATE}-${MAX_SAMPLE_RATE} Hz that can be read.`);
  }

  const bytesPerSample = Math.ceil(bitsPerSample / 8);
  const supported = code === FORMAT_PCM ? bytesPerSample >= 1 && bytesPerSample <= 4 : bytesPerSample === 4 || bytesPerSample === 8;
  if (!supported) {
    const kind = code === FORMAT_PCM ? 'integer' : 'float';
    throw new WavFormatError(`The WAV file uses ${bitsPerSample}-bit ${kind} samples, which are not supported.`);
  }
  return { sampleFormat: code === FORMAT_PCM ? 'int' : 'float', channels, sampleRate, bytesPerSample };
}

function clampToInt16(value: number): number {
  const rounded = Math.round(value);
  return rounded > 32767 ? 32767 : Math.max(rounded, -32768);
}

/** Reads whole frames from `dataBytes` bytes at `at`, converting every sample to Int16. */
function readSamples(view: DataView, at: number, dataBytes: number, format: FormatChunk): Int16Array {
  const { bytesPerSample, channels, sampleFormat } = format;
  const frameBytes = bytesPerSample * channels;
  const count = Math.floor(dataBytes / frameBytes) * channels;
  const out = new Int16Array(count);
  if (sampleFormat === 'float') {
    const read = bytesPerSample === 4 ? (p: number) => view.getFloat32(p, true) : (p: number) => view.getFloat64(p, true);
    for (let i = 0; i < count; i++) {
      const value = read(at + i * bytesPerSample);
      out[i] = Number.isNaN(value) ? 0 : clampToInt16(value * 32768);
    }
    return out;
  }
  switch (bytesPerSample) {
    case 1: // 8-bit WAV is unsigned, centred on 128.
      for (let i = 0; i < count; i++) out[i] = (view.getUint8(at + i) - 128) << 8;
      break;
    case 2:
      for (let i = 0; i < count; i++) out[i] = view.getInt16(at + i * 2, true);
      break;
    case 3:
      for (let i = 0; i < count; i++) {
        const p = at + i * 3;
        const value = (view.getInt8(p + 2) << 16) | (view.getUint8(p + 1) << 8) | view.getUint8(p);
        out[i] = clampToInt16(value / 256);
      }
      break;
    default:
      for (let i = 0; i < count; i++) out[i] = clampToInt16(view.getInt32(at + i * 4, true) / 65536);
  }
  return out;
}
