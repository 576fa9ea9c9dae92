/**
 * An in-process stand-in for the guild's audio player: replies go through the real BufferedPlayback
 * (resampling, jitter buffer) and the 48 kHz stream is consumed as fast as it comes.
 */
import { EventEmitter, once } from 'node:events';
import type { Readable } from 'node:stream';
import { BufferedPlayback, type PcmPlayback, type PcmSink, type PlaybackHandle, type ReplyOptions, type VoiceOutput } from '../../src/playback/VoiceOutput.ts';
import { int16FromBytes } from '../../src/audio/pcm.ts';
import { withTimeout } from '../sim/waiters.ts';

const BYTES_PER_MS = (48_000 * 2 * 2) / 1000;

export class FakePlayback implements PcmPlayback {
  readonly chunks: Buffer[] = [];
  readonly finished: Promise<void>;
  readonly progress = new EventEmitter<{ bytes: [number] }>();
  stopped = false;
  #bytes = 0;

  constructor(readable: Readable) {
    this.finished = new Promise((resolve) => {
      readable.on('data', (chunk: Buffer) => {
        if (this.stopped) return;
        this.chunks.push(chunk);
        this.#bytes += chunk.length;
        this.progress.emit('bytes', this.#bytes);
      });
      readable.on('close', resolve);
      readable.on('end', resolve);
    });
    this.stop = () => {
      this.stopped = true;
      readable.destroy();
    };
  }

  stop: () => void;

  playedMs(): number {
    return this.#bytes / BYTES_PER_MS;
  }

  /** 48 kHz interleaved stereo samples received so far. */
  samples(): Int16Array {
    return int16FromBytes(Buffer.concat(this.chunks));
  }

  /** Resolves once at least `ms` of audio has been consumed (failing after `timeoutMs` of waiting). */
  async reached(ms: number, timeoutMs = 20_000): Promise<void> {
    const reached = (async () => {
      while (this.playedMs() < ms) await once(this.progress, 'bytes');
    })();
    await withTimeout(reached, timeoutMs, `${ms} ms of the reply to play (${this.playedMs().toFixed(0)} ms so far)`);
  }
}

export class FakeVoiceOutput implements VoiceOutput, PcmSink {
  readonly plays: FakePlayback[] = [];
  readonly events = new EventEmitter<{ play: [FakePlayback] }>();

  startReply(options: ReplyOptions): PlaybackHandle {
    return new BufferedPlayback(this, options);
  }

  play(audio: Readable): FakePlayback {
    const playback = new FakePlayback(audio);
    this.plays.push(playback);
    this.events.emit('play', playback);
    return playback;
  }

  async nextPlay(timeoutMs = 20_000): Promise<FakePlayback> {
    const [playback] = await withTimeout(once(this.events, 'play'), timeoutMs, 'the session to start playing a reply');
    return playback as FakePlayback;
  }
}
