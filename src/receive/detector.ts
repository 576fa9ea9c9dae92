/**
 * The speech detector the bot uses for each speaker. The VAD finds speech by its voicing; the end of a turn
 * follows the sound: after the last voiced frame, frames still clearly above the noise floor (wide band, so a
 * final "t" release or "s" counts) keep the turn open, and the silence window starts when they stop. A
 * sound well above the floor after a pause continues the turn even before it reads as voiced (a vowel onset
 * takes a few frames to become periodic).
 */
import { concatSamples } from '../audio/pcm.ts';
import type { VoiceSettings } from '../config/config.ts';
import { LevelFloor } from '../turn/LevelFloor.ts';
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
/** Unvoiced sound after the last voiced frame (a fricative, a stop's closure and release) is followed this long at most. */
const TAIL_MAX_MS = 300;
/** A tail frame is sound when it is this far above the wide-band floor (or, voiced right after sound, FADING_OVER_FLOOR_DB) ... */
const TAIL_OVER_FLOOR_DB = 8;
const FADING_OVER_FLOOR_DB = 2;
/** ... and no more than this far below the utterance's loudest frame, and above MIN_SOUND_DBFS. */
const TAIL_RANGE_DB = 50;
const MIN_SOUND_DBFS = -65;
/** Sound this far over the floor and this close to the utterance's loudest frame continues the turn at once (voiced or not). */
const RESUME_OVER_FLOOR_DB = 15;
const RESUME_RANGE_DB = 25;
/** The wide-band floor: the 10th percentile of the last 2 s of frame levels (pauses and closures, or steady noise). */
const FLOOR_WINDOW_MS = 2000;
const FLOOR_PERCENTILE = 0.1;

/** The settings a detector uses. */
export type DetectorSettings = Pick<VoiceSettings, 'silenceMs' | 'maxUtteranceMs'>;

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
  /** Frames since the sound stopped (the silence window so far). */
  #quietFrames = 0;
  /** Frames since the last frame the VAD called speech, to bound an unvoiced tail. */
  #sinceSpeechFrames = 0;
  /** Loudest wide-band frame of the utterance (dBFS). */
  #peakWideDbfs = -Infinity;
  readonly #wideFloor = new LevelFloor(FLOOR_WINDOW_MS / FRAME_MS, FLOOR_PERCENTILE);
  /** Levels of the speech frames of the current utterance, to tell a voice from a steady hum. */
  #levels: number[] = [];

  constructor(silenceMs: number, maxUtteranceMs: number) {
    this.#silenceMs = silenceMs;
    this.#silenceFrames = Math.ceil(silenceMs / FRAME_MS);
    this.#maxFrames = Math.ceil(maxUtteranceMs / FRAME_MS);
  }

  quietMs(): number | undefined {
    if (!this.#inSpeech) return undefined;
    // Audio still short of a whole frame counts as quiet: had it held speech, more would be following it.
    return this.#quietFrames * FRAME_MS + (this.#pending.length / SAMPLE_RATE) * 1000;
  }

  quietNeededMs(): number | undefined {
    const quietMs = this.quietMs();
    return quietMs === undefined ? undefined : Math.max(0, this.#silenceMs - quietMs);
  }

  current(): DetectedSpeech | undefined {
    return this.#inSpeech && this.#kept() ? { samples: concatSamples(this.#keptFrames()) } : undefined;
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
      this.#wideFloor.push(this.#vad.last.wideDbfs);
      if (!this.#inSpeech) {
        if (speech) this.#candidate.push(this.#vad.last.levelDbfs);
        else this.#candidate = [];
        // A voice comes in rising; a hum that stops (or a tail that decays) does not.
        const rise = this.#candidate.length >= ONSET_FRAMES ? this.#candidate.at(-1)! - Math.min(...this.#candidate.slice(0, -1)) : 0;
        if (rise >= ONSET_RANGE_DB) {
          this.#inSpeech = true;
          this.#speechFrames = this.#candidate.length;
          this.#quietFrames = 0;
          this.#sinceSpeechFrames = 0;
          this.#peakWideDbfs = this.#vad.last.wideDbfs;
          this.#levels = this.#candidate;
          this.#candidate = [];
          speechStarted = true;
        } else if (this.#candidate.length >= STEADY_GIVE_UP_FRAMES) {
          this.#candidate = this.#candidate.slice(1);
        }
        while (this.#frames.length > this.#preRollFrames + this.#candidate.length) this.#frames.shift();
        continue;
      }
      const { levelDbfs, wideDbfs } = this.#vad.last;
      // After a pause, only sound near the utterance's level continues it: babble behind the speaker reads as speech too.
      if (speech && (this.#quietFrames === 0 || wideDbfs >= this.#peakWideDbfs - RESUME_RANGE_DB)) {
        this.#speechFrames++;
        this.#quietFrames = 0;
        this.#sinceSpeechFrames = 0;
        this.#levels.push(levelDbfs);
        this.#peakWideDbfs = Math.max(this.#peakWideDbfs, wideDbfs);
      } else {
        this.#sinceSpeechFrames++;
        this.#quietFrames = this.#sounding() ? 0 : this.#quietFrames + 1;
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

  /** Whether a frame the VAD did not call speech is still the utterance's sound: its tail, or its return. */
  #sounding(): boolean {
    const { wideDbfs, voiced } = this.#vad.last;
    const floorDbfs = this.#wideFloor.dbfs;
    // A vowel fading out stays periodic down to the floor of a long stretch of speech; it counts while unbroken.
    const fading = voiced && this.#quietFrames === 0 && wideDbfs >= floorDbfs + FADING_OVER_FLOOR_DB;
    const tail =
      this.#sinceSpeechFrames * FRAME_MS <= TAIL_MAX_MS &&
      wideDbfs >= Math.max(this.#peakWideDbfs - TAIL_RANGE_DB, MIN_SOUND_DBFS) &&
      (fading || wideDbfs >= floorDbfs + TAIL_OVER_FLOOR_DB);
    return tail || wideDbfs >= Math.max(floorDbfs + RESUME_OVER_FLOOR_DB, this.#peakWideDbfs - RESUME_RANGE_DB);
  }

  #kept(): boolean {
    return this.#minSpeechFrames <= this.#speechFrames && spreadDb(this.#levels) >= STEADY_SPREAD_DB;
  }

  /** The utterance's frames: everything up to 200 ms of the silence after it. */
  #keptFrames(): Int16Array[] {
    return this.#frames.slice(0, this.#frames.length - Math.max(0, this.#quietFrames - 10));
  }

  #finish(): DetectedSpeech | undefined {
    const keep = this.#kept();
    this.#levels = [];
    const frames = this.#keptFrames();
    this.#frames = [];
    this.#inSpeech = false;
    this.#speechFrames = 0;
    this.#quietFrames = 0;
    if (!keep) return undefined;
    return { samples: concatSamples(frames) };
  }
}

/** A fresh detector for one speaker. */
export function createSpeechDetector(settings: DetectorSettings): SpeechDetector {
  return new VadEndpointer(settings.silenceMs, settings.maxUtteranceMs);
}
