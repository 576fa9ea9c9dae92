/**
 * One speaker's ear: Opus packets in, end-of-turn utterances out. Decodes each packet, turns gaps in the
 * RTP timeline into silence of the right length (Discord sends nothing while a person is quiet), converts
 * to 16 kHz mono and hands the audio to the speech detector. While no packet comes, the detector is told how
 * long it has been quiet rather than fed invented silence: a packet held up by the network or a busy event
 * loop then adds nothing, and the turn still ends as soon as the silence window has passed since the last
 * packet arrived. Pure: no Discord, time comes from the caller.
 */
import { OpusDecodeError, OpusDecoder, OPUS_FRAME_SAMPLES } from '../audio/opus.ts';
import { TentativeEnd, type TentativeEndEvents } from './TentativeEnd.ts';
import { createDiscordToModel, DISCORD_CHANNELS, DISCORD_SAMPLE_RATE, MODEL_INPUT_SAMPLE_RATE, type PcmConverter } from '../audio/pipelines.ts';

/** What the listener needs of an endpointer: 16 kHz mono in, speech onsets and finished utterances out. */
export interface SpeechDetector {
  push(samples: Int16Array): { readonly utterances: readonly DetectedSpeech[]; readonly speechStarted: boolean };
  /** How much longer (ms) than the audio pushed so far the current turn must stay quiet to end; undefined if no turn is open. */
  quietNeededMs(): number | undefined;
  /** How long (ms) the open turn has been quiet at the end of the audio pushed so far; undefined if no turn is open. */
  quietMs(): number | undefined;
  /** The utterance the open turn would give if it ended now (the turn stays open); undefined if none. */
  current(): DetectedSpeech | undefined;
  /** Nothing has come for `quietMs` after the audio pushed so far: ends the open turn if its silence window is now complete. */
  idle(quietMs: number): DetectedSpeech | undefined;
  flush(): DetectedSpeech | undefined;
}

export interface DetectedSpeech {
  readonly samples: Int16Array;
}

export interface SpeakerListenerOptions {
  readonly detector: SpeechDetector;
  onSpeechStart(): void;
  onUtterance(samples: Int16Array): void;
  /** Tentative ends for speculative requests: after `afterMs` of quiet, and their withdrawal (see TentativeEnd). */
  readonly speculation?: TentativeEndEvents & { readonly afterMs: number };
  /** Silence filled in for one gap at most; longer pauses have ended any utterance anyway. */
  readonly maxGapMs?: number;
}

const SAMPLES_PER_MS = DISCORD_SAMPLE_RATE / 1000;
const RTP_TIMESTAMP_RANGE = 2 ** 32;
const DEFAULT_MAX_GAP_MS = 2_000;
/** Silence at least this long (48 kHz frames: 100 ms) bypasses the resampler. */
const LONG_SILENCE_FRAMES = 100 * SAMPLES_PER_MS;

export class SpeakerListener {
  readonly #options: SpeakerListenerOptions;
  readonly #decoder = new OpusDecoder();
  readonly #converter: PcmConverter = createDiscordToModel();
  readonly #maxGapSamples: number;
  #lastTimestamp: number | undefined;
  #lastPacketAtMs: number | undefined;
  readonly #tentative: TentativeEnd | undefined;
  /** Packets that could not be decoded (skipped, counted for diagnostics). */
  corruptPackets = 0;

  constructor(options: SpeakerListenerOptions) {
    this.#options = options;
    this.#maxGapSamples = (options.maxGapMs ?? DEFAULT_MAX_GAP_MS) * SAMPLES_PER_MS;
    const { speculation } = options;
    this.#tentative = speculation && new TentativeEnd(options.detector, speculation.afterMs, speculation);
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
      // Frames missing between the previous packet and this one (wrapping at 2^32): a pause or lost packets.
      const missing = (rtpTimestamp - this.#lastTimestamp - OPUS_FRAME_SAMPLES + RTP_TIMESTAMP_RANGE) % RTP_TIMESTAMP_RANGE;
      if (missing < RTP_TIMESTAMP_RANGE / 2) this.#feedSilence(Math.min(missing, this.#maxGapSamples));
    }
    this.#lastTimestamp = rtpTimestamp;
    this.#lastPacketAtMs = nowMs;
    this.#feed(pcm);
  }

  /**
   * When (caller's clock, ms) `onIdle` must run if no packet comes before then: the open turn ends, or its
   * tentative end is due; undefined if no one is speaking. Quiet counts from the last packet's arrival: its
   * audio ended then, as far as we can tell.
   */
  turnDeadline(): number | undefined {
    const needed = this.#options.detector.quietNeededMs();
    if (needed === undefined || this.#lastPacketAtMs === undefined) return undefined;
    return this.#lastPacketAtMs + Math.min(needed, this.#tentative?.dueInMs() ?? Infinity);
  }

  /** Time passed with no packet: ends the turn if the silence window has passed since the last one arrived. */
  onIdle(nowMs: number): void {
    if (this.#lastPacketAtMs === undefined) return;
    this.#tentative?.check(nowMs - this.#lastPacketAtMs);
    const ended = this.#options.detector.idle(nowMs - this.#lastPacketAtMs);
    if (ended) this.#utterance(ended.samples);
  }

  /** The speaker left or the stream ended: whatever was being said is finished now. */
  flush(): void {
    this.#detect(this.#converter.flush());
    const last = this.#options.detector.flush();
    if (last) this.#utterance(last.samples);
    else this.#tentative?.check(0);
  }

  destroy(): void {
    this.#decoder.destroy();
  }

  #feedSilence(frames48k: number): void {
    if (frames48k <= 0) return;
    if (frames48k < LONG_SILENCE_FRAMES) {
      this.#feed(new Int16Array(frames48k * DISCORD_CHANNELS));
      return;
    }
    // A pause of seconds through the resampler would be a burst of work for nothing: finish what the
    // converter holds, then give the detector the pause as 16 kHz zeros (the converter restarts clean).
    this.#detect(this.#converter.flush());
    this.#detect(new Int16Array(Math.round((frames48k * MODEL_INPUT_SAMPLE_RATE) / DISCORD_SAMPLE_RATE)));
  }

  #feed(stereo48k: Int16Array): void {
    this.#detect(this.#converter.push(stereo48k));
  }

  #detect(mono16k: Int16Array): void {
    if (mono16k.length === 0) return;
    const { utterances, speechStarted } = this.#options.detector.push(mono16k);
    if (speechStarted) this.#options.onSpeechStart();
    for (const utterance of utterances) this.#utterance(utterance.samples);
    this.#tentative?.check(0);
  }

  #utterance(samples: Int16Array): void {
    this.#tentative?.ended();
    this.#options.onUtterance(samples);
  }
}
