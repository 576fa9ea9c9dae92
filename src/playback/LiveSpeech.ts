/**
 * Model audio played as it streams in, outside a voice conversation's own turns (voice previews, answers to
 * files posted in chat): the reply starts on the output at the first chunk and plays once its jitter buffer
 * has filled.
 */
import type { PlaybackHandle, VoiceOutput } from './VoiceOutput.ts';

export class LiveSpeech {
  readonly #output: VoiceOutput;
  readonly #jitterMs: number;
  #reply: PlaybackHandle | undefined;

  constructor(output: VoiceOutput, jitterMs: number) {
    this.#output = output;
    this.#jitterMs = jitterMs;
  }

  /** Adds model audio (24 kHz mono); playback starts once the jitter buffer is full. */
  push(pcm: Int16Array): void {
    this.#reply ??= this.#output.startReply({ jitterMs: this.#jitterMs });
    this.#reply.push(pcm);
  }

  /** No more audio is coming: plays what is left and resolves when everything has been heard. */
  async end(): Promise<void> {
    this.#reply?.end();
    await this.#reply?.finished;
  }

  /** Stops at once (an error, or the answer was abandoned). */
  stop(): void {
    this.#reply?.stop();
  }
}
