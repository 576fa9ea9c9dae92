/**
 * A spoken reply as a Discord voice message: an Ogg Opus file (48 kHz, 20 ms packets, RFC 7845) plus the
 * duration and waveform Discord shows on the attachment. The model speaks 24 kHz mono PCM.
 */
import { upmixToStereo } from '../audio/channels.ts';
import { OPUS_CHANNELS, OPUS_FRAME_SAMPLES, OPUS_SAMPLE_RATE, OpusEncoder } from '../audio/opus.ts';
import { Resampler } from '../audio/resample.ts';
import { concatSamples } from '../audio/pcm.ts';
import { MODEL_OUTPUT_SAMPLE_RATE } from '../omni/events.ts';
import { OGG_BOS, OGG_EOS, OggPageWriter } from './ogg.ts';

/** What a voice-message attachment needs: the file and the two fields Discord shows with it. */
export interface VoiceMessage {
  /** The Ogg Opus file (`audio/ogg`). */
  readonly ogg: Buffer;
  readonly durationSeconds: number;
  /** Base64 of up to 256 amplitude bytes (0..255), one per slice of the message, as Discord draws it. */
  readonly waveform: string;
}

/**
 * Samples libopus holds back at 48 kHz (2.5 ms look-ahead + 4 ms delay compensation); the decoder drops
 * this many from the start, as OpusHead's pre-skip tells it.
 */
export const OPUS_PRE_SKIP = 312;
/** Any serial number will do for a file with one stream; a fixed one keeps the output reproducible. */
const STREAM_SERIAL = 0x51574e4f;
/** About one second of audio per page keeps pages small and seeking cheap. */
const PACKETS_PER_PAGE = 50;
const WAVEFORM_MAX_POINTS = 256;
/** Discord's own clients draw about ten points a second for short messages. */
const WAVEFORM_POINTS_PER_SECOND = 10;

/** Encodes mono PCM (the model's 24 kHz by default) as a voice message in one go. */
export function encodeVoiceMessage(pcm: Int16Array, sampleRate: number = MODEL_OUTPUT_SAMPLE_RATE): VoiceMessage {
  const encoder = new VoiceMessageEncoder(sampleRate);
  encoder.push(pcm);
  return encoder.finish();
}

/**
 * Builds a voice message while the reply streams in: each chunk is resampled and Opus-encoded as it arrives,
 * so the codec's work is spread over the reply instead of blocking the event loop (and every other guild's
 * playback) for a few hundred milliseconds at its end.
 */
export class VoiceMessageEncoder {
  readonly #sampleRate: number;
  readonly #resampler: Resampler;
  readonly #opus = new OpusEncoder();
  /** The input as given, for the waveform (which needs the total length). */
  readonly #input: Int16Array[] = [];
  readonly #packets: Buffer[] = [];
  /** 48 kHz mono not yet encoded (less than one frame after each push). */
  #pending = new Int16Array(0);
  /** 48 kHz samples of real audio so far. */
  #samples48 = 0;

  constructor(sampleRate: number = MODEL_OUTPUT_SAMPLE_RATE) {
    this.#sampleRate = sampleRate;
    this.#resampler = new Resampler({ fromRate: sampleRate, toRate: OPUS_SAMPLE_RATE });
  }

  push(pcm: Int16Array): void {
    this.#input.push(pcm);
    this.#add(this.#resampler.process(pcm));
  }

