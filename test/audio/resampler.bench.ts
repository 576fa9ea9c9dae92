/**
 * Quick speed and response check for the resampler (not a test: no timing assertions).
 * Run: ./node_modules/.bin/node test/audio/resampler.bench.ts
 * Prints × real time per core (20 ms chunks, best of 5) and the measured passband / stopband.
 */
import { Resampler } from '../../src/audio/resample.ts';
import { rmsDb, segment, sine, speechLike, toneLevelDb } from './signal.ts';
import { resampleInChunks } from './resamplerHarness.ts';

const SECONDS = 30;

for (const [fromRate, toRate] of [
  [48_000, 16_000],
  [24_000, 48_000],
  [44_100, 16_000],
] as const) {
  const input = speechLike({ sampleRate: fromRate, seconds: SECONDS, amplitude: 0.7 });
  const chunk = fromRate / 50;
  let bestMs = Infinity;
  for (let run = 0; run < 5; run++) {
    const resampler = new Resampler({ fromRate, toRate });
    const start = performance.now();
    for (let offset = 0; offset < input.length; offset += chunk) resampler.process(input.subarray(offset, offset + chunk));
    resampler.flush();
    bestMs = Math.min(bestMs, performance.now() - start);
  }

  const lowerRate = Math.min(fromRate, toRate);
  const levelAt = (frequency: number): number =>
    rmsDb(segment(resampleInChunks(sine({ frequency, sampleRate: fromRate, seconds: 0.5, amplitude: 0.9, phase: 0.3 }), fromRate, toRate), toRate, 0.05, 0.45));
  const reference = levelAt(1000);
  const passband = levelAt(0.45 * lowerRate) - reference;
  let worstStopband = Infinity;
  if (toRate < fromRate) {
    for (let frequency = 0.55 * lowerRate; frequency < fromRate / 2; frequency += 0.01 * lowerRate) {
      worstStopband = Math.min(worstStopband, reference - levelAt(frequency));
    }
  } else {
    // Upsampling: a tone at f leaves an image at fromRate - f; check every passband tone's image.
    for (let frequency = 0.05 * lowerRate; frequency <= 0.45 * lowerRate; frequency += 0.01 * lowerRate) {
      const output = segment(resampleInChunks(sine({ frequency, sampleRate: fromRate, seconds: 0.5, amplitude: 0.9 }), fromRate, toRate), toRate, 0.05, 0.45);
      worstStopband = Math.min(worstStopband, toneLevelDb(output, toRate, frequency) - toneLevelDb(output, toRate, fromRate - frequency));
    }
  }
  const stopband = `, worst ${toRate < fromRate ? 'alias' : 'image'} rejection from 0.55 × ${lowerRate} Hz: ${worstStopband.toFixed(1)} dB`;
  console.log(
    `${fromRate} -> ${toRate} Hz: ${((SECONDS * 1000) / bestMs).toFixed(0)}x real time; at 0.45 × ${lowerRate} Hz: ${passband.toFixed(2)} dB${stopband}`,
  );
}
