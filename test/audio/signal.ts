/**
 * Test signals and audio measurements for Int16 PCM, shared by every test that checks audio:
 * generate tones, sweeps, noise and speech-like sound; measure level (dBFS), pitch, tone levels,
 * lag, clicks and gaps. Levels are dB relative to Int16 full scale (32768), so a full-scale sine
 * has an RMS of -3.01 dBFS and a tone amplitude of 0 dBFS.
 */

const FULL_SCALE = 32768;

/** Options shared by every generator. `amplitude` is a fraction of full scale (0..1). */
export interface SignalOptions {
  readonly sampleRate: number;
  readonly seconds: number;
  readonly amplitude?: number;
}

function toInt16(value: number): number {
  const rounded = Math.round(value);
  return rounded > 32767 ? 32767 : Math.max(rounded, -32768);
}

/** A sine tone; `phase` in radians. Default amplitude 0.5 (-6 dBFS). */
export function sine(options: SignalOptions & { readonly frequency: number; readonly phase?: number }): Int16Array {
  const { frequency, sampleRate, seconds, amplitude = 0.5, phase = 0 } = options;
  const out = new Int16Array(Math.round(seconds * sampleRate));
  const step = (2 * Math.PI * frequency) / sampleRate;
  for (let i = 0; i < out.length; i++) out[i] = toInt16(amplitude * 32767 * Math.sin(phase + step * i));
  return out;
}

/** A logarithmic sine sweep from `from` Hz to `to` Hz. */
export function sweep(options: SignalOptions & { readonly from: number; readonly to: number }): Int16Array {
  const { from, to, sampleRate, seconds, amplitude = 0.5 } = options;
  const out = new Int16Array(Math.round(seconds * sampleRate));
  const rate = Math.log(to / from) / seconds;
  for (let i = 0; i < out.length; i++) {
    const t = i / sampleRate;
    // Phase is the integral of the instantaneous frequency from·e^(rate·t).
    out[i] = toInt16(amplitude * 32767 * Math.sin(((2 * Math.PI * from) / rate) * (Math.exp(rate * t) - 1)));
  }
  return out;
}

/** Seeded pseudo-random numbers in [0, 1) (mulberry32), so noisy tests are reproducible. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform white noise, reproducible from `seed`. */
export function noise(options: SignalOptions & { readonly seed?: number }): Int16Array {
  const { sampleRate, seconds, amplitude = 0.5, seed = 1 } = options;
  const next = random(seed);
  const out = new Int16Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < out.length; i++) out[i] = toInt16(amplitude * 32767 * (2 * next() - 1));
  return out;
}

/**
 * Voiced, speech-like sound: harmonics of a pitch gliding between 110 and 180 Hz, shaped by two
 * vowel formants (~700 and ~1200 Hz), in 4 syllables a second with a short pause after every third.
 * Energy sits below 4 kHz, like telephone-band speech. `amplitude` is the peak level.
 */
export function speechLike(options: SignalOptions): Int16Array {
  const { sampleRate, seconds, amplitude = 0.5 } = options;
  const raw = new Float64Array(Math.round(seconds * sampleRate));
  const maxHarmonicHz = Math.min(4000, sampleRate * 0.45);
  const formant = (hz: number): number => Math.exp(-(((hz - 700) / 250) ** 2)) + 0.6 * Math.exp(-(((hz - 1200) / 300) ** 2)) + 0.05;
  let pitchPhase = 0;
  let peak = 0;
  for (let i = 0; i < raw.length; i++) {
    const t = i / sampleRate;
    const f0 = 145 + 35 * Math.sin(2 * Math.PI * 0.7 * t);
    const syllable = Math.floor(t * 4);
    const envelope = syllable % 4 === 3 ? 0 : Math.sin(Math.PI * ((t * 4) % 1)) ** 2;
    let value = 0;
    for (let k = 1; k * f0 < maxHarmonicHz; k++) value += (formant(k * f0) / k) * Math.sin(k * pitchPhase);
    raw[i] = envelope * value;
    // Advance after use, so sample i sits at time i / sampleRate at every rate.
    pitchPhase += (2 * Math.PI * f0) / sampleRate;
    peak = Math.max(peak, Math.abs(raw[i]!));
  }
  const scale = peak > 0 ? (amplitude * 32767) / peak : 0;
  return Int16Array.from(raw, (value) => toInt16(value * scale));
}