  /** The finished message; the encoder cannot be used afterwards. */
  finish(): VoiceMessage {
    try {
      this.#add(this.#resampler.flush());
      // The encoder's look-ahead delays everything by the pre-skip: feed that much silence after the end so the
      // last real samples come out, then pad to a whole 20 ms frame.
      const frames = Math.ceil((this.#samples48 + OPUS_PRE_SKIP) / OPUS_FRAME_SAMPLES) - this.#packets.length;
      const tail = new Int16Array(frames * OPUS_FRAME_SAMPLES);
      tail.set(this.#pending);
      this.#pending = new Int16Array(0);
      for (let at = 0; at < tail.length; at += OPUS_FRAME_SAMPLES) this.#encode(tail.subarray(at, at + OPUS_FRAME_SAMPLES));
    } finally {
      this.#opus.destroy();
    }
    const pcm = concatSamples(this.#input);
    return {
      ogg: this.#pages(),
      durationSeconds: pcm.length / this.#sampleRate,
      waveform: Buffer.from(waveform(pcm, this.#sampleRate)).toString('base64'),
    };
  }

  /** Drops the message (the reply failed) and frees the codec. */
  discard(): void {
    this.#opus.destroy();
  }

  #add(mono48: Int16Array): void {
    this.#samples48 += mono48.length;
    const all = concatSamples([this.#pending, mono48]);
    let at = 0;
    for (; at + OPUS_FRAME_SAMPLES <= all.length; at += OPUS_FRAME_SAMPLES) this.#encode(all.subarray(at, at + OPUS_FRAME_SAMPLES));
    this.#pending = all.slice(at);
  }

  #encode(mono: Int16Array): void {
    this.#packets.push(this.#opus.encode(upmixToStereo(mono)));
  }

  /** The Ogg file: header pages, then about a second of packets per page (RFC 7845). */
  #pages(): Buffer {
    const writer = new OggPageWriter(STREAM_SERIAL);
    const pages: Buffer[] = [writer.page([opusHead(this.#sampleRate)], 0n, OGG_BOS), writer.page([opusTags()], 0n, 0)];
    // The last page's granule position trims the padding away (RFC 7845 §4.4).
    const finalGranule = BigInt(OPUS_PRE_SKIP + this.#samples48);
    let page: Buffer[] = [];
    for (const [index, packet] of this.#packets.entries()) {
      if (page.length > 0 && !OggPageWriter.fits([...page, packet])) {
        pages.push(writer.page(page, BigInt(index * OPUS_FRAME_SAMPLES), 0));
        page = [];
      }
      page.push(packet);
      if (index === this.#packets.length - 1) pages.push(writer.page(page, finalGranule, OGG_EOS));
      else if (page.length === PACKETS_PER_PAGE) {
        pages.push(writer.page(page, BigInt((index + 1) * OPUS_FRAME_SAMPLES), 0));
        page = [];
      }
    }
    return Buffer.concat(pages);
  }
}

function opusHead(inputRate: number): Buffer {
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'latin1');
  head[8] = 1; // version
  head[9] = OPUS_CHANNELS;
  head.writeUInt16LE(OPUS_PRE_SKIP, 10);
  head.writeUInt32LE(inputRate, 12); // informational: the rate the audio had before encoding
  head.writeInt16LE(0, 16); // output gain
  head[18] = 0; // channel mapping family 0: mono or stereo, one stream
  return head;
}

function opusTags(): Buffer {
  const vendor = Buffer.from('qwen-omni-discord-voice', 'utf8');
  const tags = Buffer.alloc(8 + 4 + vendor.length + 4);
  tags.write('OpusTags', 0, 'latin1');
  tags.writeUInt32LE(vendor.length, 8);
  vendor.copy(tags, 12);
  tags.writeUInt32LE(0, 12 + vendor.length); // no user comments
  return tags;
}

/**
 * One byte per slice: the slice's RMS level, scaled so the loudest slice is 255 (Discord draws the bars
 * relative to each other, so a quiet speaker still shows the shape of their speech).
 */
export function waveform(pcm: Int16Array, sampleRate: number): Uint8Array {
  const points = Math.max(1, Math.min(WAVEFORM_MAX_POINTS, Math.ceil((pcm.length / sampleRate) * WAVEFORM_POINTS_PER_SECOND)));
  const levels = new Float64Array(points);
  for (let point = 0; point < points; point++) {
    const from = Math.floor((point * pcm.length) / points);
    const to = Math.floor(((point + 1) * pcm.length) / points);
    let sum = 0;
    for (let i = from; i < to; i++) sum += pcm[i]! * pcm[i]!;
    levels[point] = to > from ? Math.sqrt(sum / (to - from)) : 0;
  }
  const loudest = Math.max(...levels);
  return Uint8Array.from(levels, (level) => (loudest > 0 ? Math.round((level / loudest) * 255) : 0));
}
