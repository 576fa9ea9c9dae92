/** The speech detector the bot uses for each speaker, configured from the voice settings. */
import type { BotConfig } from '../bot.ts';
import { concatSamples } from '../audio/pcm.ts';
import { Vad } from '../turn/vad.ts';
import type { DetectedSpeech, SpeechDetector } from './SpeakerListener.ts';

const SAMPLE_RATE = 16_000;
const FRAME_MS = 20;
const PRE_ROLL_MS = 300;
const MIN_SPEECH_MS = 250;
/** Speech onsets rise; a hum or a tone holds its level. An onset must rise this many dB over its first frames. */
const ONSET_RANGE_DB = 3;
const ONSET_FRAMES = 2;
/** A candidate onset that stays this flat for this many frames is steady noise, not a voice. */
const STEADY_GIVE_UP_FRAMES = 15;
/** An utterance whose speech frames vary less than this (dB, standard deviation) was a hum or tone: dropped. */
const STEADY_SPREAD_DB = 2;

function spreadDb(levels: readonly number[]): number {
  const mean = levels.reduce((sum, level) => sum + level, 0) / levels.length;
  return Math.sqrt(levels.reduce((sum, level) => sum + (level - mean) ** 2, 0) / levels.length);
}

/** Interim endpointer over the VAD: pre-roll, silence window, minimum speech, maximum length. */
class VadEndpointer implements SpeechDetector {
  readonly #vad = new Vad({ sampleRate: SAMPLE_RATE, frameMs: FRAME_MS });
  readonly #silenceMs: number;
  readonly #silenceFrames: number;
  readonly #maxFrames: number;
  readonly #preRollFrames = PRE_ROLL_MS / FRAME_MS;
  readonly #minSpeechFrames = MIN_SPEECH_MS / FRAME_MS;
  #pending = new Int16Array(0);
  #frames: Int16Array[] = [];
  #inSpeech = false;
  /** Levels (dBFS) of the frames of a possible onset, before it is confirmed as speech. */
  #candidate: number[] = [];
  #speechFrames = 0;
  #quietFrames = 0;
  /** Levels of the speech frames of the current utterance, to tell a voice from a steady hum. */
  #levels: number[] = [];

  constructor(silenceMs: number, maxUtteranceMs: number) {
    this.#silenceMs = silenceMs;
    this.#silenceFrames = Math.ceil(silenceMs / FRAME_MS);
    this.#maxFrames = Math.ceil(maxUtteranceMs / FRAME_MS);
  }

  quietNeededMs(): number | undefined {
    if (!this.#inSpeech) return undefined;
    // Audio still short of a whole frame counts as quiet: had it held speech, more would be following it.
    const unjudgedMs = (this.#pending.length / SAMPLE_RATE) * 1000;
    return Math.max(0, this.#silenceMs - this.#quietFrames * FRAME_MS - unjudgedMs);
  }

  idle(quietMs: number): DetectedSpeech | undefined {
    const needed = this.quietNeededMs();
    return needed !== undefined && quietMs >= needed ? this.#finish() : undefined;
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
        if (speech) this.#candidate.push(this.#vad.last.levelDbfs);
        else this.#candidate = [];
        // A voice comes in rising; a hum that stops (or a tail that decays) does not.
        const rise = this.#candidate.length >= ONSET_FRAMES ? this.#candidate.at(-1)! - Math.min(...this.#candidate.slice(0, -1)) : 0;
        if (rise >= ONSET_RANGE_DB) {
          this.#inSpeech = true;
          this.#speechFrames = this.#candidate.length;
          this.#quietFrames = 0;
          this.#levels = this.#candidate;
          this.#candidate = [];
          speechStarted = true;
        } else if (this.#candidate.length >= STEADY_GIVE_UP_FRAMES) {
          this.#candidate = this.#candidate.slice(1);
        }
        while (this.#frames.length > this.#preRollFrames + this.#candidate.length) this.#frames.shift();
        continue;
      }
      if (speech) {
        this.#speechFrames++;
        this.#quietFrames = 0;
        this.#levels.push(this.#vad.last.levelDbfs);
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
    const keep = this.#minSpeechFrames <= this.#speechFrames && spreadDb(this.#levels) >= STEADY_SPREAD_DB;
    this.#levels = [];
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
