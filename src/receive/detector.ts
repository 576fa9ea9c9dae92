/** The speech detector the bot uses for each speaker, configured from the voice settings. */
import type { BotConfig } from '../bot.ts';
import { concatSamples } from '../audio/pcm.ts';
import { Vad } from '../turn/vad.ts';
import type { DetectedSpeech, SpeechDetector } from './SpeakerListener.ts';

const SAMPLE_RATE = 16_000;
const PRE_ROLL_MS = 300;
const MIN_SPEECH_MS = 250;

/** Interim endpointer over the VAD: pre-roll, silence window, minimum speech, maximum length. */
class VadEndpointer implements SpeechDetector {
  readonly #vad = new Vad({ sampleRate: SAMPLE_RATE });
  readonly #silenceFrames: number;
  readonly #maxFrames: number;
  readonly #preRollFrames = PRE_ROLL_MS / 20;
  readonly #minSpeechFrames = MIN_SPEECH_MS / 20;
  #pending = new Int16Array(0);
  #frames: Int16Array[] = [];
  #inSpeech = false;
  #speechFrames = 0;
  #quietFrames = 0;

  constructor(silenceMs: number, maxUtteranceMs: number) {
    this.#silenceFrames = Math.ceil(silenceMs / 20);
    this.#maxFrames = Math.ceil(maxUtteranceMs / 20);
  }

  push(samples: Int16Array): { utterances: DetectedSpeech[]; speechStarted: boolean } {
    const all = new Int16Array(this.#pending.length + samples.length);
    all.set(this.#pending);
    all.set(samples, this.#pending.length);
    const size = this.#vad.frameSamples;
    const utterances: DetectedSpeech[] = [];
    let speechStarted = false;
    let offset = 0;
    for (; offset + size <= all.length; offset += size) {
      const frame = all.slice(offset, offset + size);
      const speech = this.#vad.process(frame);
      this.#frames.push(frame);
      if (!this.#inSpeech) {
        if (speech) {
          this.#inSpeech = true;
          this.#speechFrames = 1;
          this.#quietFrames = 0;
          speechStarted = true;
        } else if (this.#frames.length > this.#preRollFrames) {
          this.#frames.shift();
        }
        continue;
      }
      if (speech) {
        this.#speechFrames++;
        this.#quietFrames = 0;
      } else {
        this.#quietFrames++;
      }
      if (this.#quietFrames >= this.#silenceFrames || this.#frames.length >= this.#maxFrames) {
        const done = this.#finish();
        if (done) utterances.push(done);
      }
    }
    this.#pending = all.slice(offset);
    return { utterances, speechStarted };
  }

  flush(): DetectedSpeech | undefined {
    return this.#inSpeech ? this.#finish() : undefined;
  }

  #finish(): DetectedSpeech | undefined {
    const keep = this.#minSpeechFrames <= this.#speechFrames;
    const frames = this.#frames.slice(0, this.#frames.length - Math.max(0, this.#quietFrames - 10));
    this.#frames = [];
    this.#inSpeech = false;
    this.#speechFrames = 0;
    this.#quietFrames = 0;
    if (!keep) return undefined;
    return { samples: concatSamples(frames) };
  }
}

/** A fresh detector for one speaker. */
export function createSpeechDetector(config: BotConfig): SpeechDetector {
  return new VadEndpointer(config.voice.silenceMs, config.voice.maxUtteranceMs);
}
