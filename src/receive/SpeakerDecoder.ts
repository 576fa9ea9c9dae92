/**
 * Decodes one speaker's Opus packets, keeping only audio a real client's encoder could have sent. Random
 * bytes often decode (libopus rejects about half of them; one in eight still comes out as a 20 ms frame of
 * loud noise that a speech detector takes for a voice), so one invalid packet makes the stream
 * suspect: the packets right after it are decoded but not used until enough in a row were sound. A real
 * encoder never sends an invalid packet (transport encryption rules out damage on the way), so this costs a
 * real stream nothing, and keeps a run of garbage (a broken client, frames still end-to-end encrypted) from
 * ever reaching the model.
 */
import { OPUS_CHANNELS, OPUS_FRAME_SAMPLES, OpusDecodeError, OpusDecoder } from '../audio/opus.ts';

/**
 * Sound packets in a row (100 ms) needed after an invalid one before audio is used again. Random bytes pass
 * as a 20 ms frame about 13 % of the time: five in a row about 4 times in 100 000.
 */
const SOUND_PACKETS_TO_TRUST = 5;
/** Discord's clients send one 20 ms frame per packet, and the speaker's timeline counts in them. */
const FRAME_LENGTH = OPUS_FRAME_SAMPLES * OPUS_CHANNELS;

export class SpeakerDecoder {
  #decoder = new OpusDecoder();
  /** Nothing decoded since the decoder was made: a restart has nothing to clear. */
  #fresh = true;
  /** Sound packets still needed before the stream is trusted again. */
  #distrust = 0;
  /** Packets libopus rejected, or that were not one 20 ms frame. */
  invalid = 0;
  /** Decodable packets dropped because they came right after invalid ones. */
  distrusted = 0;

  /** 48 kHz interleaved stereo for one 20 ms frame, or undefined when the packet's audio must not be used. */
  decode(packet: Uint8Array): Int16Array | undefined {
    let pcm: Int16Array;
    this.#fresh = false;
    try {
      pcm = this.#decoder.decode(packet);
    } catch (error) {
      if (!(error instanceof OpusDecodeError)) throw error;
      return this.#reject();
    }
    if (pcm.length !== FRAME_LENGTH) return this.#reject();
    if (this.#distrust === 0) return pcm;
    this.#distrust--;
    this.distrusted++;
    return undefined;
  }

  /** A new stream from the same speaker (a new device or connection): decoder state and suspicion start over. */
  restart(): void {
    this.#distrust = 0;
    if (this.#fresh) return;
    this.#fresh = true;
    this.#decoder.destroy();
    this.#decoder = new OpusDecoder();
  }

  destroy(): void {
    this.#decoder.destroy();
  }

  #reject(): undefined {
    this.invalid++;
    this.#distrust = SOUND_PACKETS_TO_TRUST;
    return undefined;
  }
}
