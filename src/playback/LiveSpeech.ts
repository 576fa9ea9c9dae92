/**
 * Model audio played as it streams in: 24 kHz chunks go through ReplyAudio's jitter buffer and start playing
 * on the output once enough has arrived. Used for replies spoken outside a voice conversation's own turns
 * (voice previews, answers to files posted in chat).
 */
import type { PlaybackHandle, VoiceOutput } from '../session/VoiceSession.ts';
import { ReplyAudio } from './ReplyAudio.ts';

export class LiveSpeech {
  readonly #output: VoiceOutput;
  readonly #reply: ReplyAudio;
  #playback: PlaybackHandle | undefined;

  constructor(output: VoiceOutput, jitterMs: number) {
    this.#output = output;
    this.#reply = new ReplyAudio({ jitterMs });
  }

  /** Adds model audio (24 kHz mono); playback starts once the jitter buffer is full. */
  push(pcm: Int16Array): void {
    this.#reply.push(pcm);
    if (!this.#playback && this.#reply.started) this.#playback = this.#output.play(this.#reply.readable);
  }

  /** No more audio is coming: plays what is left and resolves when everything has been heard. */
  async end(): Promise<void> {
    this.#reply.end();
    this.#playback ??= this.#reply.totalMs > 0 ? this.#output.play(this.#reply.readable) : undefined;
    try {
      await this.#playback?.finished;
    } finally {
      this.#reply.readable.destroy();
    }
  }

  /** Stops at once (an error, or the answer was abandoned). */
  stop(): void {
    this.#playback?.stop();
    this.#reply.readable.destroy();
  }
}
