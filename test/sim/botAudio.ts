/**
 * Records what the bot plays in one guild: every RTP packet (arrival time, sequence, timestamp), the
 * decoded PCM (48 kHz stereo Int16), and "utterances": bursts of audio that end at the bot's Speaking 0 or
 * a long pause in packets. Silence frames (0xF8 0xFF 0xFE) do not end an utterance: a player that ran dry
 * for a moment sends them, and a busy machine must not split one reply into two.
 */
import { withTimeout } from './waiters.ts';
import { OpusDecodeError, OpusDecoder } from '../../src/audio/opus.ts';
import { SILENCE_FRAME } from './rtp.ts';
import type { OpenedRtp } from './rtp.ts';
import { AsyncQueue } from './waiters.ts';

/** One packet the bot sent. */
export interface BotPacket {
  /** performance.now() at arrival. */
  readonly at: number;
  readonly sequence: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly silence: boolean;
  /** True when the frame came end-to-end encrypted (DAVE) and was decrypted with the bot's sender key. */
  readonly e2ee: boolean;
  /** The frame as carried inside the transport encryption (the DAVE frame when `e2ee`). */
  readonly wire: Buffer;
}

/** A continuous burst of the bot's audio. */
export interface Utterance {
  /** 48 kHz interleaved stereo, frames in arrival order. */
  readonly pcm: Int16Array;
  /** Arrival of the first and last audio packet (performance.now()). */
  readonly startedAt: number;
  readonly endedAt: number;
  /** From the first to the last audio packet, with any silence frames sent in between. */
  readonly packets: readonly BotPacket[];
}

/** The bot's audio in one guild. */
export class BotAudio {
  /** Every packet, in arrival order (silence frames included). */
  readonly packets: BotPacket[] = [];
  /** Packets whose AES-GCM tag did not verify, and frames Opus could not decode. */
  decryptFailures = 0;
  corruptFrames = 0;
  private readonly endAfterMs: number;
  private readonly finished = new AsyncQueue<Utterance>();
  private decoder: OpusDecoder | undefined;
  private decoderSsrc = -1;
  private burst: { frames: Int16Array[]; packets: BotPacket[]; silenceSince: BotPacket[] } | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly audioWaiters: Array<(packet: BotPacket) => void> = [];

  private readonly decode: boolean;

  /**
   * `endAfterMs`: a pause in packets this long ends an utterance (for a bot that vanished without Speaking 0). `decode` false records packets only
   * (utterances then have empty `pcm`), for load tests where decoding every reply would cost the simulator
   * more than the bot.
   */
  constructor(endAfterMs: number, decode = true) {
    this.endAfterMs = endAfterMs;
    this.decode = decode;
  }

  /** Records a decrypted packet (`dave`: how it looked before end-to-end decryption). */
  onPacket(rtp: OpenedRtp, at: number, dave: { readonly e2ee: boolean; readonly wire: Buffer } = { e2ee: false, wire: rtp.payload }): void {
    const silence = rtp.payload.equals(SILENCE_FRAME);
    const packet: BotPacket = { at, sequence: rtp.sequence, timestamp: rtp.timestamp, ssrc: rtp.ssrc, silence, ...dave };
    this.packets.push(packet);
    if (silence) {
      // Part of the utterance only if audio follows (trailing silence is not).
      this.burst?.silenceSince.push(packet);
      return;
    }
    if (!this.decode) {
      this.addToBurst(new Int16Array(0), packet);
      return;
    }
    if (!this.decoder || this.decoderSsrc !== rtp.ssrc) {
      // A new voice session means a new encoder on the bot's side.
      this.decoder?.destroy();
      this.decoder = new OpusDecoder();
      this.decoderSsrc = rtp.ssrc;
    }
    let pcm: Int16Array;
    try {
      pcm = this.decoder.decode(rtp.payload);
    } catch (error) {
      if (!(error instanceof OpusDecodeError)) throw error;
      this.corruptFrames++;
      return;
    }
    this.addToBurst(pcm, packet);
  }

  private addToBurst(pcm: Int16Array, packet: BotPacket): void {
    for (const wake of this.audioWaiters.splice(0)) wake(packet);
    this.burst ??= { frames: [], packets: [], silenceSince: [] };
    this.burst.frames.push(pcm);
    this.burst.packets.push(...this.burst.silenceSince.splice(0), packet);
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.endBurst(), this.endAfterMs);
  }

  /** The bot's Speaking (op 5) flag: 0 ends the current utterance. */
  onSpeaking(speaking: boolean): void {
    if (!speaking) this.endBurst();
  }

  /** Resolves with the next utterance once it has ended (waiting up to `timeoutMs`). */
  nextUtterance(timeoutMs = 10_000): Promise<Utterance> {
    return this.finished.next(timeoutMs, 'the bot to finish an utterance');
  }

  /** Resolves with the next non-silent packet the bot sends (to watch playback start and stop). */
  nextAudioPacket(timeoutMs = 10_000): Promise<BotPacket> {
    return withTimeout(new Promise<BotPacket>((resolve) => this.audioWaiters.push(resolve)), timeoutMs, 'the bot to send audio');
  }

  /** Ends any open utterance and frees the decoder. */
  close(): void {
    this.endBurst();
    this.decoder?.destroy();
    this.decoder = undefined;
  }

  private endBurst(): void {
    clearTimeout(this.idleTimer);
    const burst = this.burst;
    this.burst = undefined;
    if (!burst) return;
    const pcm = new Int16Array(burst.frames.reduce((sum, frame) => sum + frame.length, 0));
    let offset = 0;
    for (const frame of burst.frames) {
      pcm.set(frame, offset);
      offset += frame.length;
    }
    this.finished.push({ pcm, startedAt: burst.packets[0]!.at, endedAt: burst.packets.at(-1)!.at, packets: burst.packets });
  }
}
