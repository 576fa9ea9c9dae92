/**
 * One speaker's ear: Opus packets in, end-of-turn utterances out. Puts packets back in sending order (a
 * small reorder buffer: late ones are waited for briefly, copies and stragglers dropped, a new SSRC starts a
 * new timeline), decodes them (dropping garbage), turns gaps in the RTP timeline into silence of the right
 * length (Discord sends nothing while a person is quiet, and a lost packet leaves a hole; between two streams
 * the gap is the time between their packets' arrivals), converts to 16 kHz mono and hands the audio to the
 * speech detector. While no packet comes, the detector is told how long it has been quiet rather than fed
 * invented silence: a packet held up by the network or a busy event loop then adds nothing, and the turn
 * still ends as soon as the silence window has passed since the last packet arrived. Pure: no Discord, time
 * comes from the caller.
 */
import { OPUS_FRAME_SAMPLES } from '../audio/opus.ts';
import { TentativeEnd, type TentativeEndEvents } from './TentativeEnd.ts';
import { createDiscordToModel, DISCORD_CHANNELS, DISCORD_SAMPLE_RATE, MODEL_INPUT_SAMPLE_RATE, type PcmConverter } from '../audio/pipelines.ts';
import { type OrderedPacket, PacketReorderBuffer, type RtpPosition } from './PacketReorderBuffer.ts';
import { SpeakerDecoder } from './SpeakerDecoder.ts';

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
const FRAME_MS = OPUS_FRAME_SAMPLES / SAMPLES_PER_MS;
const RTP_TIMESTAMP_RANGE = 2 ** 32;
const DEFAULT_MAX_GAP_MS = 2_000;
/**
 * Longest a packet is held for a missing one before it is given up as lost (ms): Wi-Fi delivers packets up
 * to 40-60 ms late, and the wait counts from the arrival of the packet behind the gap, a frame after the
 * missing one was due. It delays the end of a turn only when the last packets came with a hole before them.
 */
const REORDER_WAIT_MS = 60;
/** Silence at least this long (48 kHz frames: 100 ms) bypasses the resampler. */
const LONG_SILENCE_FRAMES = 100 * SAMPLES_PER_MS;

export class SpeakerListener {
  readonly #options: SpeakerListenerOptions;
  readonly #reorder = new PacketReorderBuffer<Uint8Array>({ maxWaitMs: REORDER_WAIT_MS });
  readonly #decoder = new SpeakerDecoder();
  readonly #converter: PcmConverter = createDiscordToModel();
  readonly #maxGapSamples: number;
  /** RTP timestamp of the last packet heard; undefined at the start of a timeline. */
  #lastTimestamp: number | undefined;
  #lastPacketAtMs: number | undefined;
  /** A new stream began: the gap before its first packet heard is measured by arrival, not by timestamps. */
  #bridgeByArrival = false;
  readonly #tentative: TentativeEnd | undefined;

  constructor(options: SpeakerListenerOptions) {
    this.#options = options;
    this.#maxGapSamples = (options.maxGapMs ?? DEFAULT_MAX_GAP_MS) * SAMPLES_PER_MS;
    const { speculation } = options;
    this.#tentative = speculation && new TentativeEnd(options.detector, speculation.afterMs, speculation);
  }

  /** Packets dropped on the way in, by reason (for diagnostics). */
  get dropped(): { readonly invalid: number; readonly distrusted: number; readonly late: number; readonly duplicates: number; readonly stale: number } {
    const { invalid, distrusted } = this.#decoder;
    const { late, duplicates, stale } = this.#reorder;
    return { invalid, distrusted, late, duplicates, stale };
  }

  /**
   * One received packet, arrived at `nowMs`; `position` (its RTP header) places it on the speaker's timeline.
   * Without one the packet is heard as it comes, with no gaps filled.
   */
  onPacket(opus: Uint8Array, position: RtpPosition | undefined, nowMs: number): void {
    if (position) {
      for (const packet of this.#reorder.push(opus, position, nowMs)) this.#hear(packet);
      return;
    }
    this.#lastTimestamp = undefined;
    this.#hear({ payload: opus, timestamp: 0, arrivedAtMs: nowMs, startsStream: false });
  }

  /**
   * When (caller's clock, ms) `onIdle` has work if no packet comes before then: the open turn ends, its
   * tentative end is due, or a packet held behind a missing one is due. Undefined if no one is speaking and
   * nothing is held. Quiet counts from the last packet's arrival: its audio ended then, as far as we can tell.
   */
  turnDeadline(): number | undefined {
    const releaseAt = this.#reorder.nextReleaseAt();
    if (releaseAt !== undefined) return releaseAt;
    const needed = this.#options.detector.quietNeededMs();
    if (needed === undefined || this.#lastPacketAtMs === undefined) return undefined;
    return this.#lastPacketAtMs + Math.min(needed, this.#tentative?.dueInMs() ?? Infinity);
  }

  /**
   * Time passed with no packet: lets out held packets that are due, then announces a tentative end or ends the
   * turn if the speculation threshold or the silence window has passed since the last one arrived.
   */
  onIdle(nowMs: number): void {
    for (const packet of this.#reorder.release(nowMs)) this.#hear(packet);
    // Packets still held are audio that follows: the turn cannot have ended yet.
    if (this.#lastPacketAtMs === undefined || this.#reorder.nextReleaseAt() !== undefined) return;
    this.#tentative?.check(nowMs - this.#lastPacketAtMs);
    const ended = this.#options.detector.idle(nowMs - this.#lastPacketAtMs);
    if (ended) this.#utterance(ended.samples);
  }

  /** The speaker left or the stream ended: whatever was being said is finished now. */
  flush(): void {
    for (const packet of this.#reorder.drain()) this.#hear(packet);
    this.#detect(this.#converter.flush());
    const last = this.#options.detector.flush();
    if (last) this.#utterance(last.samples);
    else this.#tentative?.check(0);
  }

  destroy(): void {
    this.#decoder.destroy();
  }

  /** A packet in sending order: decoded, placed after the silence since the last one heard, fed on. */
  #hear(packet: OrderedPacket<Uint8Array>): void {
    if (packet.startsStream) {
      this.#lastTimestamp = undefined;
      this.#bridgeByArrival = true;
      this.#decoder.restart();
    }
    const pcm = this.#decoder.decode(packet.payload);
    if (!pcm) return;
    if (this.#lastTimestamp !== undefined) {
      // Frames missing between the previous packet heard and this one (wrapping at 2^32): a pause, or packets
      // lost, given up on or dropped.
      const missing = (packet.timestamp - this.#lastTimestamp - OPUS_FRAME_SAMPLES + RTP_TIMESTAMP_RANGE) % RTP_TIMESTAMP_RANGE;
      if (missing < RTP_TIMESTAMP_RANGE / 2) this.#feedSilence(Math.min(missing, this.#maxGapSamples));
    } else if (this.#bridgeByArrival && this.#lastPacketAtMs !== undefined) {
      // A new stream's timestamps start elsewhere, so the time since the old one's last packet is the gap.
      const missingFrames = Math.round((packet.arrivedAtMs - this.#lastPacketAtMs) / FRAME_MS) - 1;
      this.#feedSilence(Math.min(missingFrames * OPUS_FRAME_SAMPLES, this.#maxGapSamples));
    }
    this.#bridgeByArrival = false;
    this.#lastTimestamp = packet.timestamp;
    this.#lastPacketAtMs = Math.max(this.#lastPacketAtMs ?? packet.arrivedAtMs, packet.arrivedAtMs);
    this.#feed(pcm);
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
