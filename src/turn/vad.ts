/**
 * Frame-level voice-activity detection for one speaker's 16 kHz mono PCM, robust to steady background noise.
 *
 * Per frame (20 ms) it measures two cues on the speech band (200–3500 Hz, which removes mains hum and most of
 * the rumble in fan, brown and pink noise):
 * - energy relative to an adaptive noise floor (falls fast, rises slowly; faster when the frame is not voiced,
 *   so a fan that switches on is absorbed in about a second);
 * - voicing: the peak of the normalised autocorrelation over pitch lags 70–400 Hz, on the band signal
 *   decimated to 8 kHz. Steady noise is aperiodic; vowels are periodic.
 * Speech starts on a voiced frame well above the floor and continues, with hysteresis, while frames stay
 * above a lower threshold and the last voiced frame is recent (unvoiced consonants are kept, noise is not).
 * It also reports each frame's wide-band level (above 200 Hz, no upper limit), so an endpointer can follow the
 * sound to its end: a final stop's release or an "s" is mostly above the speech band's 3.5 kHz.
 */
import { Biquad } from './biquad.ts';

/** Tuning of `Vad`; every field has a default in `VAD_DEFAULTS`. */
export interface VadOptions {
  readonly sampleRate: number;
  /** Frame length; decisions are made once per frame. */
  readonly frameMs: number;
  /** Speech starts only on frames at least this far above the noise floor. */
  readonly onsetDb: number;
  /** Speech continues while frames stay at least this far above the noise floor (hysteresis). */
  readonly holdDb: number;
  /** Band level (dBFS) below which nothing is speech, however quiet the floor. */
  readonly minSpeechDbfs: number;
  /** Normalised autocorrelation peak from which a frame counts as voiced. */
  readonly voicingThreshold: number;
  /** Unvoiced frames continue speech for at most this long after the last voiced one. */
  readonly maxUnvoicedMs: number;
  /** Time constant of the floor rising through frames that are not voiced (steady noise). */
  readonly floorRiseNoiseMs: number;
  /** Time constant of the floor rising through voiced frames (so a long vowel does not become the floor). */
  readonly floorRiseVoicedMs: number;
  /** Time constant of the floor falling to a quieter frame. */
  readonly floorFallMs: number;
  /** Frames whose level stayed within `steadyRangeDb` over this window are steady: a tone or hum, not a voice. */
  readonly steadyWindowMs: number;
  readonly steadyRangeDb: number;
}

/** Defaults tuned on the speech fixtures (clean, pink/brown/white noise at 10–20 dB SNR, mains hum). */
export const VAD_DEFAULTS = {
  sampleRate: 16_000,
  frameMs: 20,
  onsetDb: 9,
  holdDb: 4,
  minSpeechDbfs: -55,
  voicingThreshold: 0.6,
  maxUnvoicedMs: 300,
  floorRiseNoiseMs: 300,
  floorRiseVoicedMs: 4000,
  floorFallMs: 40,
  steadyWindowMs: 160,
  steadyRangeDb: 2,
} as const satisfies VadOptions;

const HIGHPASS_HZ = 200;
const LOWPASS_HZ = 3500;
/** Rate the voicing analysis runs at: enough for pitch, a quarter of the work of 16 kHz. */
const PITCH_RATE = 8000;
const MIN_PITCH_HZ = 70;
const MAX_PITCH_HZ = 400;
/** Floor and level of digital silence, so log10(0) never appears. */
const SILENCE_DBFS = -100;
const FULL_SCALE_SQUARED = 32768 * 32768;

/** What the detector measured on the last frame, for diagnostics and tuning. */
export interface VadFrameInfo {
  readonly speech: boolean;
  readonly voiced: boolean;
  /** Band level of the frame, dBFS. */
  readonly levelDbfs: number;
  /** Noise floor before this frame was folded in, dBFS. */
  readonly floorDbfs: number;
  /** Level above 200 Hz with no upper limit (fricatives, stop releases), dBFS. */
  readonly wideDbfs: number;
  /** Normalised autocorrelation peak over pitch lags, 0..1. */
  readonly periodicity: number;
}

const QUIET_FRAME: VadFrameInfo = { speech: false, voiced: false, levelDbfs: SILENCE_DBFS, floorDbfs: SILENCE_DBFS, wideDbfs: SILENCE_DBFS, periodicity: 0 };

/** Stateful per-stream voice-activity detector: feed it consecutive frames of `frameSamples` samples. */
export class Vad {
  /** Samples per frame at the input rate. */
  readonly frameSamples: number;
  readonly #options: VadOptions;
  // Two highpass sections (24 dB/octave) put 50/60 Hz hum and its first harmonics 30–50 dB down.
  readonly #highpass1: Biquad;
  readonly #highpass2: Biquad;
  readonly #lowpass: Biquad;
  readonly #decimation: number;
  readonly #minLag: number;
  readonly #maxLag: number;
  /** Band signal at PITCH_RATE: the last `maxLag` samples of history, then the current frame. */
  readonly #pitchBuffer: Float64Array;
  readonly #pitchFrame: number;
  readonly #floorRiseNoise: number;
  readonly #floorRiseVoiced: number;
  readonly #floorFall: number;
  readonly #maxUnvoicedFrames: number;
  #floorDbfs = SILENCE_DBFS;
  #speech = false;
  #framesSinceVoiced = Infinity;
  #last: VadFrameInfo = QUIET_FRAME;

