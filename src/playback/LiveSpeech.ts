/**
 * Model audio spoken as it streams in, outside a voice conversation's own turns (voice previews, answers to
 * files posted in chat): it asks the guild's speaker for the output at the first chunk, and plays when the
 * output is free and its jitter buffer has filled.
 */
import type { Speaker, SpeechHandle, SpeechRequest } from './GuildSpeaker.ts';

/** How a spoken answer ended: what was heard, and whether it gave up waiting for the output. */
export interface SpeechEnd {
  readonly playedMs: number;
  readonly refused: boolean;
}

export class LiveSpeech {
  readonly #speaker: Speaker;
  readonly #request: SpeechRequest;
  #speech: SpeechHandle | undefined;

  constructor(speaker: Speaker, request: SpeechRequest) {
    this.#speaker = speaker;
    this.#request = request;
  }

  /** Adds model audio (24 kHz mono). */
  push(pcm: Int16Array): void {
    this.#speech ??= this.#speaker.speak(this.#request);
    this.#speech.push(pcm);
  }

  /** No more audio is coming: plays what is left and resolves once it has been heard (or stopped, or refused). */
  async end(): Promise<SpeechEnd> {
    const speech = this.#speech;
    if (!speech) return { playedMs: 0, refused: false };
    speech.end();
    const playedMs = await speech.finished;
    return { playedMs, refused: speech.refused };
  }

  /** Stops at once (an error, or the answer was abandoned). */
  stop(): void {
    this.#speech?.stop();
  }
}
