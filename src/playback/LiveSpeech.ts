/**
 * Model audio spoken as it streams in, outside a voice conversation's own turns (voice previews, answers to
 * files posted in chat). It takes its place with the guild's speaker at once, before the model answers, so
 * that someone starting to talk meanwhile cancels it too; it plays when the output is free and its jitter
 * buffer has filled.
 */
import type { Speaker, SpeechHandle, SpeechRequest } from './GuildSpeaker.ts';

/** How a spoken answer ended: what was heard, and whether it gave up waiting for the output. */
export interface SpeechEnd {
  readonly playedMs: number;
  readonly refused: boolean;
}

export class LiveSpeech {
  readonly #speech: SpeechHandle;

  constructor(speaker: Speaker, request: SpeechRequest) {
    this.#speech = speaker.speak(request);
  }

  /** Whether it lost its place before being heard (it waited too long, or someone started talking). */
  get refused(): boolean {
    return this.#speech.refused;
  }

  /** Adds model audio (24 kHz mono). */
  push(pcm: Int16Array): void {
    this.#speech.push(pcm);
  }

  /** No more audio is coming: plays what is left and resolves once it has been heard (or stopped, or refused). */
  async end(): Promise<SpeechEnd> {
    const speech = this.#speech;
    speech.end();
    const playedMs = await speech.finished;
    return { playedMs, refused: speech.refused };
  }

  /** Stops at once (an error, or the answer was abandoned). */
  stop(): void {
    this.#speech.stop();
  }
}
