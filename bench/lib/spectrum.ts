/** Spectral measurements for the resampler comparison: Blackman-Harris frames, band energies. */
import { fft } from '../../test/audio/signal.ts';

export const nextPowerOfTwo = (n: number): number => 2 ** Math.ceil(Math.log2(n));

/**
 * Power spectrum of one frame under a 4-term Blackman-Harris window (sidelobes -92 dB), scaled so that summing
 * the bins of a sine's main lobe gives its mean square (amplitude² / 2), whatever the rate and frame length.
 */
export function framePower(samples: ArrayLike<number>, start: number, length: number): Float64Array {
  const size = nextPowerOfTwo(length);
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  let windowEnergy = 0;
  for (let i = 0; i < length; i++) {
    const x = (2 * Math.PI * i) / (length - 1);
    const w = 0.35875 - 0.48829 * Math.cos(x) + 0.14128 * Math.cos(2 * x) - 0.01168 * Math.cos(3 * x);
    windowEnergy += w * w;
    re[i] = (samples[start + i] ?? 0) * w;
  }
  fft(re, im);
  const power = new Float64Array(size / 2 + 1);
  for (let k = 0; k <= size / 2; k++) power[k] = ((k === 0 || k === size / 2 ? 1 : 2) * (re[k]! ** 2 + im[k]! ** 2)) / (size * windowEnergy);
  return power;
}

/** Sum of `power` bins between two frequencies (Hz), for a spectrum of a frame at `rate`. */
export function bandPower(power: Float64Array, rate: number, fromHz: number, toHz: number): number {
  const binHz = rate / (2 * (power.length - 1));
  let sum = 0;
  for (let k = Math.max(0, Math.floor(fromHz / binHz)); k <= Math.min(power.length - 1, Math.ceil(toHz / binHz)); k++) sum += power[k]!;
  return sum;
}

/** Mean-square (Int16 units) to dBFS for a sine-referenced scale: a full-scale sine reads 0 dB. */
export const powerDb = (meanSquare: number): number => 10 * Math.log10(Math.max(meanSquare, 1e-30) / (32768 ** 2 / 2));

/** Averaged power spectrum (Welch, 50 % overlap) of a whole signal. */
export function averagedPower(samples: ArrayLike<number>, frameLength: number): Float64Array {
  let sum: Float64Array | undefined;
  let frames = 0;
  for (let start = 0; start + frameLength <= samples.length; start += frameLength >> 1) {
    const power = framePower(samples, start, frameLength);
    if (!sum) sum = power;
    else for (let k = 0; k < power.length; k++) sum[k]! += power[k]!;
    frames++;
  }
  if (!sum) throw new Error('signal shorter than one frame');
  for (let k = 0; k < sum.length; k++) sum[k]! /= frames;
  return sum;
}

/** White noise limited to a band (by zeroing FFT bins), with the given RMS in Int16 units. */
export function bandNoise(length: number, rate: number, fromHz: number, toHz: number, rms: number, seed = 7): Float64Array {
  const size = nextPowerOfTwo(length);
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  // mulberry32: integer arithmetic, so the sequence does not collapse over millions of draws.
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let k = 1; k < size / 2; k++) {
    const f = (k * rate) / size;
    if (f < fromHz || f > toHz) continue;
    const phase = 2 * Math.PI * random();
    re[k] = Math.cos(phase);
    im[k] = Math.sin(phase);
    re[size - k] = re[k]!;
    im[size - k] = -im[k]!;
  }
  fft(re, im); // a forward transform of a Hermitian spectrum is real up to the sign of time: fine for noise
  let energy = 0;
  for (let i = 0; i < length; i++) energy += re[i]! ** 2;
  const scale = rms / Math.sqrt(energy / length);
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = re[i]! * scale;
  return out;
}
