/**
 * One speaker's ear: Opus packets in, end-of-turn utterances out. Decodes each packet, turns gaps in the
 * RTP timeline into silence of the right length (Discord sends nothing while a person is quiet), converts
 * to 16 kHz mono and hands the audio to the speech detector. Pure: no Discord, time comes from the caller.
 */
import { OpusDecodeError, OpusDecoder, OPUS_FRAME_SAMPLES } from '../audio/opus.ts';
import { createDiscordToModel, DISCORD_CHANNELS, DISCORD_SAMPLE_RATE, type PcmConverter } from '../audio/pipelines.ts';

/** What the listener needs of an endpointer: 16 kHz mono in, speech onsets and finished utterances out. */
export interface SpeechDetector {
  push(samples: Int16Array): { readonly utterances: readonly DetectedSpeech[]; readonly speechStarted: boolean };
  flush(): DetectedSpeech | undefined;
}

export interface DetectedSpeech {
  readonly samples: Int16Array;
}

export interface SpeakerListenerOptions {
  readonly detector: SpeechDetector;
  onSpeechStart(): void;
  onUtterance(samples: Int16Array): void;
  /** Silence filled in for one gap at most; longer pauses have ended any utterance anyway. */
  readonly maxGapMs?: number;
  /** Packets later than this are treated as a pause, not as jitter. */
  readonly lateAfterMs?: number;
}

const SAMPLES_PER_MS = DISCORD_SAMPLE_RATE / 1000;
const RTP_TIMESTAMP_RANGE = 2 ** 32;
const DEFAULTS = { maxGapMs: 2_000, lateAfterMs: 60 } as const;

export class SpeakerListener {
  readonly #options: SpeakerListenerOptions;
  readonly #decoder = new OpusDecoder();
  readonly #converter: PcmConverter = createDiscordToModel();
  readonly #maxGapSamples: number;
  readonly #lateAfterMs: number;
  #lastTimestamp: number | undefined;
  #lastPacketAtMs: number | undefined;
  /** Silence (48 kHz frames) already fed since the last packet, by `onIdle`. */
  #filledSinceLastPacket = 0;
  /** Packets that could not be decoded (skipped, counted for diagnostics). */
  corruptPackets = 0;

  constructor(options: SpeakerListenerOptions) {
    this.#options = options;
    this.#maxGapSamples = (options.maxGapMs ?? DEFAULTS.maxGapMs) * SAMPLES_PER_MS;
    this.#lateAfterMs = options.lateAfterMs ?? DEFAULTS.lateAfterMs;
  }

  /** One received packet; `rtpTimestamp` (48 kHz units) places it on the speaker's timeline. */
  onPacket(opus: Uint8Array, rtpTimestamp: number | undefined, nowMs: number): void {
    let pcm: Int16Array;
    try {
      pcm = this.#decoder.decode(opus);
    } catch (error) {
      if (!(error instanceof OpusDecodeError)) throw error;
      this.corruptPackets++;
      return;
    }
    if (rtpTimestamp !== undefined && this.#lastTimestamp !== undefined) {
      // Frames missing between the previous packet and this one (wrapping at 2^32), minus silence already fed.
      const missing = (rtpTimestamp - this.#lastTimestamp - OPUS_FRAME_SAMPLES + RTP_TIMESTAMP_RANGE) % RTP_TIMESTAMP_RANGE;
      if (missing < RTP_TIMESTAMP_RANGE / 2) this.#feedSilence(Math.min(missing, this.#maxGapSamples) - this.#filledSinceLastPacket);
    }
    this.#lastTimestamp = rtpTimestamp;
    this.#lastPacketAtMs = nowMs;
    this.#filledSinceLastPacket = 0;
    this.#feed(pcm);
  }

  /** Time passed with no packet: feed the silence so far, so the end of a turn is noticed on time. */
  onIdle(nowMs: number): void {
    if (this.#lastPacketAtMs === undefined) return;
    const quietMs = nowMs - this.#lastPacketAtMs - OPUS_FRAME_SAMPLES / SAMPLES_PER_MS;
    if (quietMs < this.#lateAfterMs) return;
    const due = Math.min(Math.floor(quietMs * SAMPLES_PER_MS), this.#maxGapSamples);
    const added = due - this.#filledSinceLastPacket;
    if (added <= 0) return;
    this.#feedSilence(added);
  }

  /** The speaker left or the stream ended: whatever was being said is finished now. */
  flush(): void {
    this.#detect(this.#converter.flush());
    const last = this.#options.detector.flush();
    if (last) this.#options.onUtterance(last.samples);
  }

  destroy(): void {
    this.#decoder.destroy();
  }

  #feedSilence(frames48k: number): void {
    if (frames48k <= 0) return;
    this.#filledSinceLastPacket += frames48k;
    this.#feed(new Int16Array(frames48k * DISCORD_CHANNELS));
  }

  #feed(stereo48k: Int16Array): void {
    this.#detect(this.#converter.push(stereo48k));
  }

  #detect(mono16k: Int16Array): void {
    if (mono16k.length === 0) return;
    const { utterances, speechStarted } = this.#options.detector.push(mono16k);
    if (speechStarted) this.#options.onSpeechStart();
    for (const utterance of utterances) this.#options.onUtterance(utterance.samples);
  }
}