/** Interleaves equal-length mono channels (e.g. left, right) into one array. */
export function interleave(...channels: readonly Int16Array[]): Int16Array {
  const count = channels.length;
  const frames = channels[0]?.length ?? 0;
  const out = new Int16Array(frames * count);
  channels.forEach((samples, c) => {
    for (let i = 0; i < frames; i++) out[i * count + c] = samples[i]!;
  });
  return out;
}

/** Extracts one channel from interleaved samples. */
export function channel(interleaved: Int16Array, channels: number, index: number): Int16Array {
  const out = new Int16Array(Math.floor(interleaved.length / channels));
  for (let i = 0; i < out.length; i++) out[i] = interleaved[i * channels + index]!;
  return out;
}

/** Joins chunks in order. */
export { concatSamples as concat } from '../../src/audio/pcm.ts';

/** The samples between `fromSeconds` and `toSeconds` (a view, not a copy). */
export function segment(samples: Int16Array, sampleRate: number, fromSeconds: number, toSeconds: number): Int16Array {
  return samples.subarray(Math.round(fromSeconds * sampleRate), Math.round(toSeconds * sampleRate));
}

/** Root-mean-square amplitude in sample units. */
export function rms(samples: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return samples.length === 0 ? 0 : Math.sqrt(sum / samples.length);
}

/** RMS level in dBFS (-Infinity for digital silence). */
export function rmsDb(samples: Int16Array): number {
  return 20 * Math.log10(rms(samples) / FULL_SCALE);
}

/**
 * Amplitude of the component at `frequency`, in dBFS (a sine of amplitude 0.5 reads -6.02), from a
 * Hann-windowed Goertzel filter; the window keeps strong tones elsewhere from leaking in.
 */
export function toneLevelDb(samples: Int16Array, sampleRate: number, frequency: number): number {
  const n = samples.length;
  const coefficient = 2 * Math.cos((2 * Math.PI * frequency) / sampleRate);
  let previous = 0;
  let beforePrevious = 0;
  let windowSum = 0;
  for (let i = 0; i < n; i++) {
    const window = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
    windowSum += window;
    const current = window * samples[i]! + coefficient * previous - beforePrevious;
    beforePrevious = previous;
    previous = current;
  }
  const power = previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious;
  return 20 * Math.log10((2 * Math.sqrt(Math.max(0, power))) / windowSum / FULL_SCALE);
}

/** In-place radix-2 complex FFT; `re.length` must be a power of two. */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const angle = (-2 * Math.PI) / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < size / 2; k++) {
        const wr = Math.cos(angle * k);
        const wi = Math.sin(angle * k);
        const a = start + k;
        const b = a + size / 2;
        const tr = wr * re[b]! - wi * im[b]!;
        const ti = wr * im[b]! + wi * re[b]!;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a] = re[a]! + tr;
        im[a] = im[a]! + ti;
      }
    }
  }
}

/**
 * The strongest frequency in Hz: peak of a Hann-windowed FFT (zero-padded to at least 4× and 2^16
 * points), refined by parabolic interpolation. Accurate to well under 1 Hz for a second of a tone.
 */
