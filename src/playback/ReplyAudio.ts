/**
 * One spoken reply on its way to Discord: the model's 24 kHz mono chunks, resampled to 48 kHz stereo,
 * held back until a small jitter buffer has filled (so a slow chunk does not make the first words stutter),
 * then offered as a readable byte stream for the voice player.
 */
import { Readable } from 'node:stream';
import { bytesFromInt16 } from '../audio/pcm.ts';
import { createModelToDiscord, DISCORD_CHANNELS, DISCORD_SAMPLE_RATE } from '../audio/pipelines.ts';
import { MODEL_OUTPUT_SAMPLE_RATE } from '../omni/events.ts';

/** Bytes of one 20 ms Discord frame (48 kHz, stereo, 16-bit): the encoder drops a partial last frame. */
const FRAME_BYTES = (DISCORD_SAMPLE_RATE / 50) * DISCORD_CHANNELS * 2;
const BYTES_PER_MS = (DISCORD_SAMPLE_RATE * DISCORD_CHANNELS * 2) / 1000;

export class ReplyAudio {
  /** Raw s16le, 48 kHz, stereo; ends after `end()`. */
  readonly readable: Readable;
  readonly #jitterBytes: number;
  readonly #converter = createModelToDiscord();
  readonly #queue: Buffer[] = [];
  #queuedBytes = 0;
  #enqueuedBytes = 0;
  #totalSamples24k = 0;
  #started = false;
  #ended = false;
  #wanting = false;
  #eof = false;

  constructor({ jitterMs }: { jitterMs: number }) {
    this.#jitterBytes = Math.round(jitterMs * BYTES_PER_MS);
    this.readable = new Readable({
      read: () => {
        this.#wanting = true;
        this.#drain();
      },
    });
  }

  /** Milliseconds of reply audio received so far. */
  get totalMs(): number {
    return (this.#totalSamples24k / MODEL_OUTPUT_SAMPLE_RATE) * 1000;
  }

  /** Whether the jitter buffer has filled and audio is flowing to the player. */
  get started(): boolean {
    return this.#started;
  }

  /** Adds the next chunk of model audio (24 kHz mono). */
  push(pcm: Int16Array): void {
    if (this.#ended) return;
    this.#totalSamples24k += pcm.length;
    this.#enqueue(this.#converter.push(pcm));
    if (!this.#started && this.#queuedBytes >= this.#jitterBytes) this.#started = true;
    this.#drain();
  }

  /** No more audio will come: flush the resampler, pad the last frame, and let the stream end. */
  end(): void {
    if (this.#ended) return;
    this.#enqueue(this.#converter.flush());
    const partial = this.#enqueuedBytes % FRAME_BYTES;
    if (partial > 0) this.#enqueue(new Int16Array((FRAME_BYTES - partial) / 2));
    this.#ended = true;
    this.#started = true;
    this.#drain();
  }

  #enqueue(samples: Int16Array): void {
    if (samples.length === 0) return;
    const bytes = bytesFromInt16(samples);
    this.#queue.push(bytes);
    this.#queuedBytes += bytes.length;
    this.#enqueuedBytes += bytes.length;
  }

  #drain(): void {
    if (!this.#started || this.readable.destroyed) return;
    while (this.#wanting && this.#queue.length > 0) {
      const chunk = this.#queue.shift()!;
      this.#queuedBytes -= chunk.length;
      this.#wanting = this.readable.push(chunk);
    }
    if (this.#ended && this.#queue.length === 0 && !this.#eof) {
      this.#eof = true;
      this.readable.push(null);
    }
  }
}