  constructor(options: Partial<VadOptions> = {}) {
    const o: VadOptions = { ...VAD_DEFAULTS, ...options };
    this.#options = o;
    this.frameSamples = Math.round((o.sampleRate * o.frameMs) / 1000);
    if (this.frameSamples < 1) throw new RangeError(`frameMs ${o.frameMs} gives no samples at ${o.sampleRate} Hz`);
    this.#highpass1 = new Biquad('highpass', HIGHPASS_HZ, o.sampleRate);
    this.#highpass2 = new Biquad('highpass', HIGHPASS_HZ, o.sampleRate);
    this.#lowpass = new Biquad('lowpass', Math.min(LOWPASS_HZ, o.sampleRate * 0.45), o.sampleRate);
    this.#decimation = Math.max(1, Math.floor(o.sampleRate / PITCH_RATE));
    const pitchRate = o.sampleRate / this.#decimation;
    this.#minLag = Math.max(1, Math.floor(pitchRate / MAX_PITCH_HZ));
    this.#maxLag = Math.ceil(pitchRate / MIN_PITCH_HZ);
    this.#pitchFrame = Math.floor(this.frameSamples / this.#decimation);
    this.#pitchBuffer = new Float64Array(this.#maxLag + this.#pitchFrame);
    // Per-frame smoothing factors from time constants.
    this.#floorRiseNoise = 1 - Math.exp(-o.frameMs / o.floorRiseNoiseMs);
    this.#floorRiseVoiced = 1 - Math.exp(-o.frameMs / o.floorRiseVoicedMs);
    this.#floorFall = 1 - Math.exp(-o.frameMs / o.floorFallMs);
    this.#maxUnvoicedFrames = Math.round(o.maxUnvoicedMs / o.frameMs);
  }

  /** Measurements of the last frame processed. */
  get last(): VadFrameInfo {
    return this.#last;
  }

  /** Classifies the next frame (`frameSamples` samples from `offset`); true when it is speech. */
  process(samples: Int16Array, offset = 0): boolean {
    const o = this.#options;
    const pitch = this.#pitchBuffer;
    const history = this.#maxLag;
    // Slide the pitch history left by one frame.
    pitch.copyWithin(0, this.#pitchFrame);
    let energy = 0;
    let wideEnergy = 0;
    const end = offset + this.frameSamples;
    for (let i = offset, k = 0; i < end; i++, k++) {
      const wide = this.#highpass2.process(this.#highpass1.process(samples[i] ?? 0));
      wideEnergy += wide * wide;
      const y = this.#lowpass.process(wide);
      energy += y * y;
      if (k % this.#decimation === 0) {
        const j = k / this.#decimation;
        if (j < this.#pitchFrame) pitch[history + j] = y;
      }
    }
    const levelDbfs = this.#dbfs(energy);
    const wideDbfs = this.#dbfs(wideEnergy);
    const floorDbfs = this.#floorDbfs;
    const periodicity = levelDbfs >= o.minSpeechDbfs ? this.#periodicity() : 0;
    const voiced = periodicity >= o.voicingThreshold;
    this.#framesSinceVoiced = voiced ? 0 : this.#framesSinceVoiced + 1;

    const loud = levelDbfs >= o.minSpeechDbfs;
    if (this.#speech) {
      this.#speech = loud && levelDbfs >= floorDbfs + o.holdDb && this.#framesSinceVoiced <= this.#maxUnvoicedFrames;
    } else {
      this.#speech = loud && voiced && levelDbfs >= floorDbfs + o.onsetDb;
    }

    const rate = levelDbfs < floorDbfs ? this.#floorFall : voiced ? this.#floorRiseVoiced : this.#floorRiseNoise;
    this.#floorDbfs = floorDbfs + (levelDbfs - floorDbfs) * rate;
    this.#last = { speech: this.#speech, voiced, levelDbfs, floorDbfs, wideDbfs, periodicity };
    return this.#speech;
  }

  #dbfs(energy: number): number {
    const mean = energy / this.frameSamples / FULL_SCALE_SQUARED;
    return mean > 0 ? Math.max(SILENCE_DBFS, 10 * Math.log10(mean)) : SILENCE_DBFS;
  }

  /** Forgets the stream: filters, noise floor and speech state. */
  reset(): void {
    this.#highpass1.reset();
    this.#highpass2.reset();
    this.#lowpass.reset();
    this.#pitchBuffer.fill(0);
    this.#floorDbfs = SILENCE_DBFS;
    this.#speech = false;
    this.#framesSinceVoiced = Infinity;
    this.#last = QUIET_FRAME;
  }

  /** Peak normalised autocorrelation of the current frame against its past, over pitch lags. */
  #periodicity(): number {
    const x = this.#pitchBuffer;
    const start = this.#maxLag;
    const n = this.#pitchFrame;
    let frameEnergy = 0;
    for (let i = start; i < start + n; i++) frameEnergy += x[i]! * x[i]!;
    if (frameEnergy === 0) return 0;
    // Energy of the lagged window, slid one sample per lag.
    let laggedEnergy = 0;
    for (let i = start - this.#minLag; i < start - this.#minLag + n; i++) laggedEnergy += x[i]! * x[i]!;
    let best = 0;
    for (let lag = this.#minLag; lag <= this.#maxLag; lag++) {
      if (lag > this.#minLag) {
        const enter = x[start - lag]!;
        const leave = x[start - lag + n]!;
        laggedEnergy += enter * enter - leave * leave;
      }
      let dot = 0;
      for (let i = start; i < start + n; i++) dot += x[i]! * x[i - lag]!;
      if (dot > 0 && laggedEnergy > 0) {
        const r = dot / Math.sqrt(frameEnergy * laggedEnergy);
        if (r > best) best = r;
      }
    }
    return best;
  }
}