export function dominantFrequency(samples: Int16Array, sampleRate: number): number {
  const length = Math.min(samples.length, 1 << 18);
  let size = 1 << 16;
  while (size < 4 * length) size <<= 1;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  for (let i = 0; i < length; i++) re[i] = samples[i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / length));
  fft(re, im);
  let peak = 1;
  let peakMagnitude = 0;
  const magnitude = (k: number): number => Math.hypot(re[k]!, im[k]!);
  for (let k = 1; k < size / 2; k++) {
    const m = magnitude(k);
    if (m > peakMagnitude) {
      peakMagnitude = m;
      peak = k;
    }
  }
  const [left, centre, right] = [magnitude(peak - 1), peakMagnitude, magnitude(peak + 1)].map((m) => Math.log(m + 1e-12)) as [number, number, number];
  const denominator = left - 2 * centre + right;
  const offset = denominator === 0 ? 0 : (0.5 * (left - right)) / denominator;
  return ((peak + offset) * sampleRate) / size;
}

/** Frequency of a pure tone from its rising zero crossings (interpolated between samples). */
export function zeroCrossingFrequency(samples: Int16Array, sampleRate: number): number {
  let first = -1;
  let last = -1;
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    if (a < 0 && b >= 0) {
      const at = i - 1 + -a / (b - a);
      if (first < 0) first = at;
      last = at;
      crossings++;
    }
  }
  return crossings < 2 ? 0 : ((crossings - 1) * sampleRate) / (last - first);
}

/**
 * The lag (in samples, within ±maxLag) at which `delayed` best matches `reference`:
 * `delayed[n] ≈ reference[n - lag]`, so a positive lag means `delayed` is late.
 */
export function crossCorrelationLag(reference: Int16Array, delayed: Int16Array, maxLag: number): number {
  let bestLag = 0;
  let best = -Infinity;
  const length = Math.min(reference.length, delayed.length);
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let sum = 0;
    let energy = 0;
    for (let n = Math.max(0, lag); n < Math.min(length, length + lag); n++) {
      sum += reference[n - lag]! * delayed[n]!;
      energy += delayed[n]! * delayed[n]!;
    }
    // Normalised so lags with less overlap are not penalised.
    const score = energy > 0 ? sum / Math.sqrt(energy) : 0;
    if (score > best) {
      best = score;
      bestLag = lag;
    }
  }
  return bestLag;
}

/** Largest absolute difference between neighbouring samples: a click shows up as a spike here. */
export function maxStep(samples: Int16Array): number {
  let max = 0;
  for (let i = 1; i < samples.length; i++) max = Math.max(max, Math.abs(samples[i]! - samples[i - 1]!));
  return max;
}

/** The largest step a sine of this frequency and amplitude (fraction of full scale) can make per sample. */
export function sineMaxStep(frequency: number, sampleRate: number, amplitude: number): number {
  return 2 * amplitude * 32767 * Math.sin((Math.PI * frequency) / sampleRate);
}

/**
 * Longest stretch of silence in milliseconds: consecutive `windowMs` windows whose RMS is below
 * `thresholdDb` dBFS. Use it to find dropouts in audio that should be continuous.
 */
export function longestGapMs(samples: Int16Array, sampleRate: number, options: { readonly thresholdDb?: number; readonly windowMs?: number } = {}): number {
  const { thresholdDb = -50, windowMs = 5 } = options;
  const windowSamples = Math.max(1, Math.round((windowMs * sampleRate) / 1000));
  let longest = 0;
  let current = 0;
  for (let start = 0; start + windowSamples <= samples.length; start += windowSamples) {
    const silent = rmsDb(samples.subarray(start, start + windowSamples)) < thresholdDb;
    current = silent ? current + 1 : 0;
    longest = Math.max(longest, current);
  }
  return (longest * windowSamples * 1000) / sampleRate;
}

/**
 * Index of the first sample where `actual` and `expected` differ (a length difference counts at the
 * shorter length), or -1 when identical. Use it instead of deepEqual on long arrays: a failing
 * deepEqual of 100k samples spends minutes building its diff.
 */
export function firstMismatch(actual: Int16Array, expected: Int16Array): number {
  const length = Math.min(actual.length, expected.length);
  for (let i = 0; i < length; i++) if (actual[i] !== expected[i]) return i;
  return actual.length === expected.length ? -1 : length;
}
