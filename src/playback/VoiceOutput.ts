/**
 * Where spoken replies go. The session pushes the model's 24 kHz mono chunks as they stream in; the output
 * resamples, buffers, encodes and paces them. In-process that is BufferedPlayback over the guild's player;
 * with voice workers the same happens on the worker's thread and the handle only posts messages to it.
 */
import type { Readable } from 'node:stream';
import { MODEL_OUTPUT_SAMPLE_RATE } from '../omni/events.ts';
import { ReplyAudio } from './ReplyAudio.ts';

/** One reply on its way to the channel. */
export interface PlaybackHandle {
  /** Adds the model's next chunk (24 kHz mono); playback starts once the jitter buffer has filled. */
  push(pcm: Int16Array): void;
  /** No more audio is coming: the rest plays out. */
  end(): void;
  /** Stops at once (barge-in, reset, error). Safe to call at any time, also after the end. */
  stop(): void;
  /** Whether the jitter buffer has filled and the reply is playing (or has played). */
  readonly started: boolean;
  /** Milliseconds of model audio pushed so far. */
  readonly receivedMs: number;
  /** Resolves (never rejects) with the milliseconds the channel heard once the reply ended or was stopped. */
  readonly finished: Promise<number>;
}

export interface ReplyOptions {
  /** Audio held before playback starts (ms). */
  readonly jitterMs: number;
}

/** Where replies are played (the guild's voice connection, a worker's proxy, or a fake in tests). */
export interface VoiceOutput {
  startReply(options: ReplyOptions): PlaybackHandle;
}

/** A 48 kHz stereo s16le stream being played; `playedMs` keeps its value after `stop()`. */
export interface PcmPlayback {
  playedMs(): number;
  stop(): void;
  readonly finished: Promise<void>;
}

/** What plays finished 48 kHz stereo audio: the guild's audio player (or a fake in tests). */
export interface PcmSink {
  play(audio: Readable): PcmPlayback;
}

/** The in-process reply: ReplyAudio's resampler and jitter buffer, handed to the sink once it has filled. */
export class BufferedPlayback implements PlaybackHandle {
  readonly finished: Promise<number>;
  readonly #sink: PcmSink;
  readonly #reply: ReplyAudio;
  #playback: PcmPlayback | undefined;
  #samples = 0;
  #stopped = false;
  #resolve!: (playedMs: number) => void;

  constructor(sink: PcmSink, options: ReplyOptions) {
    this.#sink = sink;
    this.#reply = new ReplyAudio({ jitterMs: options.jitterMs });
    this.finished = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  get started(): boolean {
    return this.#playback !== undefined;
  }

  get receivedMs(): number {
    return (this.#samples / MODEL_OUTPUT_SAMPLE_RATE) * 1000;
  }

  push(pcm: Int16Array): void {
    if (this.#stopped) return;
    this.#samples += pcm.length;
    this.#reply.push(pcm);
    if (this.#reply.started) this.#play();
  }

  end(): void {
    if (this.#stopped) return;
    this.#reply.end();
    if (this.#samples > 0) this.#play();
    else this.#finish();
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#playback?.stop();
    this.#reply.readable.destroy();
    this.#finish();
  }

  #play(): void {
    if (this.#playback) return;
    const playback = this.#sink.play(this.#reply.readable);
    this.#playback = playback;
    void playback.finished.then(() => this.#finish());
  }

  #finish(): void {
    this.#reply.readable.destroy();
    this.#resolve(Math.min(this.#playback?.playedMs() ?? 0, this.receivedMs));
  }
}
